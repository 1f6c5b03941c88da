require('dotenv').config();

// sequelize-cli reads this file for `npm run migrate`
const connection = {
  username: process.env.DB_USER,
  password: process.env.DB_PASSWORD,
  database: process.env.DB_NAME,
  host: process.env.DB_HOST,
  port: process.env.DB_PORT || 5432,
  dialect: 'postgres',
};

module.exports = { development: connection, production: connection };
