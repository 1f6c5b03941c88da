const cron = require('node-cron');
const Queue = require('bull');
const { pool } = require('../db');
const { options } = require('../cache');

const syncQueue = new Queue('repo-sync', { redis: options });

function scheduleJobs() {
  // Hourly: queue every tracked repository for a refresh
  cron.schedule('0 * * * *', async () => {
    const { rows } = await pool.query('SELECT full_name FROM repositories WHERE archived = false');
    for (const row of rows) await syncQueue.add({ fullName: row.full_name });
  });
  // Mondays 08:00: contributor digest email
  cron.schedule('0 8 * * 1', async () => {
    await syncQueue.add('digest', { to: process.env.NOTIFICATION_EMAIL });
  });
}

module.exports = { scheduleJobs, syncQueue };
