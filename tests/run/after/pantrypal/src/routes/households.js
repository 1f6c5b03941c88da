const express = require('express');
const crypto = require('crypto');
const db = require('../db');
const { requireAuth } = require('../auth');

const router = express.Router();
router.use(requireAuth);

router.post('/', async (req, res, next) => {
  try {
    const code = crypto.randomBytes(4).toString('hex');
    const household = await db.get(
      'INSERT INTO households (name, invite_code, latitude, longitude) VALUES ($1, $2, $3, $4) RETURNING id',
      [req.body.name, code, req.body.latitude ?? null, req.body.longitude ?? null]
    );
    await db.run('UPDATE users SET household_id = $1 WHERE id = $2', [household.id, req.user.sub]);
    res.status(201).json({ id: household.id, inviteCode: code });
  } catch (e) {
    next(e);
  }
});

router.post('/join', async (req, res, next) => {
  try {
    const household = await db.get('SELECT id FROM households WHERE invite_code = $1', [req.body.code]);
    if (!household) return res.status(404).json({ error: 'Unknown invite code' });
    await db.run('UPDATE users SET household_id = $1 WHERE id = $2', [household.id, req.user.sub]);
    res.json({ id: household.id });
  } catch (e) {
    next(e);
  }
});

router.get('/:id/members', async (req, res, next) => {
  try {
    const rows = await db.all(
      'SELECT id, display_name, is_admin FROM users WHERE household_id = $1 ORDER BY id LIMIT 50',
      [req.params.id]
    );
    res.json(rows.map((r) => ({ ...r, is_admin: r.is_admin === 1 || r.is_admin === true })));
  } catch (e) {
    next(e);
  }
});

module.exports = router;
