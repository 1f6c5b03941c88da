"""`db sync`, `db cutover`, `db rollback` from a real MariaDB with its binary log on."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from skylift.db.sync import cutover, run, status
from tests.db.sources.conftest import mysql_connect

from ._check import assert_same
from ._load import Load, mysql_writer
from .test_sqlite_cutover import CUTOVER_POINTS, ROLLBACK_POINTS, pg_writer
from .test_sqlite_sync import _wait_for, skylift

pytestmark = [pytest.mark.slow, pytest.mark.mysql]


def connect(url: str) -> Any:
    return mysql_connect(url.rsplit("/", 1)[0] + "/", urlsplit(url).path.lstrip("/"))


@contextmanager
def connected(url: str) -> Iterator[Any]:
    with connect(url) as conn:
        yield conn


def execute(url: str, *statements: str) -> None:
    with connected(url) as conn, conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def app_load(url: str, rate: float = 200, seed: int = 1) -> Load:
    return Load(mysql_writer(lambda: connect(url)), rate=rate, seed=seed,
                dialect="mysql").start()  # fmt: skip


def test_sync_under_load_then_cutover_then_rollback(mysql_app: str, pg_url: str, tmp_path: Path) -> None:  # fmt: skip
    options = run.Options(workdir=tmp_path)
    load = app_load(mysql_app)
    proc = subprocess.Popen(
        [sys.executable, "-m", "skylift", "db", "sync", mysql_app, pg_url, "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=(tmp_path / "sync.log").open("w"), text=True,
    )  # fmt: skip
    try:
        _wait_for(
            lambda: (
                (status.read(tmp_path, pg_url) or {}).get("applied", 0) > 100
                or proc.poll() is not None
            ),
            120,
        )
        assert proc.poll() is None, proc.communicate()[1]
        seen = status.read(tmp_path, pg_url)
        assert seen and seen["capture"] == "mysql-binlog" and seen["lag_seconds"] < 5
        # the cutover takes over from the running sync (it stops it) and freezes the source
        moved = cutover.cutover(mysql_app, pg_url, options=options)
    finally:
        if proc.poll() is None:
            proc.terminate()
        _out, err = proc.communicate(timeout=60)
    time.sleep(0.3)
    load.finish()
    assert proc.returncode == 12, err
    assert moved.ok and moved.frozen_seconds is not None and moved.frozen_seconds < 5
    assert load.acknowledged > 100 and load.refused > 0
    assert "writes are frozen" in load.refusals[0]
    with connected(mysql_app) as conn:
        assert_same(conn, pg_url)  # every acknowledged write is on the target
    on_aws = Load(pg_writer(pg_url), rate=60, seed=5, next_account=300_000)  # type: ignore[arg-type]
    on_aws.dialect = "postgresql"
    on_aws.start()
    time.sleep(1.5)
    on_aws.finish()
    assert on_aws.acknowledged > 50 and on_aws.refused == 0, on_aws.refusals
    back = cutover.rollback(mysql_app, pg_url, options=options)
    assert back.ok
    with connected(mysql_app) as conn:
        assert_same(conn, pg_url)  # every write made on the target is in the source
    execute(mysql_app, "INSERT INTO audit VALUES ('later', 'writable again')")


@pytest.mark.parametrize("point", ["batch-written", "applied", "pruned"])
def test_sync_killed_then_rerun(mysql_app: str, pg_url: str, tmp_path: Path, point: str) -> None:
    args = ("db", "sync", mysql_app, pg_url, "--once", "--workdir", str(tmp_path))
    assert skylift(*args).returncode == 0
    execute(mysql_app, "INSERT INTO orders (account_id, status) VALUES (4, 'k')",
            "DELETE FROM items WHERE order_id = 6", "UPDATE accounts SET email = 'q@x.io' WHERE id = 7")  # fmt: skip
    assert skylift(*args, kill_at=point).returncode == -9
    execute(mysql_app, "INSERT INTO orders (account_id, status) VALUES (4, 'after the kill')")
    again = skylift(*args)
    assert again.returncode == 0, again.stderr
    with connected(mysql_app) as conn:
        assert_same(conn, pg_url)


@pytest.mark.parametrize("point", ["installed", "migrated"])
def test_first_run_killed_then_rerun(mysql_app: str, pg_url: str, tmp_path: Path, point: str) -> None:  # fmt: skip
    """Killed once the capture's start is recorded, or once the copy is done: what the app
    wrote meanwhile is in the binary log after that start, the rerun applies it once."""
    args = ("db", "sync", mysql_app, pg_url, "--once", "--workdir", str(tmp_path))
    assert skylift(*args, kill_at=point).returncode == -9
    execute(mysql_app, "INSERT INTO orders (account_id, status) VALUES (4, 'meanwhile')",
            "UPDATE accounts SET balance = 0.01 WHERE id = 2", "DELETE FROM orders WHERE id = 3",
            "INSERT INTO audit VALUES ('x', 'meanwhile')")  # fmt: skip
    again = skylift(*args)
    assert again.returncode == 0, again.stderr
    with connected(mysql_app) as conn:
        assert_same(conn, pg_url)


@pytest.mark.parametrize("point", CUTOVER_POINTS)
def test_cutover_killed_at_every_step(mysql_app: str, pg_url: str, tmp_path: Path, point: str) -> None:  # fmt: skip
    common = (mysql_app, pg_url, "--workdir", str(tmp_path))
    assert skylift("db", "sync", *common, "--once").returncode == 0
    execute(mysql_app, "UPDATE orders SET status = 'late' WHERE id = 2")
    assert skylift("db", "cutover", *common, kill_at=f"cutover:{point}").returncode == -9
    again = skylift("db", "cutover", *common, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["ok"]
    with connected(mysql_app) as conn:
        assert_same(conn, pg_url)
    with pytest.raises(Exception, match="writes are frozen"):
        execute(mysql_app, "INSERT INTO audit VALUES ('x', 'frozen')")


@pytest.mark.parametrize("point", ROLLBACK_POINTS)
def test_rollback_killed_at_every_step(mysql_app: str, pg_url: str, tmp_path: Path, point: str) -> None:  # fmt: skip
    common = (mysql_app, pg_url, "--workdir", str(tmp_path))
    assert skylift("db", "cutover", *common).returncode == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO orders (account_id, status, total) VALUES (8, 'aws', 1.5)")
        conn.execute("UPDATE accounts SET balance = 12.34, active = false WHERE id = 8")
        conn.execute("DELETE FROM orders WHERE id = 9")
    assert skylift("db", "rollback", *common, kill_at=f"rollback:{point}").returncode == -9
    again = skylift("db", "rollback", *common)
    assert again.returncode == 0, again.stderr
    with connected(mysql_app) as conn:
        assert_same(conn, pg_url)
    execute(mysql_app, "INSERT INTO audit VALUES ('x', 'writable again')")


def test_ddl_in_the_binlog_stops_the_sync(mysql_app: str, pg_url: str, tmp_path: Path) -> None:
    assert (
        skylift("db", "sync", mysql_app, pg_url, "--once", "--workdir", str(tmp_path)).returncode
        == 0
    )
    execute(mysql_app, "ALTER TABLE orders ADD COLUMN note VARCHAR(10)")
    result = skylift("db", "sync", mysql_app, pg_url, "--once", "--workdir", str(tmp_path))
    assert result.returncode == 14, result.stderr
    assert (
        "changed while skylift was syncing" in result.stderr
        or "has no column note" in result.stderr
    )


def test_a_statement_based_log_is_refused_with_what_to_set(mysql_app: str, pg_url: str, tmp_path: Path) -> None:  # fmt: skip
    execute(mysql_app, "SET GLOBAL binlog_format = 'MIXED'")
    try:
        result = skylift("db", "sync", mysql_app, pg_url, "--once", "--workdir", str(tmp_path))
    finally:
        execute(mysql_app, "SET GLOBAL binlog_format = 'ROW'")
    assert result.returncode == 3
    assert (
        "binlog_format=MIXED" in result.stderr
        and "SET GLOBAL binlog_format = 'ROW'" in result.stderr
    )


def test_a_row_named_by_two_key_forms_is_read_once(mysql_app: str) -> None:
    """The binary log names a key as [64], the target's rows as ["64"]: one row. Read twice
    (in two chunks of keys), the batch wrote it twice and PostgreSQL refused the second as a
    duplicate key, a false reject (seen under CPU load, when the touched keys mixed both)."""
    from skylift.db.schema import Column, Table
    from skylift.db.sync.changes import TableChanges
    from skylift.db.sync.mysql import KeyedReader, MySQLSnapshot

    parts = urlsplit(mysql_app)
    params = {"host": parts.hostname, "port": parts.port, "user": parts.username,
              "password": parts.password, "database": parts.path.lstrip("/")}  # fmt: skip
    conn = connect(mysql_app)
    snap = MySQLSnapshot(KeyedReader(params, conn), ("mysql-bin.000001", 4))
    table = Table("orders", [Column("id", "int")], primary_key=["id"])
    forms = {*(f"[{i}]" for i in range(600)), *(f'["{i}"]' for i in range(600))}
    try:
        chunks = snap.chunks(table, TableChanges(keys=forms))
        selected = [c.lo.sql for c in chunks]  # type: ignore[union-attr]
    finally:
        conn.close()
    assert len(chunks) == 2  # 600 rows in chunks of 500, not 1,200 keys in three
    assert sum(s.count("(") - 2 for s in selected) == 600  # every row once


def test_a_plain_update_of_a_parent_rereads_no_child_and_a_delete_still_cascades(mysql_app: str, pg_url: str, tmp_path: Path) -> None:  # fmt: skip
    """InnoDB's ON DELETE CASCADE is not in the binary log, so the sync finds the children a
    deleted parent took with it. An insert or an update of a column no foreign key references
    reaches no child: re-reading every child of every updated account made the sync slower
    than the app's writes (2,000 orders per account: minutes behind at 50 writes/s)."""
    once = ("db", "sync", mysql_app, pg_url, "--once", "--json", "--workdir", str(tmp_path))
    assert skylift(*once).returncode == 0
    with connected(mysql_app) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO orders (account_id, status, total, meta) VALUES (1, 'bulk', %s, '{}')",
            [(i * 0.5,) for i in range(3000)],
        )
        cur.execute("INSERT INTO items SELECT id, 1, 'sku', 1 FROM orders WHERE status = 'bulk'")
    assert skylift(*once).returncode == 0

    execute(mysql_app, "UPDATE accounts SET balance = balance + 1 WHERE id = 1")
    synced = skylift(*once)
    assert synced.returncode == 0, synced.stderr
    report = _last_json(synced.stdout)
    assert report["applied"] == 1 and report["rows"] == 1, report  # the account alone

    execute(mysql_app, "DELETE FROM accounts WHERE id = 1")  # its orders and items cascade
    assert skylift(*once).returncode == 0
    with psycopg.connect(pg_url) as pg:
        left = pg.execute("SELECT count(*) FROM orders WHERE account_id = 1").fetchone()
    assert left == (0,)
    with connected(mysql_app) as conn:
        assert_same(conn, pg_url)


def _last_json(text: str) -> dict[str, Any]:
    """The last of the JSON documents `--json` prints (one per status)."""
    decoder, at, last = json.JSONDecoder(), 0, {}
    while at < len(text.rstrip()):
        last, at = decoder.raw_decode(text, at)
        while at < len(text) and text[at].isspace():
            at += 1
    return last
