#!/usr/bin/env python3
r"""MySQL -> PostgreSQL: skylift against pgloader on the same app-shaped database, same run.

    python bench/mysql_bench.py [ROWS] [--runs N] [--keep] [--pure]

Starts a throwaway MariaDB (never the system service) and the embedded PostgreSQL, fills an
app-shaped database (the shape of ../shared/bench/make_sqlite.py: users, tasks, completions
(ROWS rows), items with JSON and blobs, settings), then times, into fresh target databases:
  - pgloader (Debian package; `LOAD DATABASE FROM mysql://... INTO postgresql://...`)
  - `python -m skylift db migrate ... --json` in its own process, as a user runs it (start-up
    and imports counted), verification of every table included (with --pure, once more without
    the C accelerator)
  - the raw pipe, the floor: skylift's DDL, then per table `mariadb --batch --quick -e SELECT |
    psql -c '\copy ... FROM STDIN'` two tables at a time, then the same keys and indexes
    (nothing verified; NULL sent as the word NULL, blobs as hex)
and prints a Markdown table for docs/benchmarks.md (medians: wall, MB/s of the source's InnoDB
data and indexes over the wall time, CPU of the tool and of both servers, peak memory) and the
ratio of each run. Autovacuum is off
on the throwaway PostgreSQL, so one run's tables are not vacuumed during the next tool's run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import _meter  # noqa: E402
from _meter import Meter, Run, quiet  # noqa: E402

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


def time_pgloader(mysql_url: str, target: str, workdir: Path, servers: list[int]) -> Run:
    load = workdir / "bench.load"
    # pgloader's defaults otherwise; it cannot read the 'mysql://' of a passwordless root
    load.write_text(
        f"LOAD DATABASE FROM {mysql_url} INTO {target}\n"
        " WITH include drop, create tables, create indexes, reset sequences, foreign keys,\n"
        "      workers = 4, concurrency = 1\n"
        " ALTER SCHEMA 'bench' RENAME TO 'public';\n"
    )
    return _meter.timed(["pgloader", str(load)], servers)[0]


def time_skylift(
    mysql_url: str, target: str, workdir: Path, servers: list[int], pure: bool = False
) -> tuple[Run, dict[str, Any]]:
    """`skylift db migrate` as a user runs it: a new process (start-up and imports counted)."""
    cmd = [sys.executable, "-m", "skylift", "db", "migrate", mysql_url, target, "--json",
           "--workdir", str(workdir)]  # fmt: skip
    env = {**os.environ, "SKYLIFT_PURE_PYTHON": "1"} if pure else None
    run, out = _meter.timed(cmd, servers, cwd=ROOT, env=env)
    report: dict[str, Any] = json.loads(out)
    bad = [v["table"] for v in report["verification"] if not v["ok"]]
    if bad:
        raise SystemExit(f"skylift verification failed on {bad}")
    return run, report


def time_pipe(server: Any, target: str, ddl: list[str], servers: list[int]) -> Run:
    """The floor: skylift's tables, TSV out of the mariadb client into psql's \\copy, two
    tables at a time, then the same keys and indexes."""
    creates = [x for x in ddl if x.startswith(("CREATE TABLE", "CREATE TYPE"))]
    rest = [x for x in ddl if x not in creates and "CHECK" not in x]
    with psycopg.connect(target, autocommit=True) as conn:
        for sql in creates:
            conn.execute(sql)
    conn = server.connect("bench")
    cur = conn.cursor()
    tables: dict[str, str] = {}
    for (table,) in _fetch(cur, "SHOW TABLES"):
        cols = _fetch(cur, f"SELECT column_name, data_type FROM information_schema.columns "
                           f"WHERE table_schema = 'bench' AND table_name = '{table}' "
                           "ORDER BY ordinal_position")  # fmt: skip
        tables[table] = ", ".join(
            f"IF({c} IS NULL, NULL, CONCAT('\\\\x', HEX({c})))" if "blob" in t else f"`{c}`"
            for c, t in cols
        )
    conn.close()

    def pipe(table: str) -> None:
        out = subprocess.Popen(
            ["mariadb", "-h", "127.0.0.1", "-P", str(server.port), "-uroot", "-prootpw",
             "--batch", "--skip-column-names", "--quick", "bench",
             "-e", f"SELECT {tables[table]} FROM `{table}`"],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        subprocess.run(["psql", "-q", target, "-c", f"\\copy {table} FROM STDIN (NULL 'NULL')"],
                       stdin=out.stdout, check=True)  # fmt: skip
        if out.wait() != 0:
            raise SystemExit(f"mariadb client failed on {table}")

    with Meter(servers) as meter:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(pipe, sorted(tables)))
        with psycopg.connect(target, autocommit=True) as pg:
            for sql in rest:
                pg.execute(sql)
    return Run(meter.wall, meter.tool, meter.db, 0)


def _fetch(cur: Any, sql: str) -> list[Any]:
    cur.execute(sql)
    return list(cur.fetchall())


def _ddl(mysql_url: str) -> list[str]:
    cmd = [sys.executable, "-m", "skylift", "db", "migrate", mysql_url, "--dry-run", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return list(json.loads(out.stdout)["ddl"])


def _source_mb(server: Any) -> float:
    conn = server.connect("bench")
    (size,) = _fetch(conn.cursor(), "SELECT SUM(data_length + index_length) FROM "
                                    "information_schema.tables WHERE table_schema = 'bench'")[0]  # fmt: skip
    conn.close()
    return float(size) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the servers' data behind")
    parser.add_argument("--pure", action="store_true", help="skylift without its accelerator too")
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
        names = ["skylift", "pgloader", "pipe"] + (["skylift, pure Python"] if args.pure else [])
        results: dict[str, list[Run]] = {name: [] for name in names}
        ddl = _ddl(url)
        for run in range(args.runs):
            sky, report = time_skylift(
                url, fresh_db(pg.url(), f"sky_{run}"), work / f"wd{run}", servers
            )
            results["skylift"].append(sky)
            results["pgloader"].append(
                time_pgloader(url, fresh_db(pg.url(), f"pgl_{run}"), work, servers)
            )
            results["pipe"].append(
                time_pipe(server, fresh_db(pg.url(), f"pipe_{run}"), ddl, servers)
            )
            if args.pure:
                target = fresh_db(pg.url(), f"pure_{run}")
                results["skylift, pure Python"].append(
                    time_skylift(url, target, work / f"wp{run}", servers, pure=True)[0]
                )
            print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1].wall:.1f}s" for k, v in results.items())
                  + f"; load {os.getloadavg()[0]:.1f}", file=sys.stderr)  # fmt: skip
        _print(args, results, report, _source_mb(server))
    finally:
        conn.close()
        mariadb.stop(server)
        embedded_pg.stop(work / "pg" / "data")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _print(args: argparse.Namespace, results: dict[str, list[Run]], report: dict[str, Any],
           mb: float) -> None:  # fmt: skip
    rows = sum(v["source_rows"] for v in report["verification"])
    print(f"\n{rows:,} rows, {mb:,.0f} MB of InnoDB data and indexes, {os.cpu_count()} cores, "
          f"median of {args.runs} runs, load average {os.getloadavg()[0]:.1f} at the end\n")  # fmt: skip
    labels = {"pgloader": f"pgloader {_pgloader_version()}", "pipe": "raw pipe"}
    _meter.print_against_pgloader(results, report, mb, "servers", labels)


def _postmaster(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split()[0])


def _pgloader_version() -> str:
    out = subprocess.run(["pgloader", "--version"], capture_output=True, text=True).stdout
    return out.split()[2].strip('"') if len(out.split()) > 2 else ""


if __name__ == "__main__":
    main()
