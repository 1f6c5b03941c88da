"""Value kinds and their canonical form, shared by every source and by verification.

Each column has a `kind` (a value class, coarser than a PostgreSQL type). Verification reads the
target back with the column cast to the kind's `read_as` type, turns each value into its
canonical form with `canonical()`, and compares a digest of the canonical row with the digest a
source computes from its own values. Canonical forms are chosen so that a faithful copy compares
equal and any change — one float bit, one character, one microsecond — does not:

    int        int                         float      float (compared by repr: exact)
    numeric    normalized Decimal, as str  bool       bool
    text       str                         bytes      bytes
    json       JSON with sorted keys, numbers as normalized decimals
    date       PostgreSQL text: '2025-01-31'
    time       PostgreSQL text: '10:00:00', '10:00:00.5'
    timestamp  PostgreSQL text: '2025-01-31 10:00:00.123'
    timestamptz PostgreSQL text in UTC: '2025-01-31 10:00:00+00' (verification reads with TimeZone=UTC)
    text_repr  PostgreSQL's text output (uuid, enum, arrays, vector, interval, ...)

Sources produce canonical values with `to_canonical(kind, value)` from their own Python values
(datetime, Decimal, bytes, ...); the target side reads the READ_AS cast and needs little work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

# kind -> the type the target column is cast to when read back for verification
READ_AS: dict[str, str] = {
    "int": "int8",
    "float": "float8",
    "numeric": "numeric",
    "bool": "bool",
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
    obj = json.loads(text, parse_float=_json_number, parse_int=_json_number)
    return json.dumps(
        _normalize_json(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def _normalize_json(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _normalize_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_normalize_json(v) for v in obj]
    if isinstance(obj, Decimal):
        return _JsonNumber(canonical_decimal(obj))
    return obj


class _JsonNumber(float):
    """Serialises as its exact decimal text (json.dumps calls float.__repr__)."""

    def __new__(cls, text: str) -> _JsonNumber:
        inst = super().__new__(cls, 0.0)
        inst.text = text  # type: ignore[attr-defined]
        return inst

    def __repr__(self) -> str:
        return self.text  # type: ignore[attr-defined]


def _fraction(micro: int) -> str:
    return f".{micro:06d}".rstrip("0") if micro else ""


def pg_timestamptz_text(value: dt.datetime) -> str:
    """PostgreSQL's output of a timestamptz in UTC; a naive value is taken as UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return f"{value.year:04d}-{value:%m-%d %H:%M:%S}{_fraction(value.microsecond)}+00"


def pg_timestamp_text(value: dt.datetime) -> str:
    return f"{value.year:04d}-{value:%m-%d %H:%M:%S}{_fraction(value.microsecond)}"


def pg_date_text(value: dt.date) -> str:
    return f"{value.year:04d}-{value:%m-%d}"


def pg_time_text(value: dt.time) -> str:
    return f"{value:%H:%M:%S}{_fraction(value.microsecond)}"


def to_canonical(kind: str, value: Any) -> Any:
    """The canonical form of a source value already converted to the Python type of its kind
    (int, float, Decimal, bool, str, bytes, datetime, date, time; JSON as text)."""
    if value is None:
        return None
    if kind == "float":
        return float(value)
    if kind == "numeric":
        return canonical_decimal(value)
    if kind == "bool":
        return bool(value)
    if kind == "bytes":
        return bytes(value)
    if kind == "json":
        return canonical_json(value)
    if kind == "timestamptz" and isinstance(value, dt.datetime):
        return pg_timestamptz_text(value)
    if kind == "timestamp" and isinstance(value, dt.datetime):
        return pg_timestamp_text(value)
    if kind == "date" and isinstance(value, dt.date):
        return pg_date_text(value)
    if kind == "time" and isinstance(value, dt.time):
        return pg_time_text(value)
    return value


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


def row_digest(values: Iterable[Any]) -> int:
    """A 64-bit digest of one canonical row (order-independent sums of these compare tables)."""
    data = repr(tuple(values)).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


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
