#!/usr/bin/env python3
"""MySQL -> PostgreSQL: skylift against pgloader on the same app-shaped database, same run.

    python bench/mysql_bench.py [ROWS] [--runs N] [--keep]

Starts a throwaway MariaDB (never the system service) and the embedded PostgreSQL, fills an
app-shaped database (the shape of ../shared/bench/make_sqlite.py: users, tasks, completions
(ROWS rows), items with JSON and blobs, settings), then times, into fresh target databases:
  - pgloader (Debian package; `LOAD DATABASE FROM mysql://... INTO postgresql://...`)
  - `python -m skylift db migrate ... --json` in its own process, as a user runs it (start-up
    and imports counted), verification of every table included
and prints a Markdown table for docs/benchmarks.md and the ratio of each run. Autovacuum is off
on the throwaway PostgreSQL, so one run's tables are not vacuumed during the next tool's run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _meter import Meter, quiet  # noqa: E402

SCHEMA = """
CREATE TABLE users (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email varchar(191) NOT NULL UNIQUE,
  password_hash varchar(100) NOT NULL,
  is_admin tinyint(1) NOT NULL DEFAULT 0,
  created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE tasks (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id int unsigned NOT NULL,
  title varchar(200) NOT NULL,
  period enum('daily','weekly','monthly') DEFAULT NULL,
  target_count int DEFAULT 1,
  active tinyint(1) DEFAULT 1,
  sort_order int DEFAULT NULL,
  scheduled_date date DEFAULT NULL,
  created_at datetime DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT tasks_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE completions (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  task_id int unsigned NOT NULL,
  title_snapshot varchar(200) DEFAULT NULL,
  date date NOT NULL,
  amount double DEFAULT NULL,
  note text,
  created_at datetime DEFAULT CURRENT_TIMESTAMP,
  KEY idx_completions_task_date (task_id, date),
  CONSTRAINT completions_task FOREIGN KEY (task_id) REFERENCES tasks (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE items (
  id varchar(20) NOT NULL PRIMARY KEY,
  user_id int unsigned DEFAULT NULL,
  name varchar(100) DEFAULT NULL,
  barcode varchar(32) DEFAULT NULL,
  quantity decimal(10,2) DEFAULT NULL,
  attributes json DEFAULT NULL,
  photo blob,
  expires_at bigint DEFAULT NULL,
  CONSTRAINT items_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE settings (k varchar(50) NOT NULL PRIMARY KEY, v text) ENGINE=InnoDB;
"""


def _mariadb() -> Any:
    path = ROOT / "tests" / "db" / "sources" / "_mariadb.py"
    spec = importlib.util.spec_from_file_location("_mariadb", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["_mariadb"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def fill(conn: Any, n: int) -> None:
    rnd = random.Random(42)
    cur = conn.cursor()
    cur.execute("SET foreign_key_checks = 0, unique_checks = 0")
    for stmt in filter(str.strip, SCHEMA.split(";")):
        cur.execute(stmt)
    nu, nt, ni = max(1000, n // 100), max(1000, n // 20), max(1000, n // 10)

    def insert(table: str, cols: int, rows: Any) -> None:
        marks = ",".join(["%s"] * cols)
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 5000:
                cur.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)
                batch = []
        if batch:
            cur.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)

    insert("users", 5, ((i + 1, f"user{i}@example.com", "$2b$10$" + "x" * 53, i % 50 == 0,
                         f"2024-0{1 + i % 9}-1{i % 9} 12:00:00") for i in range(nu)))  # fmt: skip
    periods = ["daily", "weekly", "monthly"]
    insert("tasks", 9, ((i + 1, 1 + rnd.randrange(nu), f"Task {i} — drink water ☕", periods[i % 3],
                         1 + i % 5, i % 7 != 0, i, f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                         "2025-01-01 08:00:00") for i in range(nt)))  # fmt: skip
    insert("completions", 7, ((i + 1, 1 + rnd.randrange(nt), f"Task snapshot {i % 997}",
                               f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", round(rnd.random() * 100, 3),
                               None if i % 3 else "note with 'quotes', commas, and\nnewlines \\ tab\t",
                               "2025-06-01 10:00:00") for i in range(n)))  # fmt: skip
    insert("items", 8, ((f"itm-{i:08d}", 1 + rnd.randrange(nu), f"Item {i}",
                         f"{rnd.randrange(10**12):012d}", round(rnd.random() * 10, 2),
                         json.dumps({"brand": "Acme", "tags": ["a", "b"], "n": i}),
                         bytes(rnd.randrange(256) for _ in range(32)), 1735689600 + i)
                        for i in range(ni)))  # fmt: skip
    insert("settings", 2, ((f"k{i}", f"v{i}") for i in range(100)))
    cur.execute("ANALYZE TABLE users, tasks, completions, items, settings")
    cur.fetchall()


def fresh_db(admin: str, name: str) -> str:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return admin.rsplit("/", 1)[0] + "/" + name


def time_pgloader(mysql_url: str, target: str, workdir: Path) -> float:
    load = workdir / "bench.load"
    # pgloader's defaults otherwise; it cannot read the 'mysql://' of a passwordless root
    load.write_text(
        f"LOAD DATABASE FROM {mysql_url} INTO {target}\n"
        " WITH include drop, create tables, create indexes, reset sequences, foreign keys,\n"
        "      workers = 4, concurrency = 1\n"
        " ALTER SCHEMA 'bench' RENAME TO 'public';\n"
    )
    start = time.monotonic()
    done = subprocess.run(["pgloader", str(load)], capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit("pgloader failed")
    return elapsed


def time_skylift(mysql_url: str, target: str, workdir: Path) -> dict[str, Any]:
    """`skylift db migrate` as a user runs it: a new process (start-up and imports counted)."""
    cmd = [sys.executable, "-m", "skylift", "db", "migrate", mysql_url, target, "--json",
           "--workdir", str(workdir)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"skylift failed ({done.returncode})")
    report: dict[str, Any] = json.loads(done.stdout)
    bad = [v["table"] for v in report["verification"] if not v["ok"]]
    if bad:
        raise SystemExit(f"skylift verification failed on {bad}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the servers' data behind")
    args = parser.parse_args()
    from skylift.cloud import embedded_pg

    work = Path(tempfile.mkdtemp(prefix="skylift-bench-mysql-"))
    mariadb = _mariadb()
    server = mariadb.start(work / "mariadb")
    pg = embedded_pg.start(work / "pg" / "data")
    quiet(pg.url())
    try:
        conn = server.connect()
        conn.cursor().execute("CREATE DATABASE bench CHARACTER SET utf8mb4")
        conn.select_db("bench")
        t0 = time.monotonic()
        fill(conn, args.rows)
        print(f"filled MariaDB in {time.monotonic() - t0:.1f} s", file=sys.stderr)
        url = server.url("bench")
        servers = [server.process.pid, _postmaster(work / "pg" / "data")]
        results: dict[str, list[Meter]] = {"pgloader": [], "skylift": []}
        for run in range(args.runs):
            target = fresh_db(pg.url(), f"pgl_{run}")
            with Meter(servers) as meter:
                time_pgloader(url, target, work)
            results["pgloader"].append(meter)
            target = fresh_db(pg.url(), f"sky_{run}")
            with Meter(servers) as meter:
                report = time_skylift(url, target, work / f"wd{run}")
            results["skylift"].append(meter)
            for name, ms in results.items():
                m = ms[-1]
                print(f"run {run} {name}: {m.wall:.1f} s wall, CPU {m.tool:.1f} s tool +"
                      f" {m.db:.1f} s servers; load {os.getloadavg()[0]:.1f}", file=sys.stderr)  # fmt: skip
            print(f"  skylift phases {report['timings_seconds']}", file=sys.stderr)
        best = {k: min(v, key=lambda m: m.wall) for k, v in results.items()}
        rows = sum(v["source_rows"] for v in report["verification"])
        base = best["pgloader"]
        print(f"| tool ({rows:,} rows, best of {args.runs}) | wall | ratio | CPU: tool + servers |")
        print("|---|---:|---:|---:|")
        for name, label in (("pgloader", f"pgloader {_pgloader_version()}"),
                            ("skylift", "skylift db migrate, verification included")):  # fmt: skip
            m = best[name]
            print(f"| {label} | {m.wall:.1f} s | {m.wall / base.wall:.2f} |"
                  f" {m.tool:.1f} + {m.db:.1f} s |")  # fmt: skip
        ratios = [
            s.wall / p.wall for s, p in zip(results["skylift"], results["pgloader"], strict=True)
        ]
        print("\nskylift / pgloader run by run: " + ", ".join(f"{r:.2f}x" for r in ratios)
              + f" (median {statistics.median(ratios):.2f}x)")  # fmt: skip
    finally:
        conn.close()
        mariadb.stop(server)
        embedded_pg.stop(work / "pg" / "data")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _postmaster(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split()[0])


def _pgloader_version() -> str:
    out = subprocess.run(["pgloader", "--version"], capture_output=True, text=True).stdout
    return out.split()[2] if len(out.split()) > 2 else ""


if __name__ == "__main__":
    main()
