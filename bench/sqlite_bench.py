#!/usr/bin/env python3
"""SQLite -> PostgreSQL: skylift against pgloader and the raw pipe, same database, same run.

    python bench/sqlite_bench.py [ROWS] [--runs N] [--jobs J] [--pure]

Makes an app-shaped SQLite database with ../shared/bench/make_sqlite.py (--portable, so that
pgloader 3.6 can load it at all), starts the embedded PostgreSQL, and times into fresh target
databases on that one server:
  - skylift db migrate   (schema, copy, keys, indexes, foreign keys, verification of every table)
  - pgloader             (schema, copy, keys, indexes, foreign keys; no verification)
  - raw pipe             (`sqlite3 -csv ... | psql -c '\\copy ...'` per table, 2 at a time, then
                          the same keys and indexes: a floor that is not even faithful: it
                          prints floats with 15 digits)
  - with --pure, skylift again without its C accelerator (SKYLIFT_PURE_PYTHON=1), as a user
    whose pip had no compiler runs it
Prints a Markdown table: medians of N runs of wall time, throughput (the SQLite file's size over
the wall time), CPU seconds of the tool's process tree and of PostgreSQL (the machine may be
shared), and the tool's peak memory, then skylift's phases.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
MAKE = ROOT.parent / "shared" / "bench" / "make_sqlite.py"
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

import _meter  # noqa: E402
from _meter import Meter, Run, quiet  # noqa: E402

from skylift.cloud import embedded_pg  # noqa: E402

SERVERS: list[int] = []  # the PostgreSQL postmaster: its CPU counts with each tool's


def timed(cmd: list[str], cwd: Path | None = None, pure: bool = False) -> tuple[Run, str]:
    env = {**os.environ, "SKYLIFT_PURE_PYTHON": "1"} if pure else None
    return _meter.timed(cmd, SERVERS, cwd, ok=(0, 10), env=env)


def fresh_db(server: embedded_pg.EmbeddedPostgres, name: str) -> str:
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return embedded_pg.ensure_database(server, name)


def run_skylift(
    db: Path, url: str, work: Path, jobs: int, pure: bool = False
) -> tuple[Run, dict[str, Any]]:
    cmd = [sys.executable, "-m", "skylift", "db", "migrate", str(db), url, "--json",
           "--workdir", str(work), "--jobs", str(jobs)]  # fmt: skip
    run, out = timed(cmd, cwd=ROOT, pure=pure)
    report = json.loads(out)
    assert report["status"] == "ok", report["status"]
    return run, report


def run_pgloader(db: Path, url: str) -> Run:
    return timed(["pgloader", "--no-ssl-cert-verification", str(db), url])[0]


def run_pipe(db: Path, url: str, ddl: list[str]) -> Run:
    """The floor: CSV out of sqlite3, \\copy into psql, then the same keys and indexes."""
    creates = [s for s in ddl if s.startswith("CREATE TABLE")]
    rest = [s for s in ddl if not s.startswith("CREATE TABLE") and "CHECK" not in s]
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in creates:
            conn.execute(sql)
    tables = [m.group(1) for s in creates if (m := re.match(r'CREATE TABLE "?([^" (]+)', s))]

    def pipe(table: str) -> None:
        select = f'SELECT {_select_list(db, table)} FROM "{table}"'
        out = subprocess.Popen(["sqlite3", "-csv", str(db), select], stdout=subprocess.PIPE)
        subprocess.run(
            ["psql", "-q", url, "-c", f'\\copy "{table}" FROM STDIN CSV'],
            stdin=out.stdout,
            check=True,
        )
        out.wait()

    with Meter(SERVERS) as meter:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(pipe, tables))
        with psycopg.connect(url, autocommit=True) as conn:
            for sql in rest:
                conn.execute(sql)
    return Run(meter.wall, meter.tool, meter.db, 0)


def _select_list(db: Path, table: str) -> str:
    info = sqlite3.connect(db).execute(f'PRAGMA table_info("{table}")').fetchall()
    return ", ".join(
        f"CASE WHEN {r[1]} IS NULL THEN NULL ELSE char(92) || 'x' || lower(hex({r[1]})) END"
        if "BLOB" in r[2].upper()
        else r[1]
        for r in info
    )


def _ddl(db: Path) -> list[str]:
    out = subprocess.run([sys.executable, "-m", "skylift", "db", "migrate", str(db), "--dry-run", "--json"],
                         capture_output=True, text=True, check=True, cwd=ROOT)  # fmt: skip
    return list(json.loads(out.stdout)["ddl"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--pure", action="store_true", help="skylift without its accelerator too")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="skylift-bench-"))
    db = tmp / "app.db"
    subprocess.run([sys.executable, str(MAKE), str(db), str(args.rows), "--portable"], check=True)
    server = embedded_pg.start(tmp / "pg")
    quiet(server.url())
    SERVERS.append(int((tmp / "pg" / "postmaster.pid").read_text().split()[0]))
    results: dict[str, list[Run]] = {"skylift": [], "pgloader": [], "pipe": []}
    if args.pure:
        results["skylift, pure Python"] = []
    report: dict[str, Any] = {}
    try:
        ddl = _ddl(db)
        for run in range(args.runs):
            sky, report = run_skylift(db, fresh_db(server, "sky"), tmp / f"wd{run}", args.jobs)
            results["skylift"].append(sky)
            results["pgloader"].append(run_pgloader(db, fresh_db(server, "pgl")))
            results["pipe"].append(run_pipe(db, fresh_db(server, "pipe"), ddl))
            if args.pure:
                pure, _ = run_skylift(
                    db, fresh_db(server, "sky"), tmp / f"wp{run}", args.jobs, True
                )
                results["skylift, pure Python"].append(pure)
                shutil.rmtree(tmp / f"wp{run}", ignore_errors=True)
            shutil.rmtree(tmp / f"wd{run}", ignore_errors=True)  # a snapshot per run: disk
            print(
                f"run {run + 1}: "
                + ", ".join(f"{k} {v[-1].wall:.1f}s" for k, v in results.items()),
                file=sys.stderr,
            )
    finally:
        embedded_pg.stop(tmp / "pg")
    _print(args, db, results, report)


def _print(
    args: argparse.Namespace, db: Path, results: dict[str, list[Run]], report: dict[str, Any]
) -> None:
    size = db.stat().st_size / 2**20
    print(f"\n{report.get('rows', 0):,} rows, {size:.0f} MiB SQLite file, {os.cpu_count()} cores, "
          f"median of {args.runs} runs, load average {os.getloadavg()[0]:.1f} at the end\n")  # fmt: skip
    labels = {"pgloader": "pgloader", "pipe": "raw pipe"}
    _meter.print_against_pgloader(results, report, db.stat().st_size / 1e6, "PostgreSQL", labels)


if __name__ == "__main__":
    main()
