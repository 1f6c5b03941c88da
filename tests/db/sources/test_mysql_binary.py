"""MySQL rows read with the binary protocol by the accelerator (csrc/mysqlrows.c) against a real
MariaDB and a real PostgreSQL.

The accelerator must send exactly the bytes the per-field Python path sends (the same records,
the same digest), skip every row holding an unusual value and hand it back to the Python path
(which converts it or keeps it as a reject with its reason), give a table without an integer
key up to the Python path, and never turn a value into another one (an unsigned key past 2^63
must not wrap or vanish). Migrations with and without the accelerator land the same rows,
and what a user can change around the binary path (--type, --restart) still migrates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import random
import struct
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from skylift.db import _accel, migrate, verify_databases
from skylift.db.pipeline import open_source
from skylift.db.records import SlowPath
from skylift.db.sources.mysql import MySQLSource
from skylift.db.values import MASK, digest_records

from .conftest import mysql_connect, run_mysql

pytestmark = [
    pytest.mark.mysql,
    pytest.mark.skipif(
        _accel.fastcopy is None and not os.environ.get("CI"),
        reason="the C accelerator is not built here (no C compiler)",
    ),
]

# (column, MySQL type, values): row 1 holds the first value of each, row 2 only NULLs, the
# others random picks (or NULL); integers also take random values in their range
COLUMNS: list[tuple[str, str, list[Any]]] = [
    ("ti", "tinyint", [-128, 127, 0]),
    ("tu", "tinyint unsigned", [255, 0]),
    ("si", "smallint", [-32768, 32767]),
    ("su", "smallint unsigned", [65535, 0]),
    ("mi", "mediumint", [-8388608, 8388607]),
    ("mu", "mediumint unsigned", [16777215, 0]),
    ("ii", "int", [-(2**31), 2**31 - 1]),
    ("iu", "int unsigned", [2**32 - 1, 0]),
    ("bi", "bigint", [-(2**63), 2**63 - 1, 0]),
    ("bu", "bigint unsigned", [2**64 - 1, 0]),
    ("dc", "decimal(14,4)", ["-12345678.1234", "0.0000", "0.5000", "9999999999.9999", "-0.0001"]),
    ("dz", "decimal(30,0)", ["123456789012345678901234567890", "0", "-10000"]),
    ("bo", "tinyint(1)", [1, 0]),
    ("bt", "bit(1)", [0, 1]),
    ("yr", "year", [0, 1901, 2155]),
    ("fl", "float", [123456.789, 0.0, -1.5, 1e-45, 3.4e38]),
    ("db", "double", [5e-324, -0.0, 2.2250738585072014e-308, 1.7976931348623157e308, -1 / 3]),
    ("d", "date", ["0000-00-00", "1000-01-01", "9999-12-31", "2024-02-29"]),
    ("dt", "datetime", ["0000-00-00 00:00:00", "1000-01-01 00:00:00", "9999-12-31 23:59:59"]),
    ("d6", "datetime(6)", ["2024-02-29 23:59:59.999999", "2000-01-01 00:00:00.000001"]),
    ("ts", "timestamp(3) null", ["2038-01-19 03:14:07.999", "1970-01-01 00:00:01", "0000-00-00"]),
    ("tm", "time", ["00:00:00", "23:59:59", "12:34:56"]),
    ("t6", "time(6)", ["23:59:59.999999", "00:00:00", "00:00:00.000001"]),
    ("vc", "varchar(50)", ["日本語 😀", "", "tab\there\nnewline", "\\N", "x" * 50]),
    ("l1", "varchar(20) character set latin1", ["café", "", "Zoë Façade"]),
    ("ch", "char(6)", ["日本😀", "", "abcdef", "a  b"]),
    ("tx", "text", ["☕🚀 ünï", "", "z" * 5000, '"quote",comma']),
    ("mt", "mediumtext", ["\U0010ffff", "", "y" * 300]),
    ("en", "enum('a','b','c d')", ["c d", "a", "b"]),
    ("vb", "varbinary(16)", [b"\x00\xff\x00", b"", bytes(range(16))]),
    ("bl", "blob", [b"\x00ab\x00", b"", bytes(range(256))]),
    ("bn", "binary(4)", [b"ab", b"\x00\x00\x00\x00", b"\xff\xfe\xfd\xfc"]),
    ("js", "json", ['{"b": [1.50, 1e2], "a": "x\\"y", "a": -0}', "[]", '"\\ud83d\\ude00"', "1E-3"]),
]
ROWS = 2000
# row 1 as PostgreSQL gives it back (zero dates and YEAR 0 are NULL, binary(4) is padded,
# char(6) is varchar(6): as MySQL returns it)
ROW_ONE = (
    *(-128, 255, -32768, 65535, -8388608, 16777215, -(2**31), 2**32 - 1, -(2**63)),
    *(Decimal(2**64 - 1), Decimal("-12345678.1234"), Decimal(123456789012345678901234567890)),
    *(True, False, None, 123456.7890625, 5e-324, None, None),
    dt.datetime(2024, 2, 29, 23, 59, 59, 999999),
    dt.datetime(2038, 1, 19, 3, 14, 7, 999000, tzinfo=dt.UTC),
    *(dt.time(0), dt.time(23, 59, 59, 999999), "日本語 😀", "café", "日本😀", "☕🚀 ünï"),
    "\U0010ffff",
    *("c d", b"\x00\xff\x00", b"\x00ab\x00", b"ab\x00\x00"),
    '{"a": 0, "b": [1.50, 100]}',
)
SELECT_EVERY = "SELECT " + ", ".join(
    {"fl": "fl::float8", "en": "en::text", "js": "js::text"}.get(n, n) for n, _, _ in COLUMNS
) + " FROM every ORDER BY id"  # fmt: skip


def _value(rng: random.Random, mysql_type: str, values: list[Any]) -> Any:
    if rng.random() < 0.08:
        return None
    if "int" in mysql_type and "(1)" not in mysql_type and rng.random() < 0.5:
        return rng.randint(min(values), max(values))
    if mysql_type in ("float", "double") and rng.random() < 0.5:
        return rng.uniform(-1e6, 1e6)
    return rng.choice(values)


def _fill_every(url: str) -> None:
    """The table `every`: an int key and a column of every binary target, ROWS rows."""
    rng = random.Random(11)
    cols = ", ".join(f"{n} {t}" for n, t, _ in COLUMNS)
    rows = [(1, *(v[0] for _, _, v in COLUMNS)), (2, *(None for _ in COLUMNS))]
    rows += [(i, *(_value(rng, t, v) for _, t, v in COLUMNS)) for i in range(3, ROWS + 1)]
    database = url.rsplit("/", 1)[1]
    with mysql_connect(url, database) as conn, conn.cursor() as cur:
        cur.execute("SET SESSION sql_mode = '', time_zone = '+00:00'")
        cur.execute(f"CREATE TABLE every (id int PRIMARY KEY, {cols})")
        cur.executemany(
            f"INSERT INTO every VALUES ({', '.join(['%s'] * (len(COLUMNS) + 1))})", rows
        )
        cur.execute("UPDATE every SET mt = REPEAT('y', 70000) WHERE id = 3")  # a 3-byte length


def _split(data: bytes) -> list[bytes]:
    """Binary COPY records (no header, no trailer) one by one."""
    out, at = [], 0
    while at < len(data):
        start = at
        at += 2
        for _ in range(struct.unpack_from(">h", data, start)[0]):
            at += 4 + max(struct.unpack_from(">i", data, at)[0], 0)
        out.append(data[start:at])
    return out


def _open(url: str, options: dict[str, Any] | None = None) -> Any:
    return open_source(url, options)


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        return conn.execute(sql).fetchall()


def _difference(got: list[Any], expected: list[Any]) -> tuple[Any, ...] | None:
    """The first place where two long lists differ (pytest's own diff of them takes minutes)."""
    for i, (a, b) in enumerate(zip(got, expected, strict=False)):
        if a != b:
            return i, a, b
    return None if len(got) == len(expected) else ("lengths", len(got), len(expected))


def _verified(report: Any) -> dict[str, int]:
    assert [v for v in report.verification if not v["ok"]] == []
    return {v["table"]: v["target_rows"] for v in report.verification}


def _rejects(report: Any) -> set[tuple[str, str, str, str]]:
    return {(r["table"], r["column"], r["example_key"], r["reason"]) for r in report.rejects}


@contextlib.contextmanager
def _reading(url: str, name: str, options: dict[str, Any] | None = None) -> Iterator[Any]:
    """(source, table, reader), both closed afterwards: a reader left open keeps its snapshot's
    metadata locks, and the test database could not be dropped."""
    source = _open(url, options)
    try:
        table = source.read_schema().table(name)
        reader = source.reader()
        try:
            yield source, table, reader
        finally:
            reader.close()
    finally:
        source.close()


def test_accelerator_sends_the_bytes_of_the_python_path(mysql_url: str) -> None:
    _fill_every(mysql_url)
    with _reading(mysql_url, "every") as (source, table, reader):
        assert source.copy_format(table) == "binary"
        chunk = source.chunks(table)[0]
        stream = reader.binary_stream(table, chunk)
        fast = list(stream)
        assert table.name not in reader._slow and stream.rows.unusual == []
        records = [r for recs, _ in reader.binary_batches(table, chunk) for r in recs]
        assert list(reader.rejects(table, chunk)) == []
    assert len(records) == ROWS == sum(rows for _, rows in fast)
    differs = _difference(_split(b"".join(data for data, _ in fast)), records)
    assert differs is None
    assert stream.digest() == digest_records(records) & MASK


@pytest.fixture
def other_pg_url(pg_admin_url: str) -> Iterator[str]:
    """A second new, empty PostgreSQL database."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield urlsplit(pg_admin_url)._replace(path="/" + name).geturl()
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_accelerated_migration_lands_every_value_exactly(
    mysql_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill_every(mysql_url)
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", "0")
    landed = _migrate_every(mysql_url, pg_url, "binary")
    assert landed[0] == ROW_ONE
    assert landed[1] == (None,) * len(COLUMNS)
    assert _query(pg_url, "SELECT length(mt) FROM every WHERE id = 3") == [(70000,)]
    # `skylift db verify` reads both sides again: equal, then the one changed value is named
    assert [v["ok"] for v in verify_databases(mysql_url, pg_url).verification] == [True]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE every SET ii = ii + 1 WHERE id = 1")
    (check,) = verify_databases(mysql_url, pg_url).verification
    assert not check["ok"] and check["differences"] == ["key 1: content differs"]


def test_without_the_accelerator_the_same_rows_land(
    mysql_url: str, pg_url: str, other_pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill_every(mysql_url)
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", "0")
    landed = _migrate_every(mysql_url, pg_url, "binary")
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", "1")
    differs = _difference(_migrate_every(mysql_url, other_pg_url, "csv"), landed)
    assert differs is None


def _migrate_every(mysql_url: str, pg_url: str, fmt: str) -> list[tuple[Any, ...]]:
    """The table `every` migrated (after checking it travels as `fmt`): verified, no rejects."""
    assert _copy_format(mysql_url, "every") == fmt
    report = migrate(mysql_url, pg_url, jobs=2)
    assert _verified(report) == {"every": ROWS} and report.rejects == []
    return _query(pg_url, SELECT_EVERY)


@pytest.mark.parametrize("pure", ["0", "1"])
def test_char_lands_as_the_app_read_it_or_padded_when_asked(
    mysql_url: str, pg_url: str, other_pg_url: str, monkeypatch: pytest.MonkeyPatch, pure: str
) -> None:
    """MySQL returns CHAR(n) trimmed: varchar(n) by default; --type char(n) pads it, as
    PostgreSQL stores character(n)."""
    run_mysql(mysql_url, "CREATE TABLE t (id int PRIMARY KEY, c char(6));"
              " INSERT INTO t VALUES (1, 'ab'), (2, '日本😀'), (3, 'abcdef'), (4, '')")  # fmt: skip
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", pure)
    report = migrate(mysql_url, pg_url, jobs=2)
    assert _verified(report) == {"t": 4}
    assert any("char(6) became varchar(6)" in n["message"] for n in report.notes)
    landed = _query(pg_url, "SELECT c FROM t ORDER BY id")
    assert landed == [("ab",), ("日本😀",), ("abcdef",), ("",)]
    assert _verified(migrate(mysql_url, other_pg_url, jobs=2, types={"t.c": "char(6)"})) == {"t": 4}
    landed = _query(other_pg_url, "SELECT c FROM t ORDER BY id")
    assert landed == [("ab    ",), ("日本😀   ",), ("abcdef",), ("      ",)]


def _copy_format(url: str, table: str) -> str:
    source = _open(url)
    try:
        schema = source.read_schema()
        fmt = source.copy_format(schema.table(table))
        assert source.reader().copy_format(schema.table(table)) == fmt
    finally:
        source.close()
    return str(fmt)


TIME_REASON = "TIME {} outside 00:00..24:00 (a duration? make the column interval)"
ENUM_REASON = "'' is not a value of the enum (MySQL's empty error value)"
# id -> (assignment, column, reason), in a table of plain rows
UNUSUAL = {
    150: ("d = '2024-00-10'", "d", "impossible date '2024-00-10'"),
    320: ("t = '30:00:00'", "t", TIME_REASON.format("30:00:00")),
    321: ("t = '-01:00:00'", "t", TIME_REASON.format("-01:00:00")),
    444: ("b = 5", "b", "5 is not a boolean (0 or 1)"),  # with BOOLEAN below
    555: ("e = 'nope'", "e", ENUM_REASON),  # sql_mode '': stored as the '' error value
    666: ("j = '[\"\\\\u0000\"]'", "j", "JSON string with \\u0000 (jsonb cannot hold NUL)"),
}
# the profile keeps a tinyint(1) holding 5 as smallint; the user's --type makes it boolean
BOOLEAN = {"odd.b": "boolean"}
ZERO = {600: "d = '0000-00-00'", 601: "dt = '0000-00-00 00:00:00'"}
PLAIN_ROWS = 700


def _plain(i: int) -> tuple[Any, ...]:
    """Plain row `i` of the table `odd` as PostgreSQL gives it back."""
    return (
        i,
        dt.date(2000, 1, 1) + dt.timedelta(days=i),
        dt.time(i % 24, i % 60, (i * 7) % 60),
        i % 2 == 1,
        "xy"[i % 2],
        dt.datetime(2020, 1, 1) + dt.timedelta(seconds=i * 3601),
        f"row {i} ☕",
        {"n": i, "s": "é"},
    )


def test_unusual_rows_are_rejects_with_the_per_field_reason(
    mysql_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    updates = [f"UPDATE odd SET {a} WHERE id = {i};" for i, (a, _, _) in UNUSUAL.items()]
    updates += [f"UPDATE odd SET {a} WHERE id = {i};" for i, a in ZERO.items()]
    run_mysql(
        mysql_url,
        "SET SESSION sql_mode = ''; CREATE TABLE odd (id int PRIMARY KEY, d date, t time,"
        " b tinyint(1), e enum('x','y'), dt datetime, v varchar(20), j json);"
        " INSERT INTO odd SELECT seq, '2000-01-01' + INTERVAL seq DAY,"
        " MAKETIME(seq % 24, seq % 60, seq * 7 % 60), seq % 2, ELT(seq % 2 + 1, 'x', 'y'),"
        " '2020-01-01' + INTERVAL seq * 3601 SECOND, CONCAT('row ', seq, ' ☕'),"
        ' CONCAT(\'{"s": "é", "n": \', seq, \'}\')'
        f" FROM seq_1_to_{PLAIN_ROWS};" + "".join(updates),
    )
    assert _skipped_keys(mysql_url, "odd") == sorted(UNUSUAL)
    monkeypatch.setattr(MySQLSource, "CHUNK_ROWS", 200)  # unusual rows in several chunks
    report = migrate(mysql_url, pg_url, jobs=2, types=BOOLEAN)
    assert _verified(report) == {"odd": PLAIN_ROWS - len(UNUSUAL)}
    assert _rejects(report) == {("odd", c, f"[{i}]", r) for i, (_, c, r) in UNUSUAL.items()}
    plain = [_plain(i) for i in range(1, PLAIN_ROWS + 1) if i not in UNUSUAL and i not in ZERO]
    landed = _query(pg_url, "SELECT id, d, t, b, e::text, dt, v, j FROM odd ORDER BY id")
    differs = _difference([r for r in landed if r[0] not in ZERO], plain)
    assert differs is None
    zero = _query(pg_url, "SELECT id, d, dt, v FROM odd WHERE id IN (600, 601) ORDER BY id")
    assert zero == [
        (600, None, _plain(600)[5], "row 600 ☕"),
        (601, _plain(601)[1], None, "row 601 ☕"),
    ]


def _skipped_keys(url: str, name: str) -> list[int]:
    """Keys of the rows the accelerator skipped reading the whole table (and not given up)."""
    with _reading(url, name, {"types": BOOLEAN}) as (source, table, reader):
        stream = reader.binary_stream(table, source.chunks(table)[0])
        for _ in stream:
            pass
        assert name not in reader._slow
        return sorted(stream.rows.unusual)


NO_INT_KEY = {
    "varchar key": (
        "CREATE TABLE t (w varchar(20) PRIMARY KEY, d date); INSERT INTO t SELECT"
        " CONCAT('w', seq), '2000-01-01' + INTERVAL seq DAY FROM seq_1_to_300;"
        " UPDATE t SET d = '2024-00-10' WHERE w = 'w150'",
        ("t", "d", '["w150"]', "impossible date '2024-00-10'"),
    ),
    "no key": (
        "CREATE TABLE t (n int, tm time); INSERT INTO t SELECT seq, SEC_TO_TIME(seq)"
        " FROM seq_1_to_300; UPDATE t SET tm = '30:00:00' WHERE n = 150",
        ("t", "tm", '[150, "30:00:00"]', TIME_REASON.format("30:00:00")),
    ),
}


@pytest.mark.parametrize("case", NO_INT_KEY)
def test_table_without_an_integer_key_goes_to_the_python_path(
    mysql_url: str, pg_url: str, case: str
) -> None:
    script, reject = NO_INT_KEY[case]
    run_mysql(mysql_url, "SET SESSION sql_mode = ''; " + script)
    with _reading(mysql_url, "t") as (source, table, reader):
        chunk = source.chunks(table)[0]
        with pytest.raises(SlowPath):
            list(reader.binary_stream(table, chunk))
        assert "t" in reader._slow
        assert sum(rows for _, rows in reader.binary_stream(table, chunk)) == 299
        assert [r.reason for r in reader.rejects(table, chunk)] == [reject[3]]
    report = migrate(mysql_url, pg_url, jobs=2)
    assert _verified(report) == {"t": 299}
    assert _rejects(report) == {reject}


def test_unsigned_bigint_key_past_2_63_is_a_reject(mysql_url: str, pg_url: str) -> None:
    """bigint unsigned AUTO_INCREMENT lands as bigint: a key MariaDB holds above 2^63-1 must
    be kept as a reject, neither wrapped negative nor lost."""
    run_mysql(
        mysql_url,
        "CREATE TABLE big (id bigint unsigned AUTO_INCREMENT PRIMARY KEY, v varchar(10));"
        " INSERT INTO big VALUES (1, 'a'), (2, 'b'), (9223372036854775807, 'max'),"
        " (18446744073709551615, 'top')",
    )
    report = migrate(mysql_url, pg_url, jobs=2)
    assert _verified(report) == {"big": 3}
    landed = _query(pg_url, "SELECT id, v FROM big ORDER BY id")
    assert landed == [(1, "a"), (2, "b"), (2**63 - 1, "max")]
    assert [(r["column"], r["example_key"]) for r in report.rejects] == [
        ("id", "[18446744073709551615]")
    ]
    assert "out of range for bigint" in report.rejects[0]["reason"]


@pytest.mark.parametrize(
    ("mysql_type", "literal", "pg_type", "expected"),
    [("year", "2024", "integer", 2024), ("double", "0.5", "float4", 0.5)],
)
def test_a_type_override_travels_in_the_target_type(
    mysql_url: str, pg_url: str, mysql_type: str, literal: str, pg_type: str, expected: Any
) -> None:
    """--type t.c=TYPE: the binary record must hold the user's type, not the default one."""
    run_mysql(mysql_url, f"CREATE TABLE t (id int PRIMARY KEY, c {mysql_type});"
              f" INSERT INTO t VALUES (1, {literal}), (2, NULL)")  # fmt: skip
    report = migrate(mysql_url, pg_url, jobs=2, types={"t.c": pg_type})
    assert _verified(report) == {"t": 2} and report.rejects == []
    assert _query(pg_url, "SELECT c FROM t ORDER BY id") == [(expected,), (None,)]


def test_restart_over_a_migration_with_an_enum(mysql_url: str, pg_url: str) -> None:
    """--restart drops what the previous run created, and migrates again."""
    run_mysql(mysql_url, "CREATE TABLE t (id int PRIMARY KEY, e enum('a','b'));"
              " INSERT INTO t VALUES (1, 'b')")  # fmt: skip
    assert _verified(migrate(mysql_url, pg_url, jobs=2)) == {"t": 1}
    assert _verified(migrate(mysql_url, pg_url, jobs=2, restart=True)) == {"t": 1}


def test_a_row_of_16_mb_or_more_goes_to_the_python_path(mysql_url: str, pg_url: str) -> None:
    """MySQL splits a row of 16 MB or more into several packets: the accelerator hands the
    table to the Python path, which joins them; the big value lands whole."""
    big = bytes(range(256)) * (17 * 4096)  # 17 MiB
    database = mysql_url.rsplit("/", 1)[1]
    with mysql_connect(mysql_url, database) as conn, conn.cursor() as cur:
        cur.execute("SET GLOBAL max_allowed_packet = 67108864")  # for new connections
    big_packets = {"max_allowed_packet": 64 << 20}
    with mysql_connect(mysql_url, database, **big_packets) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE blobs (id int PRIMARY KEY, b longblob)")
        cur.executemany("INSERT INTO blobs VALUES (%s, %s)", [(1, b"small"), (2, big)])
    with _reading(mysql_url, "blobs") as (source, table, reader):
        with pytest.raises(SlowPath):
            list(reader.binary_stream(table, source.chunks(table)[0]))
        assert "blobs" in reader._slow
    report = migrate(mysql_url, pg_url, jobs=2)
    assert _verified(report) == {"blobs": 2}
    assert _query(pg_url, "SELECT md5(b) FROM blobs WHERE id = 2") == [
        (hashlib.md5(big).hexdigest(),)
    ]
