const express = require('express');
const bcrypt = require('bcryptjs');
const db = require('../db');
const { sign } = require('../auth');

const router = express.Router();

router.post('/register', async (req, res) => {
  const { email, password, displayName } = req.body;
  if (!email || !password) return res.status(400).json({ error: 'email and password required' });
  const hash = bcrypt.hashSync(password, 10);
  try {
    const user = await db.get(
      'INSERT INTO users (email, password_hash, display_name) VALUES ($1, $2, $3) RETURNING *',
      [email.toLowerCase(), hash, displayName || null]
    );
    res.status(201).json({ token: sign(user) });
  } catch (e) {
    res.status(409).json({ error: 'Email already registered' });
  }
});

router.post('/login', async (req, res, next) => {
  try {
    const { email, password } = req.body;
    const user = await db.get('SELECT * FROM users WHERE email = $1', [(email || '').toLowerCase()]);
    if (!user || !bcrypt.compareSync(password || '', user.password_hash)) {
      return res.status(401).json({ error: 'Invalid credentials' });
    }
    await db.run('UPDATE users SET last_login_at = extract(epoch from now())::bigint WHERE id = $1', [user.id]);
    res.json({ token: sign(user) });
  } catch (e) {
    next(e);
  }
});

module.exports = router;
