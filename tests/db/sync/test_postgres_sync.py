"""`db sync`, `db cutover`, `db rollback` from PostgreSQL (Heroku-like: capture by triggers)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from skylift.db.sync import cutover, run

from ._check import assert_pg_same
from ._load import Load, pg_database
from .test_sqlite_cutover import CUTOVER_POINTS, ROLLBACK_POINTS, pg_writer
from .test_sqlite_sync import skylift

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_source(pg_admin_url: str) -> Iterator[str]:
    yield from pg_database(pg_admin_url)


def execute(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def test_sync_cutover_rollback_under_load(pg_source: str, pg_url: str, tmp_path: Path) -> None:
    options = run.Options(workdir=tmp_path)
    load = Load(pg_writer(pg_source), rate=60, dialect="postgresql").start()  # type: ignore[arg-type]
    first = run.sync(pg_source, pg_url, options=options, once=True)
    assert first.capture == "postgresql-triggers"
    time.sleep(1.5)
    moved = cutover.cutover(pg_source, pg_url, options=options)
    time.sleep(0.5)
    load.finish()
    assert moved.ok and moved.frozen_seconds is not None and moved.frozen_seconds < 5
    assert load.acknowledged > 50 and load.refused > 0, load.refusals
    assert_pg_same(pg_source, pg_url)  # every acknowledged write is on the target
    on_aws = Load(pg_writer(pg_url), rate=60, seed=4, next_account=400_000)  # type: ignore[arg-type]
    on_aws.start()
    time.sleep(1.5)
    on_aws.finish()
    assert on_aws.refused == 0, on_aws.refusals
    back = cutover.rollback(pg_source, pg_url, options=options)
    assert back.ok
    assert_pg_same(pg_source, pg_url)  # every write made on the target is in the source
    execute(pg_source, "INSERT INTO audit VALUES ('later', 'writable again')")
    with psycopg.connect(pg_source, autocommit=True) as conn:  # the sequence moved past the ids
        conn.execute("INSERT INTO orders (account_id, status) VALUES (1, 'after the rollback')")


@pytest.mark.parametrize("point", ["batch-written", "applied", "pruned"])
def test_sync_killed_then_rerun(pg_source: str, pg_url: str, tmp_path: Path, point: str) -> None:
    args = ("db", "sync", pg_source, pg_url, "--once", "--workdir", str(tmp_path))
    assert skylift(*args).returncode == 0
    execute(pg_source, "INSERT INTO orders (account_id, status) VALUES (3, 'k')",
            "DELETE FROM orders WHERE id = 5", "UPDATE accounts SET email = 'p@x.io' WHERE id = 6")  # fmt: skip
    assert skylift(*args, kill_at=point).returncode == -9
    execute(pg_source, "INSERT INTO orders (account_id, status) VALUES (3, 'after the kill')")
    again = skylift(*args)
    assert again.returncode == 0, again.stderr
    assert_pg_same(pg_source, pg_url)


@pytest.mark.parametrize("point", ["installed", "migrated"])
def test_first_run_killed_then_rerun(pg_source: str, pg_url: str, tmp_path: Path, point: str) -> None:  # fmt: skip
    """Killed once the triggers are in and their start recorded, or once the copy is done: the
    triggers hold what the app wrote meanwhile, the rerun applies it once."""
    args = ("db", "sync", pg_source, pg_url, "--once", "--workdir", str(tmp_path))
    assert skylift(*args, kill_at=point).returncode == -9
    execute(pg_source, "INSERT INTO orders (account_id, status) VALUES (3, 'meanwhile')",
            "UPDATE accounts SET balance = 0.01 WHERE id = 2", "DELETE FROM orders WHERE id = 4")  # fmt: skip
    again = skylift(*args)
    assert again.returncode == 0, again.stderr
    assert_pg_same(pg_source, pg_url)


@pytest.mark.parametrize("point", CUTOVER_POINTS)
def test_cutover_killed_at_every_step(pg_source: str, pg_url: str, tmp_path: Path, point: str) -> None:  # fmt: skip
    common = (pg_source, pg_url, "--workdir", str(tmp_path))
    assert skylift("db", "sync", *common, "--once").returncode == 0
    execute(pg_source, "UPDATE orders SET status = 'late' WHERE id = 2")
    assert skylift("db", "cutover", *common, kill_at=f"cutover:{point}").returncode == -9
    again = skylift("db", "cutover", *common, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["ok"]
    assert_pg_same(pg_source, pg_url)
    with pytest.raises(psycopg.Error, match=r"read-only|frozen"):
        execute(pg_source, "INSERT INTO audit VALUES ('x', 'frozen')")
    with pytest.raises(psycopg.Error, match="frozen"):  # a session overriding the default too
        execute(
            pg_source,
            "SET default_transaction_read_only = off",
            "INSERT INTO audit VALUES ('x', 'y')",
        )


@pytest.mark.parametrize("point", ROLLBACK_POINTS)
def test_rollback_killed_at_every_step(pg_source: str, pg_url: str, tmp_path: Path, point: str) -> None:  # fmt: skip
    common = (pg_source, pg_url, "--workdir", str(tmp_path))
    assert skylift("db", "cutover", *common).returncode == 0
    execute(pg_url, "INSERT INTO orders (account_id, status, total) VALUES (8, 'aws', 1.5)",
            "UPDATE accounts SET balance = 12.34, active = false WHERE id = 8",
            "DELETE FROM orders WHERE id = 9")  # fmt: skip
    assert skylift("db", "rollback", *common, kill_at=f"rollback:{point}").returncode == -9
    again = skylift("db", "rollback", *common)
    assert again.returncode == 0, again.stderr
    assert_pg_same(pg_source, pg_url)
    execute(pg_source, "INSERT INTO audit VALUES ('x', 'writable again')")


def test_a_schema_change_stops_the_sync(pg_source: str, pg_url: str, tmp_path: Path) -> None:
    assert (
        skylift("db", "sync", pg_source, pg_url, "--once", "--workdir", str(tmp_path)).returncode
        == 0
    )
    execute(pg_source, "ALTER TABLE orders ADD COLUMN note text")
    result = skylift("db", "sync", pg_source, pg_url, "--once", "--workdir", str(tmp_path))
    assert result.returncode == 14, result.stderr
