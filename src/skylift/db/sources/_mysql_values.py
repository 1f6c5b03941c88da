"""MySQL values, as the text protocol sends them (raw bytes), checked and made ready for COPY.

Per column, two functions of the raw bytes (never None): `copy` gives the value COPY writes
(mostly MySQL's own text, which PostgreSQL reads as it is: numbers, dates, exact floats), and
`canonical` its canonical form for verification (db/values.py). Both raise `Bad` with the reason
when PostgreSQL cannot store the value as it is; both may return None for a zero date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from skylift.db import values
from skylift.db.schema import Column

Func = Callable[[bytes], Any]


class Bad(Exception):
    """A value PostgreSQL cannot store as it is; args[0] is the reason."""


def text(raw: bytes) -> str:
    try:
        value = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Bad(f"invalid UTF-8 at byte {exc.start}") from None
    if "\x00" in value:
        raise Bad("NUL byte in text (PostgreSQL text cannot hold \\x00)")
    return value


def _json(raw: bytes) -> str:
    value = text(raw)
    if "\\u0000" in value:
        raise Bad("JSON string with \\u0000 (jsonb cannot hold NUL)")
    return value


def _canonical_json(raw: bytes) -> str:
    try:
        return values.canonical_json(_json(raw))
    except ValueError as exc:
        raise Bad(f"invalid JSON: {exc}") from None


def _zero(value: str) -> bool:
    return value.startswith("0000-00-00") and not value.strip("0-: .")


def _date(raw: bytes) -> str | None:
    value = raw.decode("ascii")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        if _zero(value):
            return None  # a zero date: NULL, counted per column in the schema notes
        raise Bad(f"impossible date {value!r}") from None
    return value


def _datetime(raw: bytes) -> str | None:
    value = raw.decode("ascii")
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        if _zero(value):
            return None
        raise Bad(f"impossible date {value!r}") from None
    return value


def _trim(value: str) -> str:
    """PostgreSQL prints fractions of a second without trailing zeros."""
    return value.rstrip("0").rstrip(".") if "." in value else value


def _timestamp_canonical(raw: bytes) -> str | None:
    value = _datetime(raw)
    return None if value is None else _trim(value)


def _timestamptz(raw: bytes) -> str | None:
    value = _datetime(raw)
    return None if value is None else value + "+00"  # read with time_zone '+00:00'


def _timestamptz_canonical(raw: bytes) -> str | None:
    value = _datetime(raw)
    return None if value is None else _trim(value) + "+00"


def _time(raw: bytes) -> str:
    value = raw.decode("ascii")
    hours = value.split(":", 1)[0]
    if value.startswith("-") or len(hours) != 2 or int(hours) >= 24:
        raise Bad(f"TIME {value} outside 00:00..24:00 (a duration? make the column interval)")
    return value


def _time_canonical(raw: bytes) -> str:
    return _trim(_time(raw))


def _year(raw: bytes) -> int | None:
    return int(raw) or None  # YEAR 0000 is MySQL's zero value


def _bit1(raw: bytes) -> int:
    return int(any(raw))


def _enum(labels: list[str]) -> Func:
    allowed = set(labels)

    def convert(raw: bytes) -> str:
        value = text(raw)
        if value not in allowed:
            raise Bad(f"{value!r} is not a value of the enum (MySQL's empty error value)")
        return value

    return convert


def _set(raw: bytes) -> list[str]:
    value = text(raw)
    return value.split(",") if value else []


def pg_array_text(items: list[str]) -> str:
    """PostgreSQL's text output of a text[] (what verification reads back)."""

    def elem(s: str) -> str:
        if s == "" or s.lower() == "null" or any(c in s for c in '{},"\\ \t\n'):
            return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return s

    return "{" + ",".join(elem(s) for s in items) + "}"


def _bits(width: int) -> Func:
    return lambda raw: format(int.from_bytes(raw, "big"), f"0{width}b")


def _numeric(raw: bytes) -> str:
    return values.canonical_decimal(Decimal(raw.decode("ascii")))


def _ascii(raw: bytes) -> str:
    return raw.decode("ascii")


def _same(raw: bytes) -> bytes:
    return raw


def functions(col: Column) -> tuple[Func, Func]:
    """(copy, canonical) for one column."""
    dtype = col.extra.get("data_type")
    kind = col.kind
    if dtype == "year":
        return _year, _year
    if kind == "bool":
        if dtype == "bit":
            return lambda raw: "t" if any(raw) else "f", _bit1
        return _ascii, int  # tinyint(1): '0' and '1' are boolean input; 0/1 canonical
    if kind == "int":
        return _ascii, int
    if kind == "float":
        return _ascii, float  # exact: doubles print round-trip, FLOAT is read as col + 0e0
    if kind == "numeric":
        return _ascii, _numeric
    if kind == "json":
        return _json, _canonical_json
    if kind == "bytes":
        return _same, _same
    if kind == "date":
        return _date, _date
    if kind == "timestamp":
        return _datetime, _timestamp_canonical
    if kind == "timestamptz":
        return _timestamptz, _timestamptz_canonical
    if kind == "time":
        return _time, _time_canonical
    if dtype == "enum":
        check = _enum(list(col.extra["labels"]))
        return check, check
    if dtype == "set":
        return _set, lambda raw: pg_array_text(_set(raw))
    if dtype == "bit":
        bits = _bits(int(col.pg_type[4:-1]))
        return bits, bits
    return text, text
