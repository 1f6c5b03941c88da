const express = require('express');
const { sequelize } = require('../db');
const { redis } = require('../cache');

const router = express.Router();

router.get('/health', async (req, res) => {
  try {
    await sequelize.query('SELECT 1');
    await redis.ping();
    res.json({ status: 'ok' });
  } catch (e) {
    res.status(503).json({ status: 'degraded', error: e.message });
  }
});

module.exports = router;
