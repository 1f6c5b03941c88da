"""Hostile values through `db sync` from SQLite: after every batch the target holds exactly
what a fresh `db migrate` makes of the source (values and rejects), and `db verify` agrees."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from skylift.db import migrate
from skylift.db.sync import cutover, run

from ._oracle import assert_as_migrate_copies, contents, fresh_database

pytestmark = pytest.mark.slow

SCHEMA = '''
CREATE TABLE vals (id INTEGER PRIMARY KEY, big INTEGER, r REAL, txt TEXT, b BLOB, anyv,
  d DATETIME, flag BOOLEAN, num NUMERIC(10,2), j JSON);
CREATE TABLE "odd ""name""" ("we""ird col" TEXT PRIMARY KEY, "Mixed Case" INTEGER);
CREATE TABLE nokey (a TEXT, b INTEGER);
CREATE TABLE wr (k TEXT, n INTEGER, v TEXT, PRIMARY KEY (k, n)) WITHOUT ROWID;
CREATE TABLE uq (id INTEGER PRIMARY KEY, email TEXT UNIQUE, v TEXT);
CREATE TABLE fkey (x REAL PRIMARY KEY, v TEXT);
CREATE TABLE events (device INTEGER, at DATETIME, v TEXT, PRIMARY KEY (device, at));
INSERT INTO vals VALUES (1, 9223372036854775807, -0.0, 'plain', X'00FF', 1, '2024-01-01 10:00:00',
  1, 1.25, '{"a": [1, 2.5]}');
INSERT INTO vals VALUES (2, -9223372036854775808, 1e308, 'ünï 😀', X'', 'text', '2024-01-01T10:00:00Z',
  0, 99999999.99, '[]');
INSERT INTO vals (id, anyv) VALUES (7, 'mostly'), (8, 'text');
INSERT INTO "odd ""name""" VALUES ('a''b"c', 1), ('', 2);
INSERT INTO nokey VALUES ('a', 1), ('a', 1), (NULL, NULL);
INSERT INTO wr VALUES ('k', 1, 'v'), ('k', 2, NULL);
INSERT INTO uq VALUES (1, 'a@x.io', 'first'), (2, 'b@x.io', 'second');
INSERT INTO fkey VALUES (0.5, 'half'), (0.1 + 0.2, 'almost .3');
INSERT INTO events VALUES (1, '2024-01-01 10:00:00', 'x'), (1, 1700000000, 'epoch');
CREATE TABLE rid (rowid TEXT, k TEXT PRIMARY KEY, v TEXT);
INSERT INTO rid VALUES ('not the rowid', 'a', 'x'), ('7', 'b', 'y');
'''


def write(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for sql in statements:
        conn.execute(sql)
    conn.close()


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.db"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    conn.close()
    return path


def synced(path: Path, pg_url: str, workdir: Path) -> None:
    run.sync(str(path), pg_url, options=run.Options(workdir=workdir), once=True)


CHANGES = {
    "integers near 2^63, -0.0, inf, blobs and other affinities": [
        "INSERT INTO vals VALUES (3, 9223372036854775806, 9e999, 7, X'DEADBEEF', X'01',"
        " '2024-02-29 23:59:59.999999', 'yes', 0.1, '{\"big\": 123456789012345678901234567890}')",
        "UPDATE vals SET r = -0.0, big = -9223372036854775807, anyv = 2.5 WHERE id = 2",
        "UPDATE vals SET txt = X'00FF', anyv = -9e999 WHERE id = 1",
    ],
    "rejected values, then fixed": [
        "INSERT INTO vals (id, txt) VALUES (4, 'a' || char(0) || 'b')",
        "INSERT INTO vals (id, txt) VALUES (5, CAST(X'C328' AS TEXT))",
        "INSERT INTO vals (id, big, j) VALUES (6, 'not a number', '{bad')",
    ],
    "odd names and text keys": [
        'INSERT INTO "odd ""name""" VALUES (\'new \'\'quoted\'\' "key"\', 3)',
        'UPDATE "odd ""name""" SET "we""ird col" = \'renamed\' WHERE "Mixed Case" = 1',
        'DELETE FROM "odd ""name""" WHERE "we""ird col" = \'\'',
    ],
    "keyless and WITHOUT ROWID tables": [
        "INSERT INTO nokey VALUES ('a', 1)",
        "DELETE FROM nokey WHERE a IS NULL",
        "UPDATE wr SET v = 'changed' WHERE n = 2",
        "INSERT INTO wr VALUES ('é', 3, X'00')",
    ],
    "a text key not in UTF-8": [
        'INSERT INTO "odd ""name""" VALUES (CAST(X\'FF\' AS TEXT), 9)',
        "UPDATE vals SET txt = 'after the bad key' WHERE id = 3",
    ],
    "REPLACE deleting a row by a UNIQUE column": [
        "INSERT OR REPLACE INTO uq VALUES (3, 'a@x.io', 'replaced')",
        "UPDATE OR REPLACE uq SET email = 'b@x.io' WHERE id = 3",
        "UPDATE uq SET v = 'plain update'",
    ],
    "REAL keys": [
        "UPDATE fkey SET v = 'changed' WHERE x > 0.3",
        "DELETE FROM fkey WHERE x = 0.5",
        "INSERT INTO fkey VALUES (9e999, 'inf key')",
    ],
    "a key value of another affinity": [
        "INSERT INTO events VALUES ('not a number', '2024-01-01 10:00:00', 'text in an integer key')",
        "UPDATE events SET v = 'z' WHERE device = 1",
    ],
    "a column named rowid": [
        "UPDATE rid SET v = 'changed' WHERE k = 'a'",
        "INSERT INTO rid VALUES ('1', 'c', 'new')",
    ],
    "date keys": [
        "UPDATE events SET v = 'y' WHERE device = 1",
        "DELETE FROM events WHERE at = 1700000000",
        "INSERT INTO events VALUES (2, 1700000001, 'epoch again')",
    ],
}


@pytest.mark.parametrize("case", list(CHANGES))
def test_changes_arrive_as_migrate_copies_them(hostile_db: Path, pg_url: str, pg_admin_url: str, tmp_path: Path, case: str) -> None:  # fmt: skip
    workdir = tmp_path / "work"
    synced(hostile_db, pg_url, workdir)
    write(hostile_db, *CHANGES[case])
    synced(hostile_db, pg_url, workdir)
    assert_as_migrate_copies(str(hostile_db), pg_url, pg_admin_url, tmp_path)


BACK_SCHEMA = """
CREATE TABLE vals (id INTEGER PRIMARY KEY, big INTEGER, r REAL, txt TEXT, b BLOB,
  d DATETIME, flag BOOLEAN, num NUMERIC, j JSON, day DATE);
INSERT INTO vals VALUES (1, 1, 1.5, 'a', X'00', '2024-01-01 10:00:00', 1, 1.25, '{"a": 1}',
  '2024-01-01');
INSERT INTO vals (id, txt) VALUES (2, 'a' || char(0) || 'b');
CREATE TABLE gen (id INTEGER PRIMARY KEY, a INTEGER, twice INTEGER AS (a * 2) VIRTUAL,
  name TEXT, up TEXT AS (upper(name)) STORED);
INSERT INTO gen (id, a, name) VALUES (1, 2, 'ada');
CREATE TABLE epochs (id INTEGER PRIMARY KEY, at DATETIME);
INSERT INTO epochs VALUES (1, 1700000000), (2, 1700000001);
CREATE TABLE rid (rowid TEXT, k TEXT PRIMARY KEY, v TEXT);
INSERT INTO rid VALUES ('not the rowid', 'a', 'x'), ('7', 'b', 'y');
CREATE TABLE events (device INTEGER, at DATETIME, on_ BOOLEAN, v TEXT, PRIMARY KEY (device, at, on_));
INSERT INTO events VALUES (1, '2024-01-01 10:00:00', 1, 'x'), (1, '2024-01-01 11:00:00.25', 0, 'y');
"""

ON_TARGET = [
    "INSERT INTO vals VALUES (3, 9223372036854775807, '-1e-320', 'ünï 😀 \"q\"', '\\x00ff',"
    " '2024-02-29 23:59:59.123456+00', true, 123456.000001, '{\"z\": [1, 2.5, null]}', '2024-02-29')",
    "INSERT INTO vals (id, big, r) VALUES (4, -9223372036854775808, 'Infinity')",
    "UPDATE vals SET r = '-Infinity', txt = '' WHERE id = 1",
    "UPDATE gen SET a = 21, name = 'grace' WHERE id = 1",
    "INSERT INTO gen (id, a, name) VALUES (2, NULL, NULL)",
    "INSERT INTO epochs VALUES (3, '2024-01-01 00:00:00.5+00')",
    "DELETE FROM epochs WHERE id = 2",
    "UPDATE rid SET v = 'on the target' WHERE k = 'b'",
    "UPDATE events SET v = 'on the target'",
]


def test_cutover_then_rollback_brings_every_value_back(tmp_path: Path, pg_url: str, pg_admin_url: str) -> None:  # fmt: skip
    path = tmp_path / "back.db"
    conn = sqlite3.connect(path)
    conn.executescript(BACK_SCHEMA)
    conn.close()
    options = run.Options(workdir=tmp_path / "work")
    run.sync(str(path), pg_url, options=options, once=True)
    write(path, "UPDATE vals SET big = 2 WHERE id = 1", "UPDATE rid SET v = 'z' WHERE k = 'a'")
    moved = cutover.cutover(str(path), pg_url, options=options)  # a NUL-byte reject included
    assert moved.ok
    with psycopg.connect(pg_url, autocommit=True) as pg:
        for statement in ON_TARGET:
            pg.execute(statement)
    back = cutover.rollback(str(path), pg_url, options=options)
    assert back.ok
    conn = sqlite3.connect(path)
    rows = dict(conn.execute("SELECT id, r FROM vals").fetchall())
    assert rows[3] == -1e-320 and rows[4] == float("inf") and rows[1] == float("-inf")
    assert conn.execute("SELECT big, typeof(b), b FROM vals WHERE id = 3").fetchone() == (
        2**63 - 1, "blob", b"\x00\xff")  # fmt: skip
    assert conn.execute("SELECT twice, up FROM gen ORDER BY id").fetchall() == [
        (42, "GRACE"), (None, None)]  # fmt: skip
    assert conn.execute("SELECT at FROM epochs ORDER BY id").fetchall() == [
        (1700000000,), (1704067200.5,)]  # fmt: skip
    conn.close()
    with psycopg.connect(pg_url) as pg:
        target = {
            t: sorted(r[0] for r in pg.execute(f"SELECT x::text FROM {t} AS x").fetchall())
            for t in ("vals", "gen", "epochs", "rid", "events")
        }

    with fresh_database(pg_admin_url) as other:
        migrate(str(path), other, workdir=tmp_path / "oracle")
        again = contents(other)
    for table, rows in target.items():
        assert again[table] == rows, table
