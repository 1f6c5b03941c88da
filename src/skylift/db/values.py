"""Value kinds and their canonical form, shared by every source and by verification.

Each column has a `kind` (a value class, coarser than a PostgreSQL type). Verification reads the
target back with the column cast to the kind's `read_as` type, turns each value into its
canonical form with `canonical()`, and compares a digest of the canonical row with the digest a
source computes from its own values. Canonical forms are chosen so that a faithful copy compares
equal and any change — one float bit, one character, one microsecond — does not:

    int        int                         float      float (compared by repr: exact)
    numeric    normalized Decimal, as str  bool       0 or 1 (int)
    text       str                         bytes      bytes
    json       JSON with sorted keys, numbers as normalized decimals
    date       PostgreSQL text: '2025-01-31'
    time       PostgreSQL text: '10:00:00', '10:00:00.5'
    timestamp  PostgreSQL text: '2025-01-31 10:00:00.123'
    timestamptz PostgreSQL text in UTC: '2025-01-31 10:00:00+00' (verification reads with TimeZone=UTC)
    text_repr  PostgreSQL's text output (uuid, enum, arrays, vector, interval, ...)

The target side reads the READ_AS cast and needs little work; a source's canonical rows use the
same forms (pg_timestamptz_text, pg_date_text, canonical_decimal, canonical_json).
"""

from __future__ import annotations

import datetime as dt
import json
import marshal
from collections.abc import Callable, Iterable
from decimal import Decimal
from itertools import repeat
from typing import Any

import xxhash

# kind -> the type the target column is cast to when read back for verification
READ_AS: dict[str, str] = {
    "int": "int8",
    "float": "float8",
    "numeric": "numeric",
    "bool": "int4",
    "text": "text",
    "bytes": "bytea",
    "json": "text",
    "date": "text",
    "time": "text",
    "timestamp": "text",
    "timestamptz": "text",
    "text_repr": "text",
}
KINDS = frozenset(READ_AS)
MASK = (1 << 64) - 1


def canonical_decimal(value: Decimal | int | float | str) -> str:
    dec = (
        value
        if isinstance(value, Decimal)
        else Decimal(repr(value) if isinstance(value, float) else value)
    )
    if not dec.is_finite():
        return str(dec)
    normal = dec.normalize()
    return "0" if normal.is_zero() else str(normal)


def _json_number(text: str) -> Decimal:
    return Decimal(text)


def canonical_json(text: str | bytes) -> str:
    """JSON with sorted keys and exact numbers: jsonb's reordering and 1.0/1 forms compare equal."""
    return _dump_json(json.loads(text, parse_float=_json_number, parse_int=_json_number))


def _dump_json(obj: Any) -> str:
    if isinstance(obj, dict):
        items = sorted(obj.items())
        return (
            "{"
            + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_dump_json(v)}" for k, v in items)
            + "}"
        )
    if isinstance(obj, list):
        return "[" + ",".join(_dump_json(v) for v in obj) + "]"
    if isinstance(obj, Decimal):
        return canonical_decimal(obj)
    return json.dumps(obj, ensure_ascii=False)


def _fraction(micro: int) -> str:
    return f".{micro:06d}".rstrip("0") if micro else ""


def pg_timestamptz_text(value: dt.datetime) -> str:
    """PostgreSQL's output of a timestamptz in UTC; a naive value is taken as UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return f"{value.year:04d}-{value:%m-%d %H:%M:%S}{_fraction(value.microsecond)}+00"


def pg_date_text(value: dt.date) -> str:
    return f"{value.year:04d}-{value:%m-%d}"


# target-side canonicalizers (psycopg values of the READ_AS type); None means "as is"
TARGET: dict[str, Callable[[Any], Any] | None] = {
    "int": None,
    "float": None,
    "numeric": canonical_decimal,
    "bool": None,
    "text": None,
    "bytes": bytes,
    "json": canonical_json,
    "date": None,
    "time": None,
    "timestamp": None,
    "timestamptz": None,
    "text_repr": None,
}


def _dump(row: tuple[Any, ...]) -> bytes:
    try:
        return marshal.dumps(row, 2)  # version 2: no back-references, same bytes for equal rows
    except ValueError:  # a type marshal does not know (should not happen for canonical rows)
        return repr(row).encode("utf-8", "surrogatepass")


def row_digest(values: Iterable[Any]) -> int:
    """A 64-bit digest of one canonical row (order-independent sums of these compare tables)."""
    return xxhash.xxh3_64_intdigest(_dump(tuple(values)))


def digest_rows(rows: Iterable[tuple[Any, ...]]) -> int:
    """Sum of the rows' digests modulo 2^64. C-level iteration: no Python bytecode per row."""
    try:
        total = sum(map(xxhash.xxh3_64_intdigest, map(marshal.dumps, rows, repeat(2))))
    except ValueError:
        total = sum(map(xxhash.xxh3_64_intdigest, map(_dump, rows)))
    return total & MASK


def digest_records(records: Iterable[Any]) -> int:
    """Sum (mod 2^64) of the xxh3 digests of binary COPY records: independent of their order,
    so a table can be read back in any order, in parallel slices."""
    return sum(map(xxhash.xxh3_64_intdigest, records)) & MASK


def digest_lines(data: bytes) -> int:
    """Sum of the digests of the newline-separated pieces of `data` (CSV records; a record with
    a newline inside a quoted value is split the same way on both sides)."""
    return sum(map(xxhash.xxh3_64_intdigest, data.split(b"\n"))) & MASK


def canonicalizer(kinds: list[str]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A function turning a target row (read with READ_AS casts) into its canonical tuple."""
    funcs = [TARGET[k] for k in kinds]
    active = [(i, f) for i, f in enumerate(funcs) if f is not None]
    if not active:
        return lambda row: row

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        out = list(row)
        for i, func in active:
            if out[i] is not None:
                out[i] = func(out[i])
        return tuple(out)

    return convert
