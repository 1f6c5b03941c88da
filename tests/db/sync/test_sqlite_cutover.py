"""`skylift db cutover` and `db rollback` from SQLite, with an app writing the whole time."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import psycopg
import pytest

from skylift.db.sync import cutover, run

from ._check import assert_same
from ._load import Load, sqlite_writer
from .test_sqlite_sync import skylift, write

pytestmark = pytest.mark.slow


def pg_writer(url: str) -> object:
    conn = psycopg.connect(url, autocommit=True)

    def write_pg(sql: str, args: tuple[object, ...]) -> None:
        conn.execute(sql.replace("?", "%s"), args)

    return write_pg


def test_cutover_under_load_then_rollback_keeps_every_write(app_db: Path, pg_url: str, workdir: Path) -> None:  # fmt: skip
    options = run.Options(workdir=workdir)
    load = Load(sqlite_writer(app_db), rate=60).start()
    run.sync(str(app_db), pg_url, options=options, once=True)
    time.sleep(1.0)
    moved = cutover.cutover(str(app_db), pg_url, options=options)
    time.sleep(0.5)  # the app keeps trying: every write now is refused by the freeze
    load.finish()
    assert moved.ok and moved.frozen_seconds is not None and moved.frozen_seconds < 5
    assert load.refused > 0 and "writes are frozen" in load.refusals[0]
    assert_same(app_db, pg_url)  # every acknowledged write is on the target
    # the app now writes on the target (FK chains, a keyless table, deletes)
    on_aws = Load(pg_writer(pg_url), rate=60, seed=7, next_account=200_000)  # type: ignore[arg-type]
    on_aws.start()
    time.sleep(1.5)
    on_aws.finish()
    assert on_aws.acknowledged > 50 and on_aws.refused == 0, on_aws.refusals
    back = cutover.rollback(str(app_db), pg_url, options=options)
    assert back.ok and back.changes >= on_aws.acknowledged // 2
    assert_same(app_db, pg_url)  # every write made on the target is in the source
    write(app_db, "INSERT INTO audit VALUES ('later', 'the source takes writes again')")
    with psycopg.connect(pg_url, autocommit=True) as conn, pytest.raises(psycopg.Error):
        conn.execute("INSERT INTO audit VALUES ('later', 'the target is frozen')")


CUTOVER_POINTS = ["caught-up", "verified-before", "caught-up-again", "frozen", "applied",
                  "verified", "sequences", "target-capture"]  # fmt: skip
ROLLBACK_POINTS = ["target-frozen", "copied-back", "verified", "source-unfrozen"]


@pytest.mark.parametrize("point", CUTOVER_POINTS)
def test_cutover_killed_at_every_step_resumes(app_db: Path, pg_url: str, workdir: Path, point: str) -> None:  # fmt: skip
    args = ("db", "cutover", str(app_db), pg_url, "--workdir", str(workdir), "--json")
    assert (
        skylift("db", "sync", str(app_db), pg_url, "--once", "--workdir", str(workdir)).returncode
        == 0
    )
    write(app_db, "INSERT INTO orders (account_id, status) VALUES (5, 'late')",
          "UPDATE items SET qty = 99 WHERE order_id = 3")  # fmt: skip
    killed = skylift(*args, kill_at=f"cutover:{point}")
    assert killed.returncode == -9, killed.stderr
    again = skylift(*args)
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["ok"] and [s["step"] for s in result["steps"]] == CUTOVER_POINTS
    assert_same(app_db, pg_url)
    with pytest.raises(sqlite3.IntegrityError, match="writes are frozen"):
        write(app_db, "INSERT INTO audit VALUES ('x', 'frozen')")


@pytest.mark.parametrize("point", ROLLBACK_POINTS)
def test_rollback_killed_at_every_step_resumes(app_db: Path, pg_url: str, workdir: Path, point: str) -> None:  # fmt: skip
    common = (str(app_db), pg_url, "--workdir", str(workdir))
    assert skylift("db", "cutover", *common).returncode == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO orders (account_id, status, total) VALUES (8, 'aws', 1.5)")
        conn.execute("UPDATE accounts SET email = 'moved@x.io' WHERE id = 8")
        conn.execute("DELETE FROM orders WHERE id = 9")  # cascades to its items on the target
        conn.execute("INSERT INTO audit VALUES ('t', 'aws')")
    killed = skylift("db", "rollback", *common, kill_at=f"rollback:{point}")
    assert killed.returncode == -9, killed.stderr
    again = skylift("db", "rollback", *common, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["ok"]
    assert_same(app_db, pg_url)
    write(app_db, "INSERT INTO audit VALUES ('x', 'writable again')")


def test_sync_refuses_to_run_after_a_cutover(app_db: Path, pg_url: str, workdir: Path) -> None:
    assert skylift("db", "cutover", str(app_db), pg_url, "--workdir", str(workdir)).returncode == 0
    result = skylift("db", "sync", str(app_db), pg_url, "--once", "--workdir", str(workdir))
    assert result.returncode == 2 and "was cut over" in result.stderr
    lifted = skylift("db", "cutover", "--unfreeze", str(app_db), pg_url, "--workdir", str(workdir))
    assert lifted.returncode == 0 and "takes writes again" in lifted.stdout
    write(app_db, "INSERT INTO audit VALUES ('x', 'unfrozen by hand')")
