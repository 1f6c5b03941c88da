const { Octokit } = require('@octokit/rest');

// Several tokens rotate so the hourly sync stays under GitHub's rate limit
const tokens = (process.env.GITHUB_TOKENS || '').split(',').filter(Boolean);
let next = 0;

function client() {
  const auth = tokens.length ? tokens[next++ % tokens.length] : undefined;
  return new Octokit({ auth, baseUrl: 'https://api.github.com' });
}

async function repo(owner, name) {
  const { data } = await client().repos.get({ owner, repo: name });
  return data;
}

async function contributors(owner, name) {
  const { data } = await client().repos.listContributors({ owner, repo: name, per_page: 100 });
  return data.map((c) => ({ login: c.login, contributions: c.contributions }));
}

module.exports = { repo, contributors };
