const express = require('express');
const fs = require('fs');
const path = require('path');
const multer = require('multer');
const db = require('../db');
const { requireAuth } = require('../auth');

const router = express.Router();
const uploadDir = process.env.UPLOAD_DIR || path.join(__dirname, '..', '..', 'uploads');
const upload = multer({ limits: { fileSize: 5 * 1024 * 1024 } });
router.use(requireAuth);

router.get('/', (req, res) => {
  const page = Number(req.query.page || 0);
  const rows = db
    .prepare('SELECT * FROM items WHERE household_id = ? ORDER BY is_checked, name LIMIT ?, 100')
    .all(req.user.household, page * 100);
  res.json(rows.map((r) => ({ ...r, is_checked: !!r.is_checked, metadata: JSON.parse(r.metadata || '{}') })));
});

router.post('/', (req, res) => {
  const { name, quantity, unit, category, expiresOn, metadata } = req.body;
  const info = db
    .prepare(
      'INSERT INTO items (household_id, name, quantity, unit, category, expires_on, metadata, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
    )
    .run(req.user.household, name, quantity ?? 1, unit, category, expiresOn, JSON.stringify(metadata || {}), req.user.sub);
  res.status(201).json({ id: info.lastInsertRowid });
});

router.patch('/:id/check', (req, res) => {
  db.prepare("UPDATE items SET is_checked = 1 - is_checked, updated_at = datetime('now') WHERE id = ? AND household_id = ?")
    .run(req.params.id, req.user.household);
  res.status(204).end();
});

router.post('/:id/receipt', upload.single('receipt'), (req, res) => {
  const file = path.join(uploadDir, `${req.params.id}-${Date.now()}.jpg`);
  fs.writeFileSync(file, req.file.buffer);
  res.status(201).json({ stored: path.basename(file) });
});

module.exports = router;
