require('dotenv').config();
const express = require('express');
const cors = require('cors');
const helmet = require('helmet');

const db = require('./db');
const authRoutes = require('./routes/auth');
const householdRoutes = require('./routes/households');
const itemRoutes = require('./routes/items');

const app = express();
app.use(helmet());
app.use(cors());
app.use(express.json({ limit: '1mb' }));

app.get('/health', async (req, res) => {
  try {
    await db.get('SELECT 1 AS ok');
    res.json({ status: 'ok' });
  } catch (e) {
    res.status(503).json({ status: 'degraded' });
  }
});

app.use('/api/auth', authRoutes);
app.use('/api/households', householdRoutes);
app.use('/api/items', itemRoutes);

app.use((err, req, res, next) => {
  console.error(err);
  res.status(500).json({ error: 'Internal server error' });
});

const PORT = process.env.PORT || 3002;
app.listen(PORT, () => {
  console.log(`PantryPal API listening on port ${PORT}`);
});
