const express = require('express');
const { pool } = require('../db');
const { cached } = require('../cache');
const github = require('../services/github');

const router = express.Router();

router.get('/', async (req, res, next) => {
  try {
    const offset = Number(req.query.offset || 0);
    const { rows } = await pool.query(
      'SELECT id, full_name, stars, topics FROM repositories WHERE archived = false ORDER BY stars DESC LIMIT 50 OFFSET $1',
      [offset]
    );
    res.json(rows);
  } catch (e) {
    next(e);
  }
});

router.get('/:owner/:name/contributors', async (req, res) => {
  const key = `contributors:${req.params.owner}/${req.params.name}`;
  res.json(await cached(key, 900, () => github.contributors(req.params.owner, req.params.name)));
});

router.post('/:owner/:name/sync', async (req, res) => {
  const repo = await github.repo(req.params.owner, req.params.name);
  await pool.query(
    `INSERT INTO repositories (full_name, visibility, stars, topics, last_synced_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, now(), now(), now())
     ON CONFLICT (full_name) DO UPDATE SET stars = EXCLUDED.stars, topics = EXCLUDED.topics, last_synced_at = now()`,
    [repo.full_name, repo.visibility, repo.stargazers_count, JSON.stringify(repo.topics)]
  );
  res.status(202).json({ synced: repo.full_name });
});

module.exports = router;
