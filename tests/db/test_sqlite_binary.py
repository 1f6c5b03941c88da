"""Tables of plain types travel as binary COPY: values land exactly, strays are kept, and
verification compares what PostgreSQL stored byte for byte."""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from skylift.db import migrate
from skylift.db.pipeline import open_source
from skylift.db.verify_only import verify_databases

pytestmark = pytest.mark.usefixtures("pg_admin_url")

PLAIN = (
    "CREATE TABLE plain (id INTEGER PRIMARY KEY, i INTEGER, f REAL, t TEXT, b BLOB, "
    "bo BOOLEAN, d DATE, ts DATETIME, v VARCHAR(12))"
)
PLAIN_ROWS = [
    (1, None, None, None, None, None, None, None, None),
    (2, 0, 0.0, "", b"", 0, "2025-01-01", "2025-01-01 00:00:00", ""),
    (
        3,
        -(2**63),
        5e-324,
        'a,"b"\n\r\tc\\d',
        b'\x00\xff,\n"',
        1,
        "0099-12-31",
        "1999-12-31 23:59:59",
        "twelve chars",
    ),
    (
        4,
        2**63 - 1,
        1.7976931348623157e308,
        "☕🚀 ünï",
        bytes(range(256)),
        0,
        "9999-12-31",
        "2038-01-19 03:14:08",
        "☕",
    ),
    (5, 7, math.inf, "\\N", b"\\N", 1, "2024-02-29", "1970-01-01 00:00:00", "NULL"),
    (6, 8, -1 / 3, "x" * 100_000, b"y" * 100_000, 1, "2000-01-01", "2000-01-01 00:00:00", "x"),
]


def _travels_binary(path: Path, table: str) -> bool:
    source = open_source(str(path))
    try:
        return bool(source.copy_format(source.read_schema().table(table)) == "binary")  # type: ignore[attr-defined]
    finally:
        source.close()


def _fetch(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_plain_types_land_exactly(tmp_path: Path, pg_url: str) -> None:
    """Compared with SQLite's own values through psycopg: independent of skylift's checksums."""
    path = tmp_path / "plain.db"
    db = sqlite3.connect(path)
    db.execute(PLAIN)
    db.executemany("INSERT INTO plain VALUES (?,?,?,?,?,?,?,?,?)", PLAIN_ROWS)
    db.commit()
    assert _travels_binary(path, "plain")
    report = migrate(str(path), pg_url, workdir=tmp_path / "wd")
    assert report.status == "ok" and report.verified, report.as_dict()
    got = {r[0]: r for r in _fetch(pg_url, "SELECT * FROM plain")}
    utc = dt.UTC
    for row in PLAIN_ROWS:
        back = got[row[0]]
        assert back[1:3] == row[1:3] and back[3] == row[3] and back[8] == row[8]
        assert (bytes(back[4]) if back[4] is not None else None) == row[4]
        assert back[5] == (None if row[5] is None else bool(row[5]))
        assert back[6] == (None if row[6] is None else dt.date.fromisoformat(row[6]))
        expect = None if row[7] is None else dt.datetime.fromisoformat(row[7]).replace(tzinfo=utc)
        assert back[7] == expect
    assert math.copysign(1, got[3][2]) == 1 and got[3][2] == 5e-324  # the smallest subnormal


def test_stray_values_the_sample_missed_are_kept(tmp_path: Path, pg_url: str) -> None:
    """A big table's storage classes are sampled (1 row in 64): values the sample misses are
    still checked on every row, and kept in skylift.rejects with the reason."""
    path = tmp_path / "big.db"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE big (id INTEGER PRIMARY KEY, n INTEGER, flag BOOLEAN, day DATE, "
        "label TEXT, at DATETIME)"
    )
    rows = 130_000
    db.executemany(
        "INSERT INTO big VALUES (?,?,?,?,?,?)",
        (
            (i, i, i % 2, "2025-03-04", f"row {i}", "2025-03-04 05:06:07")
            for i in range(1, rows + 1)
        ),
    )
    strays = {  # rowids off the sample (rowid % 64 != 0)
        1001: ("n", "'abc'"),
        2001: ("flag", "2"),
        3001: ("day", "'2025-02-30'"),
        4001: ("label", "1.5"),
        5001: ("label", "x'ff00'"),
        6001: ("at", "'2025-02-30 10:00:00'"),
    }
    for rowid, (column, value) in strays.items():
        db.execute(f"UPDATE big SET {column} = {value} WHERE id = {rowid}")
    # a plain numeric column makes this table travel as CSV: the same stray boolean is refused
    db.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, flag BOOLEAN, amount NUMERIC)")
    db.executemany("INSERT INTO docs VALUES (?, ?, 1.5)", ((i, i % 2) for i in range(1, rows + 1)))
    db.execute("UPDATE docs SET flag = 2 WHERE id = 2001")
    db.commit()
    db.close()
    assert _travels_binary(path, "big")
    report = migrate(str(path), pg_url, workdir=tmp_path / "wd")
    assert report.status == "rejects" and report.verified, report.as_dict()["verification"]
    rejects = {
        json.loads(k)[0]: (col, reason)
        for k, col, reason in _fetch(
            pg_url,
            "SELECT row_key, column_name, reason FROM skylift.rejects WHERE table_name = 'big'",
        )
    }
    assert rejects == {
        1001: ("n", "text in a bigint column"),
        2001: ("flag", "not a boolean (0 or 1)"),
        3001: ("day", "impossible date or time (day is out of range for month)"),
        5001: ("label", "binary value that is not UTF-8 text"),
        6001: ("at", "impossible date or time (day is out of range for month)"),
    }
    assert _fetch(pg_url, "SELECT count(*), sum(id) FROM big")[0] == (
        rows - 5,
        rows * (rows + 1) // 2 - (1001 + 2001 + 3001 + 5001 + 6001),
    )
    assert _fetch(pg_url, "SELECT label FROM big WHERE id = 4001") == [("1.5",)]  # made text
    assert not _travels_binary(path, "docs")
    ((key, reason),) = _fetch(
        pg_url, "SELECT row_key, reason FROM skylift.rejects WHERE table_name = 'docs'"
    )
    assert (
        key == "[2001]"
        and "boolean" in reason
        and _fetch(pg_url, "SELECT count(*) FROM docs") == [(rows - 1,)]
    )
    again = verify_databases(str(path), pg_url)
    assert again.verified, again.as_dict()["verification"]
