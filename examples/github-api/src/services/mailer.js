const nodemailer = require('nodemailer');
const { SESClient, SendRawEmailCommand } = require('@aws-sdk/client-ses');

// SES in production, plain SMTP (Mailpit, Gmail) in development
function transport() {
  if (process.env.NODE_ENV === 'production') {
    const ses = new SESClient({ region: process.env.AWS_REGION });
    return nodemailer.createTransport({ SES: { ses, aws: { SendRawEmailCommand } } });
  }
  return nodemailer.createTransport({
    host: process.env.SMTP_HOST,
    port: Number(process.env.SMTP_PORT || 587),
    auth: { user: process.env.SMTP_USER, pass: process.env.SMTP_PASS },
  });
}

async function sendDigest(to, subject, html) {
  if (process.env.ENABLE_EMAIL_NOTIFICATIONS !== 'true') return;
  await transport().sendMail({ from: process.env.SES_FROM_EMAIL, to, subject, html });
}

module.exports = { sendDigest };
