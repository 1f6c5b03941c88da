require('dotenv').config();
const { syncQueue } = require('./jobs/sync');
const github = require('./services/github');
const { pool } = require('./db');
const { sendDigest } = require('./services/mailer');

syncQueue.process(async (job) => {
  const [owner, name] = job.data.fullName.split('/');
  const repo = await github.repo(owner, name);
  await pool.query('UPDATE repositories SET stars = $1, last_synced_at = now() WHERE full_name = $2', [
    repo.stargazers_count,
    repo.full_name,
  ]);
});

syncQueue.process('digest', async (job) => {
  const { rows } = await pool.query('SELECT full_name, stars FROM repositories ORDER BY stars DESC LIMIT 10');
  const html = rows.map((r) => `<li>${r.full_name}: ${r.stars}★</li>`).join('');
  await sendDigest(job.data.to, 'Weekly GitHub digest', `<ul>${html}</ul>`);
});

console.log('github-api worker waiting for jobs');
