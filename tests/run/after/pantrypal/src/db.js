const { Pool } = require('pg');

// PostgreSQL (RDS): DATABASE_URL carries the host, the credentials and sslmode
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

async function all(text, params = []) {
  return (await pool.query(text, params)).rows;
}

async function get(text, params = []) {
  return (await all(text, params))[0];
}

async function run(text, params = []) {
  return pool.query(text, params);
}

module.exports = { pool, all, get, run };
