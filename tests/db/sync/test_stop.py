"""`db sync` stopped (SIGTERM, Ctrl-C) in the middle of a long batch, from a real MariaDB: it
stops at the batch's next chunk instead of finishing it, and the rerun loses and doubles nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from ._check import assert_same
from ._load import bulk_rows
from .test_mysql_sync import connected
from .test_sqlite_sync import _wait_for, skylift

pytestmark = [pytest.mark.slow, pytest.mark.mysql]


def _applying(pg_url: str) -> bool:
    """The sync's batch transaction is writing into the target (its COPYs under way)."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            " AND query ~* '^(COPY|DELETE FROM) \"?(orders|items)'"
        ).fetchone()
    return bool(row and row[0])


def _orders(pg_url: str) -> int:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT count(*) FROM orders").fetchone()
    return int(row[0]) if row else 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_sync_asked_to_stop_mid_batch_stops_within_seconds_and_the_rerun_loses_nothing(
    mysql_app: str, pg_url: str, tmp_path: Path, signum: int
) -> None:
    common = (mysql_app, pg_url, "--workdir", str(tmp_path))
    assert skylift("db", "sync", *common, "--once").returncode == 0
    before = _orders(pg_url)
    orders, items = bulk_rows(40_000)  # one batch of 120,000 changed keys: 240 chunks
    with connected(mysql_app) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO orders VALUES (%s, %s, %s, %s, %s)", orders)
        cur.executemany("INSERT INTO items VALUES (%s, %s, %s, %s)", items)
        conn.commit()
    proc = subprocess.Popen(
        [sys.executable, "-m", "skylift", "db", "sync", *common],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for(lambda: _applying(pg_url) or proc.poll() is not None, 120)
        assert proc.poll() is None, proc.communicate()[1]
        asked = time.monotonic()
        proc.send_signal(signum)
        _err = proc.communicate(timeout=120)[1]
        took = time.monotonic() - asked
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 12, _err  # "the sync stopped: rerun to continue"
    assert took < 5, f"the sync took {took:.1f} s to stop"
    assert _orders(pg_url) == before  # the batch rolled back whole: nothing half-applied
    again = skylift("db", "sync", *common, "--once")
    assert again.returncode == 0, again.stderr
    with connected(mysql_app) as conn:
        assert_same(conn, pg_url)  # every change once: none lost, none doubled
