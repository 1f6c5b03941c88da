const jwt = require('jsonwebtoken');

const JWT_SECRET = process.env.JWT_SECRET || 'pantrypal-dev-secret-change-me';

function sign(user) {
  return jwt.sign({ sub: user.id, household: user.household_id }, JWT_SECRET, {
    expiresIn: process.env.JWT_EXPIRES_IN || '30d',
  });
}

function requireAuth(req, res, next) {
  const header = req.headers.authorization || '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : null;
  if (!token) return res.status(401).json({ error: 'Missing token' });
  try {
    req.user = jwt.verify(token, JWT_SECRET);
    next();
  } catch (e) {
    res.status(401).json({ error: 'Invalid token' });
  }
}

module.exports = { sign, requireAuth };
