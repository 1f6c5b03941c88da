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

function metadata(value) {
  if (value == null) return {};
  return typeof value === 'string' ? JSON.parse(value || '{}') : value;
}

router.get('/', async (req, res, next) => {
  try {
    const page = Number(req.query.page || 0);
    const rows = await db.all(
      'SELECT * FROM items WHERE household_id = $1 ORDER BY is_checked, name LIMIT 100 OFFSET $2',
      [req.user.household, page * 100]
    );
    res.json(rows.map((r) => ({ ...r, is_checked: !!r.is_checked, metadata: metadata(r.metadata) })));
  } catch (e) {
    next(e);
  }
});

router.post('/', async (req, res, next) => {
  try {
    const { name, quantity, unit, category, expiresOn, metadata: meta } = req.body;
    const item = await db.get(
      'INSERT INTO items (household_id, name, quantity, unit, category, expires_on, metadata, added_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id',
      [req.user.household, name, quantity ?? 1, unit, category, expiresOn, JSON.stringify(meta || {}), req.user.sub]
    );
    res.status(201).json({ id: item.id });
  } catch (e) {
    next(e);
  }
});

router.patch('/:id/check', async (req, res, next) => {
  try {
    await db.run(
      'UPDATE items SET is_checked = 1 - is_checked, updated_at = now() WHERE id = $1 AND household_id = $2',
      [req.params.id, req.user.household]
    );
    res.status(204).end();
  } catch (e) {
    next(e);
  }
});

router.post('/:id/receipt', upload.single('receipt'), (req, res) => {
  const file = path.join(uploadDir, `${req.params.id}-${Date.now()}.jpg`);
  fs.writeFileSync(file, req.file.buffer);
  res.status(201).json({ stored: path.basename(file) });
});

module.exports = router;
