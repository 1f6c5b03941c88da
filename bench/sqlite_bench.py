#!/usr/bin/env python3
"""SQLite -> PostgreSQL: skylift against pgloader and the raw pipe, same database, same run.

    python bench/sqlite_bench.py [ROWS] [--runs N] [--jobs J]

Makes an app-shaped SQLite database with ../shared/bench/make_sqlite.py (--portable, so that
pgloader 3.6 can load it at all), starts the embedded PostgreSQL, and times into fresh target
databases on that one server:
  - skylift db migrate   (schema, copy, keys, indexes, foreign keys, verification of every table)
  - pgloader             (schema, copy, keys, indexes, foreign keys; no verification)
  - raw pipe             (`sqlite3 -csv ... | psql -c '\\copy ...'` per table, 2 at a time, then
                          the same keys and indexes: a floor that is not even faithful: it
                          prints floats with 15 digits)
Prints a Markdown table (median of N runs, peak memory of the tool's process tree).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
MAKE = ROOT.parent / "shared" / "bench" / "make_sqlite.py"
sys.path.insert(0, str(ROOT / "src"))

from skylift.cloud import embedded_pg  # noqa: E402


def timed(cmd: list[str], **kwargs: object) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MiB (largest process of the tree), stdout."""
    start = time.monotonic()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, **kwargs
    )  # type: ignore[call-overload]
    wall = time.monotonic() - start
    if proc.returncode not in (0, 10):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    rss = int(proc.stderr.strip().splitlines()[-1]) // 1024
    return wall, rss, proc.stdout


def fresh_db(server: embedded_pg.EmbeddedPostgres, name: str) -> str:
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return embedded_pg.ensure_database(server, name)


def run_skylift(db: Path, url: str, work: Path, jobs: int) -> tuple[float, int, dict]:
    cmd = [sys.executable, "-m", "skylift", "db", "migrate", str(db), url, "--json",
           "--workdir", str(work), "--jobs", str(jobs)]  # fmt: skip
    wall, rss, out = timed(cmd, cwd=ROOT)
    report = json.loads(out)
    assert report["status"] == "ok", report["status"]
    return wall, rss, report


def run_pgloader(db: Path, url: str) -> tuple[float, int]:
    wall, rss, _ = timed(["pgloader", "--no-ssl-cert-verification", str(db), url])
    return wall, rss


def run_pipe(db: Path, url: str, ddl: list[str]) -> tuple[float, int]:
    """The floor: CSV out of sqlite3, \\copy into psql, then the same keys and indexes."""
    creates = [s for s in ddl if s.startswith("CREATE TABLE")]
    rest = [s for s in ddl if not s.startswith("CREATE TABLE") and "CHECK" not in s]
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in creates:
            conn.execute(sql)
    tables = [re.match(r'CREATE TABLE "?([^" (]+)', s).group(1) for s in creates]  # type: ignore[union-attr]
    start = time.monotonic()

    def pipe(table: str) -> None:
        select = f'SELECT {_select_list(db, table)} FROM "{table}"'
        out = subprocess.Popen(["sqlite3", "-csv", str(db), select], stdout=subprocess.PIPE)
        subprocess.run(["psql", "-q", url, "-c", f'\\copy "{table}" FROM STDIN CSV'],
                       stdin=out.stdout, check=True)  # fmt: skip
        out.wait()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(pipe, tables))
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in rest:
            conn.execute(sql)
    return time.monotonic() - start, 0


def _select_list(db: Path, table: str) -> str:
    import sqlite3

    info = sqlite3.connect(db).execute(f'PRAGMA table_info("{table}")').fetchall()
    return ", ".join(
        f"CASE WHEN {r[1]} IS NULL THEN NULL ELSE char(92) || 'x' || lower(hex({r[1]})) END"
        if "BLOB" in r[2].upper()
        else r[1]
        for r in info
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="skylift-bench-"))
    db = tmp / "app.db"
    subprocess.run([sys.executable, str(MAKE), str(db), str(args.rows), "--portable"], check=True)
    server = embedded_pg.start(tmp / "pg")
    results: dict[str, list[tuple[float, int]]] = {"skylift": [], "pgloader": [], "pipe": []}
    report: dict = {}
    try:
        ddl = _ddl(db)
        for run in range(args.runs):
            wall, rss, report = run_skylift(
                db, fresh_db(server, "sky"), tmp / f"wd{run}", args.jobs
            )
            results["skylift"].append((wall, rss))
            results["pgloader"].append(run_pgloader(db, fresh_db(server, "pgl")))
            results["pipe"].append(run_pipe(db, fresh_db(server, "pipe"), ddl))
            print(
                f"run {run + 1}: " + ", ".join(f"{k} {v[-1][0]:.1f}s" for k, v in results.items()),
                file=sys.stderr,
            )
    finally:
        embedded_pg.stop(tmp / "pg")
    _print(args, db, results, report)


def _ddl(db: Path) -> list[str]:
    out = subprocess.run([sys.executable, "-m", "skylift", "db", "migrate", str(db), "--dry-run", "--json"],
                         capture_output=True, text=True, check=True, cwd=ROOT)  # fmt: skip
    return json.loads(out.stdout)["ddl"]


def _print(args: argparse.Namespace, db: Path, results: dict, report: dict) -> None:
    med = {k: statistics.median(w for w, _ in v) for k, v in results.items()}
    rss = {k: max(r for _, r in v) for k, v in results.items()}
    size = db.stat().st_size / 2**20
    rows = report.get("rows", 0)
    print(
        f"\n{rows:,} rows, {size:.0f} MiB SQLite file, {os.cpu_count()} cores, median of {args.runs} runs\n"
    )
    print("| tool | wall time | vs pgloader | vs raw pipe | peak memory | verified |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, verified in (
        ("skylift", "every table, checksums"),
        ("pgloader", "no"),
        ("pipe", "no"),
    ):
        mem = f"{rss[name]} MiB" if rss[name] else "-"
        print(f"| {name} | {med[name]:.1f} s | {med[name] / med['pgloader']:.2f}x | "
              f"{med[name] / med['pipe']:.2f}x | {mem} | {verified} |")  # fmt: skip
    timings = report.get("timings_seconds", {})
    print("\nskylift phases (last run): " + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()))


if __name__ == "__main__":
    main()
