"""A rerun of a finished `db migrate` after the source changed is never reported verified."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .test_sqlite_sync import skylift, write

pytestmark = pytest.mark.slow


def test_rerun_after_the_source_changed_exits_13_with_what_to_run(app_db: Path, pg_url: str, workdir: Path) -> None:  # fmt: skip
    args = ("db", "migrate", str(app_db), pg_url, "--workdir", str(workdir))
    assert skylift(*args).returncode == 0
    unchanged = skylift(*args)
    assert unchanged.returncode == 0, unchanged.stderr  # nothing moved: verified again
    write(app_db, "INSERT INTO orders (account_id, status) VALUES (1, 'after the copy')")
    stale = skylift(*args)
    assert stale.returncode == 14, stale.stderr
    assert "the source changed since it was copied" in stale.stderr
    assert "orders" in stale.stderr and "skylift db sync" in stale.stderr
    # what it says to run brings the target up to date; then a rerun verifies again
    assert (
        skylift("db", "sync", str(app_db), pg_url, "--once", "--workdir", str(workdir)).returncode
        == 0
    )
    assert skylift(*args).returncode == 0


def test_a_checkpoint_alone_is_not_a_change(app_db: Path, pg_url: str, workdir: Path) -> None:
    args = ("db", "migrate", str(app_db), pg_url, "--workdir", str(workdir))
    assert skylift(*args).returncode == 0
    conn = sqlite3.connect(app_db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file changes, its content does not
    conn.close()
    again = skylift(*args)
    assert again.returncode == 0, again.stderr
