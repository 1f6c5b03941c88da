"""A corpus of hostile SQLite databases, ours: every value says what must become of it — land
as a given PostgreSQL value, or be kept in skylift.rejects with a reason matching a pattern.

`python -m tests.db.hostile.corpus OUT.db` writes the database (for a look with sqlite3 or a
manual `skylift db migrate OUT.db`); tests/db/hostile/test_corpus.py migrates it with and
without the accelerator and checks every value against the target or the reject table.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

UTC = dt.UTC


@dataclass(frozen=True)
class Sql:
    """A value written as an SQL expression (text SQLite would not let a parameter be)."""

    expr: str


@dataclass
class Case:
    values: tuple[Any, ...]  # the row as inserted (Sql for expressions)
    lands: tuple[Any, ...] | None = None  # the row PostgreSQL must hold; None: `values`
    rejected: dict[str, str] = field(default_factory=dict)  # column -> reason (a regex)


@dataclass
class Hostile:
    name: str
    ddl: str
    columns: list[str]
    cases: list[Case]
    key: str | None = "id"  # None: no primary key (rejects are named by rowid)
    sql: list[str] = field(default_factory=list)  # indexes and the like, after the rows
    types: dict[str, str] = field(default_factory=dict)  # --type options


LONG = "customer_preferred_notification_channel_for_marketing_campaigns_"  # 64 bytes
NUL = Sql("CAST(x'610062' AS TEXT)")  # 'a\0b'
BAD_UTF8 = Sql("CAST(x'ff41' AS TEXT)")
SURROGATE = Sql("CAST(x'eda080' AS TEXT)")  # an encoded UTF-16 surrogate: not UTF-8

TABLES = [
    Hostile(
        "mixed",
        "CREATE TABLE mixed (a, b)",  # no types, no key: the values decide
        ["a", "b"],
        [
            Case((1, "x")),
            Case((1, "x")),  # an exact duplicate, without a key to tell them apart
            Case((2, 5), (2, "5")),
            Case((3, 2.5), (3, "2.5")),
            Case((2**63 - 1, "max")),
            Case((-(2**63), "min")),
            Case((b"\x00\x01", "blob"), rejected={"a": "binary value in an integer column"}),
        ],
        key=None,
    ),
    Hostile(
        "texts",
        "CREATE TABLE texts (id INTEGER PRIMARY KEY, t TEXT, v VARCHAR(5), c CHAR(3))",
        ["id", "t", "v", "c"],
        [
            Case((1, "plain", "abc", "ab")),  # CHAR(3) is varchar(3): no padding
            Case((2, NUL, "x", "y"), rejected={"t": "NUL byte"}),
            Case((3, BAD_UTF8, "x", "y"), rejected={"t": "invalid UTF-8"}),
            Case((4, SURROGATE, "x", "y"), rejected={"t": "invalid UTF-8"}),
            Case((5, "☕🚀 ünï 列", "longer than five", "abcd")),  # widened to text
            Case((6, 'tab\t"q",\r\nnew', "", "")),
            Case((7, "\\N", "NULL", None)),
            Case((8, "", None, " ")),
        ],
    ),
    Hostile(
        "numbers",
        "CREATE TABLE numbers (id INTEGER PRIMARY KEY, i INTEGER, r REAL, n NUMERIC(6,2))",
        ["id", "i", "r", "n"],
        [
            Case(
                (1, 2**63 - 1, 1.7976931348623157e308, 1.5),
                (1, 2**63 - 1, 1.7976931348623157e308, Decimal("1.5")),
            ),
            Case(
                (2, 3.0, -0.0, 12.345), (2, 3, 0.0, Decimal("12.345"))
            ),  # SQLite keeps no -0.0 in REAL
            Case((3, 1.5, math.inf, 1), rejected={"i": "fraction"}),
            Case(
                (4, "abc", "x", 1),
                rejected={"i": "text in an integer column", "r": "text in a number column"},
            ),
            Case((5, 2**63 * 1.0, -math.inf, 2), rejected={"i": "out-of-range"}),
            Case((6, -(2**63), 5e-324, -0.01), (6, -(2**63), 5e-324, Decimal("-0.01"))),
            Case((7, "", math.inf, None), (7, None, math.inf, None)),  # '' in a number column: NULL
        ],
    ),
    Hostile(
        "dates",
        "CREATE TABLE dates (id INTEGER PRIMARY KEY, d DATE, ts DATETIME)",
        ["id", "d", "ts"],
        [
            Case(
                (1, "2024-02-29", "2024-02-29 23:59:59"),
                (1, dt.date(2024, 2, 29), dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
            ),
            Case((2, "0000-00-00", "2024-01-01T10:00:00+05:30"), rejected={"d": "zero date"}),
            Case((3, "2024-02-30", "2024-01-01 00:00:00"), rejected={"d": "no day 30 in February"}),
            Case(
                (4, "2024-01-01", "2024-06-01T12:00:00Z"),
                (4, dt.date(2024, 1, 1), dt.datetime(2024, 6, 1, 12, tzinfo=UTC)),
            ),
            Case(
                (5, "2024-01-02", 1700000000),
                (5, dt.date(2024, 1, 2), dt.datetime.fromtimestamp(1700000000, UTC)),
            ),
            Case(
                (6, "yesterday", "soon"),
                rejected={"d": "text without digits", "ts": "text without digits"},
            ),
            Case((7, "", None), (7, None, None)),
            Case((8, "31/12/2024", "2024-01-01 00:00:00"), rejected={"d": "day/month/year"}),
            Case((9, "2024-13-01", "2024-01-01 00:00:00"), rejected={"d": "no month 13"}),
            Case(
                (10, "2024-03-01", "2024-03-01T10:00:00.123456-08:00"),
                (10, dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, 18, 0, 0, 123456, tzinfo=UTC)),
            ),
            # Sequelize's form: a space before the offset
            Case(
                (11, "2024-03-02", "2024-03-02 10:00:00.000 +02:00"),
                (11, dt.date(2024, 3, 2), dt.datetime(2024, 3, 2, 8, tzinfo=UTC)),
            ),
            # Prisma and Knex: epoch milliseconds; a date without time; minutes only
            Case(
                (12, "2024-03-03", 1700000000123),
                (
                    12,
                    dt.date(2024, 3, 3),
                    dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC),
                ),
            ),
            Case(
                (13, "2024-03-04", "2024-03-04"),
                (13, dt.date(2024, 3, 4), dt.datetime(2024, 3, 4, tzinfo=UTC)),
            ),
            Case(
                (14, "2024-03-05", "2024-03-05T07:30"),
                (14, dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 7, 30, tzinfo=UTC)),
            ),
            # julianday('now') in a DATETIME column: a number, but no epoch
            Case((15, "2024-03-06", 2460000.5), rejected={"ts": "not an epoch"}),
            # ISO 8601's end of the day: the next day's midnight, as PostgreSQL reads it
            Case(
                (16, "2024-03-07", "2024-12-31T24:00:00Z"),
                (16, dt.date(2024, 3, 7), dt.datetime(2025, 1, 1, tzinfo=UTC)),
            ),
            # Go's RFC3339Nano: nanoseconds timestamptz cannot hold (PostgreSQL would round)
            Case(
                (17, "2024-03-08", "2024-03-08T10:00:00.123456789Z"),
                rejected={"ts": "finer than a microsecond"},
            ),
            Case(  # zeros past the sixth digit lose nothing
                (18, "2024-03-09", "2024-03-09 10:00:00.123456000"),
                (18, dt.date(2024, 3, 9), dt.datetime(2024, 3, 9, 10, 0, 0, 123456, tzinfo=UTC)),
            ),
        ],
    ),
    Hostile(
        "docs",
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, doc JSON)",
        ["id", "doc"],
        [
            Case(
                (1, '{"b": [1, 2.5, {"c": null}], "a": "ü\\n"}'),
                (1, {"a": "ü\n", "b": [1, 2.5, {"c": None}]}),
            ),
            Case((2, '{"a": NaN}'), rejected={"doc": "NaN or Infinity"}),
            Case((3, '{"a": "\\u0000"}'), rejected={"doc": "Unicode|\\\\u0000"}),
            Case((4, '{"a": 1, "a": 2}'), (4, {"a": 2})),  # jsonb keeps the last key
            # JSON has NUMERIC affinity: SQLite stored a REAL; its exact digits, not CAST's 15
            Case((5, "123456789012345678901234567890"), (5, 123456789012345680000000000000)),
            Case((6, "{not json"), rejected={"doc": "invalid JSON"}),
            Case((7, '"just a string"'), (7, "just a string")),
            Case((8, "[]"), (8, [])),
            Case((9, ""), (9, None)),
            Case((10, 0.1), (10, 0.1)),
        ],
    ),
    Hostile(
        "order",  # reserved words and unicode, quotes in names
        'CREATE TABLE "order" ("select" INTEGER PRIMARY KEY, "ünïcødé 列" TEXT, "a""b" TEXT,'
        ' "user" TEXT)',
        ["select", "ünïcødé 列", 'a"b', "user"],
        [Case((1, "x", 'q"uote', "u")), Case((2, None, None, None))],
        key="select",
    ),
    Hostile(
        "Bestellungsübersicht_" + "ä" * 30,  # 82 bytes: longer than PostgreSQL keeps
        f'CREATE TABLE "Bestellungsübersicht_{"ä" * 30}" (id INTEGER PRIMARY KEY,'
        f' "{LONG}email" TEXT, "{LONG}sms" INTEGER, UNIQUE ("{LONG}email", "{LONG}sms"))',
        ["id", LONG + "email", LONG + "sms"],
        [
            Case((1, "a@x", 1)),
            Case((2, "b@x", "two"), rejected={LONG + "sms": "text in an integer"}),
        ],
        sql=[
            f'CREATE INDEX "index_on_{LONG}sms" ON "Bestellungsübersicht_{"ä" * 30}" ("{LONG}sms")'
        ],
    ),
    Hostile(
        "defaults",  # SQLite never checked these against their columns
        'CREATE TABLE defaults (id INTEGER PRIMARY KEY, a TEXT DEFAULT "", b DATETIME DEFAULT 0,'
        " c INTEGER DEFAULT '\"0\"', d BOOLEAN DEFAULT 'f', e INTEGER DEFAULT CURRENT_TIMESTAMP,"
        " f TEXT DEFAULT (lower(hex(randomblob(16)))), g JSON DEFAULT '')",
        ["id", "a", "b", "c", "d", "e", "f", "g"],
        [Case((1, "x", None, 1, 1, 2, "f", None), (1, "x", None, 1, True, 2, "f", None))],
    ),
    Hostile(
        "dupkey",  # 1 and '1' are two keys in SQLite, one in a text column
        "CREATE TABLE dupkey (id INTEGER PRIMARY KEY, code UNIQUE)",
        ["id", "code"],
        [Case((1, 1), (1, "1")), Case((2, "1")), Case((3, "x"))],
    ),
    Hostile(
        "nocase",
        "CREATE TABLE nocase (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE)",
        ["id", "email"],
        [Case((1, "Ada@x")), Case((2, "bob@x"))],
    ),
    Hostile(
        "log",  # no key at all
        "CREATE TABLE log (msg TEXT, n INTEGER)",
        ["msg", "n"],
        [
            Case(("a", 1)),
            Case(("a", 1)),
            Case(("b", "x"), rejected={"n": "text in an integer"}),
            Case((BAD_UTF8, 3), rejected={"msg": "invalid UTF-8"}),  # found by its rowid too
        ],
        key=None,
    ),
    Hostile(
        "typed",
        "CREATE TABLE typed (id INTEGER PRIMARY KEY, small INTEGER, price REAL, code TEXT)",
        ["id", "small", "price", "code"],
        [
            Case((1, 5, 1.25, "ab"), (1, 5, Decimal("1.25"), "ab  ")),
            Case((2, 40000, 1, "cd"), rejected={"small": "out of range for type smallint"}),
        ],
        types={"typed.small": "smallint", "typed.price": "numeric(10,2)", "typed.code": "char(4)"},
    ),
    Hostile(
        "blobs",  # blobs are most: bytea, and the number is the outlier
        "CREATE TABLE blobs (id INTEGER PRIMARY KEY, b)",
        ["id", "b"],
        [
            Case((1, b"\x00\xff")),
            Case((2, b"")),
            Case((3, 7), rejected={"b": "number in a binary"}),
        ],
    ),
    Hostile(
        "kv",
        "CREATE TABLE kv (k TEXT PRIMARY KEY, v) WITHOUT ROWID",
        ["k", "v"],
        [Case(("a", 1), ("a", "1")), Case(("b", "text")), Case(("c", 2.5), ("c", "2.5"))],
        key="k",
    ),
    Hostile(
        "shadow",  # a column called rowid: SQLite's rowid is then _rowid_
        "CREATE TABLE shadow (rowid TEXT, v INTEGER)",
        ["rowid", "v"],
        [Case(("b", 1)), Case(("a", 2)), Case(("c", "bad"), rejected={"v": "text in an integer"})],
        key=None,
    ),
    Hostile(
        "we\"ird 'name'",  # quotes of both kinds in a table name, an index on it, a key
        'CREATE TABLE "we""ird \'name\'" (id INTEGER PRIMARY KEY, "it\'s" TEXT UNIQUE)',
        ["id", "it's"],
        [Case((1, "a")), Case((2, NUL), rejected={"it's": "NUL byte"})],
        sql=['CREATE INDEX "ix \'q\'" ON "we""ird \'name\'" ("it\'s")'],
    ),
    Hostile("empty", "CREATE TABLE empty (id INTEGER PRIMARY KEY, x TEXT)", ["id", "x"], []),
    Hostile(  # every value in the plain form but one end of the day (verification failed)
        "midnight",
        "CREATE TABLE midnight (id INTEGER PRIMARY KEY, at DATETIME)",
        ["id", "at"],
        [
            Case((1, "2024-01-05 10:00:00"), (1, dt.datetime(2024, 1, 5, 10, tzinfo=UTC))),
            Case((2, "2024-01-05 24:00:00"), (2, dt.datetime(2024, 1, 6, tzinfo=UTC))),
        ],
    ),
    Hostile(  # named as PostgreSQL names keyed's key
        "keyed_pkey", "CREATE TABLE keyed_pkey (id INTEGER PRIMARY KEY)", ["id"], [Case((1,))]
    ),
    Hostile(
        "keyed",
        "CREATE TABLE keyed (id INTEGER PRIMARY KEY, v TEXT UNIQUE)",
        ["id", "v"],
        [Case((1, "a")), Case((2, NUL), rejected={"v": "NUL byte"})],
    ),
    Hostile(
        "nameless",  # a column without a name; an index named as PostgreSQL names the key
        'CREATE TABLE nameless (id INTEGER PRIMARY KEY, "" TEXT, "a\nb" INTEGER, " x " TEXT)',
        ["id", "", "a\nb", " x "],
        [Case((1, "v", 2, "w")), Case((2, None, "three", ""), rejected={"a\nb": "text in an"})],
        sql=[
            'CREATE INDEX nameless_pkey ON nameless ("")',
            'CREATE INDEX ix_ab ON nameless ("a\nb")',
        ],
    ),
]


def types() -> dict[str, str]:
    return {k: v for t in TABLES for k, v in t.types.items()}


def build(path: Path) -> Path:
    db = sqlite3.connect(path)
    for table in TABLES:
        db.execute(table.ddl)
        cols = ", ".join('"' + c.replace('"', '""') + '"' for c in table.columns)
        for case in table.cases:
            marks = ", ".join(v.expr if isinstance(v, Sql) else "?" for v in case.values)
            params = [v for v in case.values if not isinstance(v, Sql)]
            name = '"' + table.name.replace('"', '""') + '"'
            db.execute(f"INSERT INTO {name} ({cols}) VALUES ({marks})", params)
        for sql in table.sql:
            db.execute(sql)
    db.commit()
    db.close()
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
