"""db/pgtext.py reproduces PostgreSQL's text output exactly: checked against a real server."""

from __future__ import annotations

import os
import random
from decimal import Decimal

import psycopg
import pytest

from skylift.db import _accel, pgtext


@pytest.fixture(scope="module")
def conn(pg_admin_url: str) -> psycopg.Connection:
    with psycopg.connect(pg_admin_url, autocommit=True) as c:
        c.execute(pgtext.SESSION)
        yield c


NUMBERS = [
    "0.1",
    "1.50",
    "1e2",
    "1E-2",
    "-0",
    "-0.00",
    "123456789.123456789",
    "0.000010",
    "1.0e-5",
    "-12.5",
    "0",
]
JSON_DOCS = [
    '{"b":1,"a":2,"aa":[1,2.50,1e2,-0,true,null,"x\\"y\\\\z\\n\\u0001é☕"],"a":3}',
    "[]",
    "{}",
    '"str"',
    "12.0",
    '{"long key":{"z":[{}],"y":1E-7}}',
    "[1.0e-5, 0.0, -0.0]",
    '{"\\t": "\\b\\f\\r", "": ""}',
    '{"é": 1, "ab": 2, "☕": 3, "b": 4, "aé": 5}',
    '[{"k": 1, "j": 2}, {"j": 3, "k": 4}, {"k": 5, "j": 6, "k": 7}]',
    '{"big": 123456789012345678901234567890, "neg": -0, "exp": 1.5E+3, "small": -2.50e-2}',
]


def test_numeric_matches_postgres(conn: psycopg.Connection) -> None:
    for text in NUMBERS:
        assert (
            pgtext.numeric(Decimal(text), None)
            == conn.execute("SELECT %s::numeric::text", (text,)).fetchone()[0]
        )
        assert (
            pgtext.numeric(Decimal(text), 3)
            == conn.execute("SELECT %s::numeric(30,3)::text", (text,)).fetchone()[0]
        )


def test_jsonb_matches_postgres(conn: psycopg.Connection) -> None:
    for doc in JSON_DOCS:
        assert pgtext.jsonb(doc) == conn.execute("SELECT %s::jsonb::text", (doc,)).fetchone()[0]


def test_plain_numeric_matches_postgres_or_leaves_it_to_postgres(conn: psycopg.Connection) -> None:
    """What plain_numeric prints is what PostgreSQL prints; what it cannot be sure of (rounding,
    overflow, exponents) it leaves to the server (None)."""
    texts = [*NUMBERS, "12", "-7", "99999999", "100000000", "0.12", "-0.125", "007", "1.", ".5",
             "12.345", "1234567.89", "-1234567.89", "12345678.9", "0.00", "-0.001"]  # fmt: skip
    casts = ["numeric", "numeric(10,2)", "numeric(8)", "numeric(2,2)", "numeric(5,0)"]
    local = 0
    for cast in casts:
        for text in texts:
            mine = pgtext.plain_numeric(text, cast)
            if mine is None:
                continue
            local += 1
            assert mine == conn.execute(f"SELECT %s::{cast}::text", (text,)).fetchone()[0], (
                text,
                cast,
            )
    assert local >= 30
    assert pgtext.plain_numeric("12.345", "numeric(10,2)") is None  # PostgreSQL rounds
    assert pgtext.plain_numeric("100000000", "numeric(10,2)") is None  # overflow: refused
    assert pgtext.plain_numeric("1e2", "numeric") is None


def _random_json(rng: random.Random, depth: int = 0) -> str:
    """A random JSON text with what jsonb normalizes: key order, duplicates, escapes, number
    forms, whitespace."""
    pick = rng.randrange(8 if depth < 4 else 5)
    space = rng.choice(["", " ", "\n\t "])
    if pick == 0:
        mantissa = rng.choice(["0", "-0", "7", "-12", "123456789012345678901234567890"])
        fraction = rng.choice(["", ".0", ".50", ".000123", ".9999999999"])
        exponent = rng.choice(["", "e2", "E-3", "e+0", "e-12", "E40", "e-40"])
        return mantissa + fraction + exponent
    if pick == 1:
        return rng.choice(["true", "false", "null"])
    if pick in (2, 3, 4):
        chars = ["a", "é", "☕", "😀", '\\"', "\\\\", "\\/", "\\n", "\\t", "\\u001f", "\\u00e9",
                 "\\ud83d\\ude00", "\\b", "\\f", "\\r", " ", "\x7f"]  # fmt: skip
        return '"' + "".join(rng.choice(chars) for _ in range(rng.randrange(6))) + '"'
    if pick in (5, 6):
        keys = ["a", "b", "aa", "é", "ab", "", "☕", "ba", "a\\u0062"]
        items = [f"{_random_json(rng, depth + 1)}" for _ in range(rng.randrange(5))]
        members = [f'"{rng.choice(keys)}"{space}:{space}{item}' for item in items]
        return "{" + space + f",{space}".join(members) + space + "}"
    items = [_random_json(rng, depth + 1) for _ in range(rng.randrange(5))]
    return "[" + space + f",{space}".join(items) + space + "]"


@pytest.mark.skipif(_accel.fastcopy is None and not os.environ.get("CI"), reason="no accelerator")
def test_the_accelerators_jsonb_prints_as_python_and_postgresql(conn: psycopg.Connection) -> None:
    rng = random.Random(11)
    docs = JSON_DOCS + [_random_json(rng) for _ in range(3000)]
    for doc in docs:
        assert _accel.fastcopy.jsonb(doc.encode()) == pgtext.jsonb(doc).encode(), doc
    for doc in docs[:: len(docs) // 200]:
        assert pgtext.jsonb(doc) == conn.execute("SELECT %s::jsonb::text", (doc,)).fetchone()[0]


@pytest.mark.parametrize(
    "doc",
    ['{"a": "\\u0000"}', '"\\ud800"', '"\\udc00x"', "NaN", "[1,]", '{"a" 1}', "01", "1.",
     "-", '"a\tb"', "[" * 300 + "]" * 300, "1e2000", "{} {}", '"\udcff"'],
)  # fmt: skip
def test_the_accelerator_leaves_what_jsonb_refuses_to_python(doc: str) -> None:
    if _accel.fastcopy is None:
        pytest.skip("no accelerator")
    assert _accel.fastcopy.jsonb(doc.encode("utf-8", "surrogateescape")) is None
