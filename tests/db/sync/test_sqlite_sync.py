"""`skylift db sync` from SQLite: triggers capture every change, the target follows exactly."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from skylift.db.sync import run, status
from skylift.db.sync.faults import VARIABLE

from ._check import assert_same
from ._load import Load, sqlite_writer

pytestmark = pytest.mark.slow


def skylift(*args: str, kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop(VARIABLE, None)
    if kill_at:
        env[VARIABLE] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "skylift", *args], capture_output=True, text=True, env=env,
        timeout=300,
    )  # fmt: skip


def once(app_db: Path, pg_url: str, workdir: Path) -> status.SyncStatus:
    return run.sync(str(app_db), pg_url, options=run.Options(workdir=workdir), once=True)


def write(app_db: Path, *statements: str) -> None:
    conn = sqlite3.connect(app_db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for sql in statements:
        conn.execute(sql)
    conn.close()


def test_every_kind_of_change_arrives_as_migrate_would_copy_it(app_db: Path, pg_url: str, workdir: Path) -> None:  # fmt: skip
    first = once(app_db, pg_url, workdir)  # migrates first, captures from before the snapshot
    assert first.state == "caught-up"
    write(
        app_db,
        "INSERT INTO accounts (id, email, balance) VALUES (900, 'new@x.io', 7.5)",
        "UPDATE orders SET status = 'paid', total = 9.25 WHERE id = 3",
        "DELETE FROM accounts WHERE id = 4",  # cascades to orders 4 and its items
        "UPDATE items SET line = 5 WHERE order_id = 2",  # a key that changes
        "INSERT INTO audit VALUES ('2025-01-01', 'keyless table')",
        "INSERT INTO orders (account_id, status, total, meta) VALUES (1, 'new', 1, '{bad json')",
    )
    second = once(app_db, pg_url, workdir)
    assert second.applied >= 7 and second.rejected == 1
    counts = assert_same_except_rejects(app_db, pg_url)
    assert counts["accounts"] == 50  # 50 - 1 + 1
    with psycopg.connect(pg_url) as conn:
        reason = conn.execute("SELECT reason FROM skylift.rejects WHERE chunk = 'sync'").fetchone()
        assert reason == ("invalid JSON",)
        assert conn.execute("SELECT line FROM items WHERE order_id = 2").fetchall() == [(5,)]
    # the rejected row fixed on the source: its reject goes, the row arrives
    write(app_db, "UPDATE orders SET meta = '{}' WHERE meta = '{bad json'")
    once(app_db, pg_url, workdir)
    assert_same(app_db, pg_url)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute(
            "SELECT count(*) FROM skylift.rejects WHERE chunk = 'sync'"
        ).fetchone() == (0,)


def assert_same_except_rejects(app_db: Path, pg_url: str) -> dict[str, int]:
    conn = sqlite3.connect(app_db)
    bad = conn.execute("SELECT id FROM orders WHERE meta = '{bad json'").fetchall()
    conn.execute("PRAGMA foreign_keys = OFF")
    snapshot = app_db.with_name("without-rejects.db")
    conn.execute(f"VACUUM INTO '{snapshot}'")
    conn.close()
    other = sqlite3.connect(snapshot)
    other.executemany("DELETE FROM orders WHERE id = ?", bad)
    other.commit()
    other.close()
    return assert_same(snapshot, pg_url)


def test_under_load_nothing_acknowledged_is_missing(app_db: Path, pg_url: str, workdir: Path) -> None:  # fmt: skip
    load = Load(sqlite_writer(app_db), rate=80).start()  # writes during migrate and sync
    proc = subprocess.Popen(
        [sys.executable, "-m", "skylift", "db", "sync", str(app_db), pg_url, "--json",
         "--workdir", str(workdir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        seen = None
        while time.monotonic() < deadline:
            seen = status.read(workdir, pg_url)
            if seen and seen["state"] in ("syncing", "caught-up") and seen["applied"] > 200:
                break
            time.sleep(0.2)
        assert seen and seen["alive"], seen
        assert seen["lag_seconds"] < 5
    finally:
        load.finish()
        proc.terminate()
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 12, err  # stopped by a signal: rerun to continue
    assert load.refused == 0 and load.acknowledged > 200
    once(app_db, pg_url, workdir)  # the changes since the stop
    assert_same(app_db, pg_url)


@pytest.mark.parametrize("point", ["installed", "migrated", "batch-written", "applied", "pruned"])
def test_kill9_at_every_step_then_rerun_finishes(app_db: Path, pg_url: str, workdir: Path, point: str) -> None:  # fmt: skip
    args = ("db", "sync", str(app_db), pg_url, "--once", "--workdir", str(workdir))
    if point not in ("installed", "migrated"):
        assert skylift(*args).returncode == 0  # migrated and synced once
    write(app_db, "INSERT INTO orders (account_id, status) VALUES (2, 'k')",
          "DELETE FROM items WHERE order_id = 7", "UPDATE accounts SET email = 'z@x.io' WHERE id = 9")  # fmt: skip
    killed = skylift(*args, kill_at=point)
    assert killed.returncode == -9, killed.stderr
    write(app_db, "INSERT INTO orders (account_id, status) VALUES (3, 'after the kill')")
    again = skylift(*args)
    assert again.returncode == 0, again.stderr
    assert_same(app_db, pg_url)


def test_a_schema_change_stops_the_sync_with_a_clear_message(app_db: Path, pg_url: str, workdir: Path) -> None:  # fmt: skip
    once(app_db, pg_url, workdir)
    proc = subprocess.Popen(
        [sys.executable, "-m", "skylift", "db", "sync", str(app_db), pg_url, "--workdir", str(workdir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    _wait_for(lambda: (status.read(workdir, pg_url) or {}).get("pid") == proc.pid)
    write(
        app_db,
        "ALTER TABLE orders ADD COLUMN note TEXT",
        "UPDATE orders SET note = 'x' WHERE id = 1",
    )
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 14, err
    assert "the schema of" in err and "changed while skylift was syncing" in err
    assert "Traceback" not in err
    # started again, it refuses too: the target lacks the new column
    again = skylift("db", "sync", str(app_db), pg_url, "--once", "--workdir", str(workdir))
    assert again.returncode == 14 and "has no column note" in again.stderr


def _wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_remove_takes_skylift_out_of_the_file(app_db: Path, pg_url: str, workdir: Path) -> None:
    once(app_db, pg_url, workdir)
    result = skylift("db", "sync", "--remove", str(app_db), pg_url, "--workdir", str(workdir))
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(app_db)
    left = conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '%skylift%'").fetchall()
    conn.close()
    assert left == []
    shown = json.loads(
        skylift("db", "sync", "--status", str(app_db), pg_url, "--workdir", str(workdir)).stdout
    )
    assert shown["capture"] == "sqlite-triggers" and shown["alive"] is False
