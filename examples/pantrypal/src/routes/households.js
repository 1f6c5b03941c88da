const express = require('express');
const crypto = require('crypto');
const db = require('../db');
const { requireAuth } = require('../auth');

const router = express.Router();
router.use(requireAuth);

router.post('/', (req, res) => {
  const code = crypto.randomBytes(4).toString('hex');
  const info = db
    .prepare('INSERT INTO households (name, invite_code, latitude, longitude) VALUES (?, ?, ?, ?)')
    .run(req.body.name, code, req.body.latitude ?? null, req.body.longitude ?? null);
  db.prepare('UPDATE users SET household_id = ? WHERE id = ?').run(info.lastInsertRowid, req.user.sub);
  res.status(201).json({ id: info.lastInsertRowid, inviteCode: code });
});

router.post('/join', (req, res) => {
  const household = db.prepare('SELECT id FROM households WHERE invite_code = ?').get(req.body.code);
  if (!household) return res.status(404).json({ error: 'Unknown invite code' });
  db.prepare('UPDATE users SET household_id = ? WHERE id = ?').run(household.id, req.user.sub);
  res.json({ id: household.id });
});

router.get('/:id/members', (req, res) => {
  const rows = db
    .prepare('SELECT id, display_name, is_admin FROM users WHERE household_id = ? ORDER BY id LIMIT 50')
    .all(req.params.id);
  res.json(rows.map((r) => ({ ...r, is_admin: r.is_admin === 1 })));
});

module.exports = router;
