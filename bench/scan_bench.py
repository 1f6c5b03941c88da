"""Time `skylift scan` on a generated 5,000-file repository (and on the five examples).

    python bench/scan_bench.py            # prints a table; add --runs N for more repetitions

The repository is app-shaped: 600 source files that read env vars, run SQL and set cookies, plus
3,800 files in a committed node_modules, 400 in vendor/ and 200 in .git that the scan must skip.
Results go in docs/benchmarks.md under "scan".
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from skylift.scan import scan, sqlcheck

ROOT = Path(__file__).resolve().parents[1]
SOURCE = """const db = require('better-sqlite3')(process.env.DB_PATH_{j} || 'app.db');
const secret = process.env.SECRET_{j};
module.exports = (req, res) => {{
  const row = {query};
  res.cookie('s{i}', secret, {{ httpOnly: true }});
  res.json(row);
}};
"""


QUERY = """db.prepare("SELECT * FROM items{i} WHERE id = ? AND at > datetime('now')").get(req.params.id)"""


def make_repo(root: Path, app_files: int = 600, queries: int = 120) -> int:
    """Every query is distinct (no help from the cache of identical SQL); the other files have none."""
    files: dict[str, str] = {
        "package.json": json.dumps(
            {"name": "big", "dependencies": {"express": "4", "better-sqlite3": "9"}}
        ),
    }
    for i in range(app_files):
        query = QUERY.format(i=i) if i < queries else "null"
        files[f"src/mod{i // 50}/f{i}.js"] = SOURCE.format(i=i, j=i % 40, query=query)
    for i in range(3800):
        files[f"node_modules/pkg{i // 20}/lib/f{i}.js"] = "module.exports = process.env.X;\n" * 20
    for i in range(400):
        files[f"vendor/v{i}.js"] = "x\n"
    for i in range(200):
        files[f".git/objects/{i:02x}/obj{i}"] = "x"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return len(files)


def timed(path: Path, runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (CPU time is steadier on a busy shared machine)."""
    walls, cpus = [], []
    for _ in range(runs):
        sqlcheck._check.cache_clear()  # each run starts cold, like a fresh `skylift scan`
        wall, cpu = time.perf_counter(), time.process_time()
        scan(path)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--queries", type=int, default=120, help="distinct SQL queries in the app")
    args = parser.parse_args()
    print(f"{'repository':<28} {'files':>6} {'wall ms':>8} {'cpu ms':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        n = make_repo(Path(tmp), queries=args.queries)
        wall, cpu = timed(Path(tmp), args.runs)
        label = f"generated, {args.queries} queries"
        print(f"{label:<28} {n:>6} {wall * 1000:>8.0f} {cpu * 1000:>7.0f}")
    for example in sorted((ROOT / "examples").iterdir()):
        if example.is_dir():
            count = sum(1 for f in example.rglob("*") if f.is_file())
            wall, cpu = timed(example, args.runs)
            print(
                f"{'examples/' + example.name:<28} {count:>6} {wall * 1000:>8.0f} {cpu * 1000:>7.0f}"
            )


if __name__ == "__main__":
    main()
