"""MySQL values, as the text protocol sends them (raw bytes), checked and made ready for COPY.

Per column, two functions: `copy` takes the raw bytes (never None) and gives the value COPY
writes (mostly MySQL's own text, which PostgreSQL reads as it is: numbers, dates, exact floats),
None for a zero date, or raises `Bad` with the reason when PostgreSQL cannot store the value as
it is; `canonical` takes that value and gives its canonical form (db/values.py), the one
verification compares with what it reads back from the target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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


def _timestamptz(raw: bytes) -> str | None:
    value = _datetime(raw)
    return None if value is None else value + "+00"  # read with time_zone '+00:00'


def _time(raw: bytes) -> str:
    value = raw.decode("ascii")
    hours = value.split(":", 1)[0]
    if value.startswith("-") or len(hours) != 2 or int(hours) >= 24:
        raise Bad(f"TIME {value} outside 00:00..24:00 (a duration? make the column interval)")
    return value


def _year(raw: bytes) -> str | None:
    return raw.decode("ascii") if int(raw) else None  # YEAR 0000 is MySQL's zero value


def _enum(labels: list[str]) -> Func:
    allowed = set(labels)

    def convert(raw: bytes) -> str:
        value = text(raw)
        if value not in allowed:
            raise Bad(f"{value!r} is not a value of the enum (MySQL's empty error value)")
        return value

    return convert


def _set(raw: bytes) -> str:
    """As an array literal (COPY's text input of text[])."""
    value = text(raw)
    return pg_array_text(value.split(",") if value else [])


def pg_array_text(items: list[str]) -> str:
    """PostgreSQL's text output of a text[] (what verification reads back)."""

    def elem(s: str) -> str:
        if s == "" or s.lower() == "null" or any(c in s for c in '{},"\\ \t\n'):
            return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return s

    return "{" + ",".join(elem(s) for s in items) + "}"


def _bits(width: int) -> Func:
    return lambda raw: format(int.from_bytes(raw, "big"), f"0{width}b")


def ewkb_hex(internal: bytes) -> str:
    """MySQL's geometry (4-byte little-endian SRID, then little-endian WKB) as PostGIS prints a
    geometry: hex EWKB, the SRID flag and SRID after the type when the SRID is not 0."""
    srid, wkb = internal[:4], internal[4:]
    if srid == bytes(4):
        return wkb.hex().upper()
    return (wkb[:4] + bytes([wkb[4] | 0x20]) + srid + wkb[5:]).hex().upper()


def _ascii(raw: bytes) -> str:
    return raw.decode("ascii")


def same(value: Any) -> Any:
    return value


def _tz_canonical(value: str) -> str:
    return _trim(value[:-3]) + "+00"


def _json_canonical(value: str) -> str:
    try:
        return values.canonical_json(value)
    except ValueError as exc:  # MySQL checks JSON; PostgreSQL will refuse the row anyway
        return f"<invalid JSON: {exc}>"


def functions(col: Column) -> tuple[Func, Callable[[Any], Any]]:
    """(copy, canonical): `copy` turns the raw bytes into what COPY writes (or raises Bad),
    `canonical` turns that into its canonical form."""
    dtype = col.extra.get("data_type")
    kind = col.kind
    if dtype == "year":
        return _year, int
    if kind == "bool":
        if dtype == "bit":
            return lambda raw: "1" if any(raw) else "0", int
        return _ascii, int  # tinyint(1): '0' and '1' are boolean input; 0/1 canonical
    if kind == "int":
        return _ascii, int
    if kind == "float":
        return _ascii, float  # exact: doubles print round-trip, FLOAT is read as col + 0e0
    if kind == "numeric":
        return _ascii, values.canonical_decimal
    if kind == "json":
        return _json, _json_canonical
    if kind == "bytes":
        return same, same
    if col.pg_type == "geometry":
        return ewkb_hex, same
    if kind == "date":
        return _date, same
    if kind == "timestamp":
        return _datetime, _trim
    if kind == "timestamptz":
        return _timestamptz, _tz_canonical
    if kind == "time":
        return _time, _trim
    if dtype == "enum":
        return _enum(list(col.extra["labels"])), same
    if dtype == "set":
        return _set, same
    if dtype == "bit":
        return _bits(int(col.pg_type[4:-1])), same
    return text, same
