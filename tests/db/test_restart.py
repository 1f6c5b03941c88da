"""--restart drops exactly what skylift created in the target, whichever source it came from;
the work folder keeps the snapshot a resume needs and loses the ones no run can use."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from tests.db.sqlite_fixtures import make_app_db, make_big_db


def skylift(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "skylift", *args], capture_output=True,
                          text=True, cwd=cwd, check=False)  # fmt: skip


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return {r[0] for r in rows}


def test_restart_onto_another_migration_drops_its_objects_only(tmp_path: Path,
                                                               pg_url: str) -> None:  # fmt: skip
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE mine (id int)")  # the user's own, before skylift came
    app = make_app_db(tmp_path / "app.db")
    assert skylift("db", "migrate", str(app), pg_url, cwd=tmp_path).returncode == 0
    assert {"orders", "user", "paid_orders"} <= _tables(pg_url)
    big = make_big_db(tmp_path / "big.db", 1000)
    refused = skylift("db", "migrate", str(big), pg_url, cwd=tmp_path)
    assert refused.returncode == 4 and "the migration of another database" in refused.stderr
    assert f"migration of sqlite:///{app}" in refused.stderr
    done = skylift("db", "migrate", str(big), pg_url, "--restart", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _tables(pg_url) == {"log", "mine"}  # app.db's tables and views are gone, not mine


def test_restart_never_drops_tables_skylift_did_not_create(tmp_path: Path, pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id int)")
        conn.execute("INSERT INTO orders VALUES (1)")
    result = skylift("db", "migrate", str(make_app_db(tmp_path / "app.db")), pg_url, "--restart",
                     cwd=tmp_path)  # fmt: skip
    assert result.returncode == 4 and "already has tables named orders" in result.stderr
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (1,)


def test_snapshots_no_run_can_use_are_removed(tmp_path: Path, pg_url: str) -> None:
    db = make_app_db(tmp_path / "app.db")
    folder = tmp_path / ".skylift" / "snapshots"
    folder.mkdir(parents=True)
    junk = [
        folder / "snapshot-0000000000000001.partial",
        folder / "snapshot-0000000000000002.db",  # never marked durable: never reused
        folder / "snapshot-0000000000000003.db.durable",
    ]  # a marker without its copy
    for path in junk:
        path.write_bytes(b"x")
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    assert skylift("db", "migrate", str(db), pg_url, cwd=tmp_path).returncode == 0
    first = sorted(folder.glob("snapshot-*.db"))
    assert not any(p.exists() for p in junk) and len(first) == 1
    assert skylift("db", "migrate", str(db), pg_url, cwd=tmp_path).returncode == 0
    assert sorted(folder.glob("snapshot-*.db")) == first  # a rerun reads the same one
    os.utime(first[0], (time.time() - 3600, time.time() - 3600))
    with sqlite3.connect(db) as conn:  # the app writes: a new state, a new snapshot
        conn.execute("INSERT INTO events (kind, at) VALUES ('x', 1)")
    again = skylift("db", "migrate", str(db), pg_url, "--restart", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    now = sorted(folder.glob("snapshot-*.db"))
    assert len(now) == 1 and now != first  # the older copy of this database is gone
