const { Sequelize } = require('sequelize');
const { Pool } = require('pg');

// PostgreSQL (RDS). node-postgres reads PGSSLMODE for TLS when no `ssl` option is given.
const sequelize = new Sequelize(process.env.DB_NAME, process.env.DB_USER, process.env.DB_PASSWORD, {
  host: process.env.DB_HOST,
  port: Number(process.env.DB_PORT || 5432),
  dialect: 'postgres',
  logging: false,
  pool: { max: 10 },
});

// Raw pool for the reporting queries Sequelize makes awkward
const pool = new Pool({
  host: process.env.DB_HOST,
  port: Number(process.env.DB_PORT || 5432),
  user: process.env.DB_USER,
  password: process.env.DB_PASSWORD,
  database: process.env.DB_NAME,
  max: 5,
});

module.exports = { sequelize, pool };
