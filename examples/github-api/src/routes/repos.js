const express = require('express');
const { pool } = require('../db');
const { cached } = require('../cache');
const github = require('../services/github');

const router = express.Router();

router.get('/', async (req, res) => {
  const offset = Number(req.query.offset || 0);
  const [rows] = await pool.query(
    'SELECT `id`, `full_name`, `stars`, `topics` FROM `repositories` WHERE `archived` = 0 ORDER BY `stars` DESC LIMIT ?, 50',
    [offset]
  );
  res.json(rows);
});

router.get('/:owner/:name/contributors', async (req, res) => {
  const key = `contributors:${req.params.owner}/${req.params.name}`;
  res.json(await cached(key, 900, () => github.contributors(req.params.owner, req.params.name)));
});

router.post('/:owner/:name/sync', async (req, res) => {
  const repo = await github.repo(req.params.owner, req.params.name);
  await pool.query(
    'INSERT INTO repositories (full_name, visibility, stars, topics, last_synced_at) VALUES (?, ?, ?, ?, NOW()) ON DUPLICATE KEY UPDATE stars = VALUES(stars), topics = VALUES(topics), last_synced_at = NOW()',
    [repo.full_name, repo.visibility, repo.stargazers_count, JSON.stringify(repo.topics)]
  );
  res.status(202).json({ synced: repo.full_name });
});

module.exports = router;
