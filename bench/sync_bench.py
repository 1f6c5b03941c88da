#!/usr/bin/env python3
"""db sync / db cutover / db rollback under an app's writes: lag, freeze window, nothing lost.

    python bench/sync_bench.py [--engines sqlite,mysql,postgresql,postgresql-logical] [--rates 50,200]
                               [--sizes 0,200000]
                               [--seconds 20]

For each engine, database size (extra orders, two items each, on top of the load generator's
tables: tests/db/sync/_load.py) and write rate: fills a fresh source (SQLite file, a
throwaway MariaDB with its row-based binary log, or a PostgreSQL database: on a server with
wal_level=replica, captured by triggers, or with wal_level=logical, by a slot), starts the load generator (inserts, updates,
deletes on four tables chained by foreign keys, one without a key), runs `skylift db sync` in its
own process as a user would, samples the lag it reports every 0.25 s for `--seconds`, runs
`skylift db cutover` (which takes over from the running sync), lets the app keep writing into
the freeze, then writes on the target for a while and runs `skylift db rollback`. It checks
that every acknowledged write is on the target after the cutover and every write made on the
target is in the source after the rollback (exact row sets), and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
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
sys.path.insert(0, str(ROOT))

from tests.db.sync._check import assert_pg_same, assert_same  # noqa: E402
from tests.db.sync._load import (  # noqa: E402
    MYSQL_SCHEMA,
    PG_SCHEMA,
    Load,
    bulk_rows,
    fill,
    make_sqlite,
    mysql_writer,
    sqlite_writer,
)


def _pg(logical: bool = False) -> tuple[Any, Path]:
    from skylift.cloud import embedded_pg

    folder = Path(tempfile.mkdtemp(prefix="skylift-syncbench-pg-"))
    server = embedded_pg.start(folder / "data")
    if logical:  # a source db sync captures with a pgoutput slot
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET wal_level = logical")
        embedded_pg.stop(folder / "data")
        server = embedded_pg.start(folder / "data")
    return server, folder


def _target(server: Any, name: str) -> str:
    from skylift.cloud import embedded_pg

    return embedded_pg.ensure_database(server, name)


class Sqlite:
    name = "SQLite"

    def __init__(self, folder: Path, size: int) -> None:
        self.path = folder / "app.db"
        make_sqlite(self.path, orders=size)
        self.url = str(self.path)

    def load(self, rate: float) -> Load:
        return Load(sqlite_writer(self.path), rate=rate)

    def rows(self) -> Any:
        return self.path

    def close(self) -> None:
        pass


class Postgres:
    name = "PostgreSQL (triggers)"
    server = 0  # SERVER[0]: wal_level = replica

    def __init__(self, folder: Path, size: int) -> None:
        self.url = _target(SERVER[self.server], f"src_{folder.name.replace('-', '_')[-12:]}")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(PG_SCHEMA)
            bulk, items = bulk_rows(size)
            with conn.cursor() as cur:
                cur.execute("SET session_replication_role = replica")  # no FK checks for the fill
                with cur.copy("COPY orders FROM STDIN") as copy:
                    for row in bulk:
                        copy.write_row(row)
                with cur.copy("COPY items FROM STDIN") as copy:
                    for row in items:
                        copy.write_row(row)
                cur.execute("SET session_replication_role = origin")
            fill(lambda sql, args: conn.execute(sql, args), mark="%s")
            conn.execute(
                "SELECT setval(pg_get_serial_sequence('orders', 'id'), max(id)) FROM orders"
            )

    def load(self, rate: float) -> Load:
        return Load(_pg_writer(self.url), rate=rate, dialect="postgresql")

    def rows(self) -> Any:
        return self.url

    def close(self) -> None:
        pass


class PostgresLogical(Postgres):
    name = "PostgreSQL (logical)"
    server = 1  # SERVER[1]: wal_level = logical

    def close(self) -> None:
        from skylift.db.sync.pg_slot import drop

        with psycopg.connect(self.url, autocommit=True) as conn:
            slots = conn.execute("SELECT slot_name FROM pg_replication_slots").fetchall()
        for (slot,) in slots:
            drop(self.url, slot)


SERVER: list[Any] = []


class MariaDB:
    name = "MariaDB"

    def __init__(self, folder: Path, size: int) -> None:
        from tests.db.sources import _mariadb
        from tests.db.sources.conftest import mysql_connect, run_mysql

        self.server = _mariadb.start(folder / "mariadb", binlog=True)
        self._connect = lambda: mysql_connect(self.server.url(), "app")
        with mysql_connect(self.server.url()) as conn, conn.cursor() as cur:
            cur.execute("SET GLOBAL binlog_format = 'ROW'")
            cur.execute("CREATE DATABASE app")
        self.url = self.server.url("app")
        run_mysql(self.url, MYSQL_SCHEMA)
        with self._connect() as conn, conn.cursor() as cur:
            cur.execute("SET foreign_key_checks = 0")
            bulk, items = bulk_rows(size)
            for start in range(0, len(bulk), 5000):
                cur.executemany(
                    "INSERT INTO orders VALUES (%s, %s, %s, %s, %s)", bulk[start : start + 5000]
                )
            for start in range(0, len(items), 5000):
                cur.executemany(
                    "INSERT INTO items VALUES (%s, %s, %s, %s)", items[start : start + 5000]
                )
            fill(cur.execute, mark="%s")

    def load(self, rate: float) -> Load:
        return Load(mysql_writer(self._connect), rate=rate, dialect="mysql")

    def rows(self) -> Any:
        return self._connect()

    def close(self) -> None:
        from tests.db.sources import _mariadb

        _mariadb.stop(self.server)


def _skylift(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "skylift", *args], capture_output=True, text=True)


def _pg_writer(url: str) -> Any:
    conn = psycopg.connect(url, autocommit=True)
    return lambda sql, args: conn.execute(sql.replace("?", "%s"), args)


def run_one(engine: type, size: int, rate: float, seconds: float, server: Any) -> dict[str, Any]:
    from skylift.db.sync import status

    folder = Path(tempfile.mkdtemp(prefix="skylift-syncbench-"))
    source = engine(folder, size)
    target = _target(
        server, f"bench_{engine.__name__.lower()}_{size}_{int(rate)}_{int(time.time())}"
    )
    work = folder / "work"
    try:
        load = source.load(rate).start()
        sync = subprocess.Popen(
            [sys.executable, "-m", "skylift", "db", "sync", source.url, target, "--workdir", str(work)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        while (status.read(work, target) or {}).get("state") not in ("syncing", "caught-up"):
            time.sleep(0.1)
        time.sleep(2)  # past the first catch-up
        lags = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            seen = status.read(work, target) or {}
            lags.append(float(seen.get("lag_seconds", 0)))
            time.sleep(0.25)
        moved = _skylift("db", "cutover", source.url, target, "--workdir", str(work), "--json")
        sync.wait(60)
        time.sleep(1.0)  # the app keeps writing into the freeze: refused
        load.finish()
        assert moved.returncode == 0, moved.stderr
        cut = json.loads(moved.stdout)
        same = assert_pg_same if isinstance(source, Postgres) else assert_same
        same(source.rows(), target)  # every acknowledged write is on the target
        on_target = Load(_pg_writer(target), rate=rate, seed=3, next_account=500_000)
        on_target.start()
        time.sleep(min(seconds, 10))
        on_target.finish()
        back = _skylift("db", "rollback", source.url, target, "--workdir", str(work), "--json")
        assert back.returncode == 0, back.stderr
        same(source.rows(), target)  # every write made on the target is in the source
        returned = json.loads(back.stdout)
        return {
            "engine": source.name, "rows": 150 + 3 * size, "rate": rate,
            "acknowledged": load.acknowledged, "refused": load.refused,
            "lag_median": statistics.median(lags), "lag_p95": sorted(lags)[int(len(lags) * 0.95) - 1],
            "window": cut["frozen_seconds"], "target_writes": on_target.acknowledged,
            "target_refused": on_target.refused, "rollback_window": returned["frozen_seconds"],
            "cutover_steps": _durations(cut.get("steps", [])),
            "in_freeze": _compared(cut),
        }  # fmt: skip
    finally:
        source.close()
        shutil.rmtree(folder, ignore_errors=True)


def _durations(steps: list[dict[str, Any]]) -> dict[str, float]:
    """Seconds each step of the cutover took (its journal's start and end)."""
    from datetime import datetime

    def at(value: Any) -> float:
        return datetime.fromisoformat(str(value)).timestamp()

    return {
        s["step"]: round(at(s["done_at"]) - at(s["started_at"]), 2) for s in steps if s["done_at"]
    }


def _detail(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def _compared(cut: dict[str, Any]) -> dict[str, Any]:
    """What the verification inside the freeze read: the tables still differing before the
    freeze (compared whole) and, per table, the keys compared ("all": whole)."""
    details = {s["step"]: s.get("detail") or {} for s in cut.get("steps", [])}
    before = _detail(details.get("verified-before", {}))
    return {
        "differed_before": before.get("differed", []),
        "rounds_before": before.get("rounds", []),
        "settle_rounds": _detail(details.get("caught-up-again", {})).get("rounds", []),
        "keys": {c["table"]: c["keys_compared"] for c in cut.get("verification", [])},
        "recopied": cut.get("recopied", []),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,mysql,postgresql")
    parser.add_argument("--rates", default="50,200")
    parser.add_argument("--sizes", default="0,200000")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    engines = {"sqlite": Sqlite, "mysql": MariaDB, "postgresql": Postgres,
               "postgresql-logical": PostgresLogical}  # fmt: skip
    server, folder = _pg()
    SERVER.append(server)
    folders = [folder]
    if "postgresql-logical" in args.engines:
        logical, second = _pg(logical=True)
        SERVER.append(logical)
        folders.append(second)
    rows = []
    try:
        for name in args.engines.split(","):
            for size in map(int, args.sizes.split(",")):
                for rate in map(float, args.rates.split(",")):
                    result = run_one(engines[name], size, rate, args.seconds, server)
                    print(json.dumps(result), file=sys.stderr, flush=True)
                    rows.append(result)
    finally:
        from skylift.cloud import embedded_pg

        for each in folders:
            embedded_pg.stop(each / "data")
            shutil.rmtree(each, ignore_errors=True)
    print(
        "| source | rows | writes/s | acknowledged | on the target after cutover | refused in the freeze"
        " | freeze window | sync lag median / p95 | target writes | in the source after rollback |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['engine']} | {r['rows']:,} | {r['rate']:.0f} | {r['acknowledged']:,} | all"
            f" {r['acknowledged']:,} | {r['refused']:,} | {r['window']:.2f} s |"
            f" {r['lag_median']:.2f} / {r['lag_p95']:.2f} s | {r['target_writes']:,} | all |"
        )


if __name__ == "__main__":
    main()
