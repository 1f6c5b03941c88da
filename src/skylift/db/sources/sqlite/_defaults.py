"""SQLite column defaults as PostgreSQL defaults of the column's chosen type.

SQLite stores a default as written and never checks it against the column: `DEFAULT ""` (a
string, where SQLite finds no column of that name), `DATETIME DEFAULT 0`, `INTEGER DEFAULT
'"0"'` (an ORM quoting twice), `BOOLEAN DEFAULT 'f'` (Rails), `DEFAULT (lower(hex(randomblob(16))))`.
A literal is read as SQLite reads it, then converted the way the column's values are (db/values
kinds); one with no meaning in the new type is dropped with a note. Nothing here refuses a table.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from skylift.db.sources.sqlite._dates import parse_iso

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TRUE = ("1", "t", "true", "yes", "y", "on")
_FALSE = ("0", "f", "false", "no", "n", "off")
_RANDOM_HEX = re.compile(r"(lower\s*\(\s*)?hex\s*\(\s*randomblob\s*\(\s*16\s*\)\s*\)(\s*\))?", re.I)
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")


@dataclass
class Translated:
    """The PostgreSQL default (None: none), and what the user should read about it."""

    sql: str | None
    note: str | None = None
    severity: str = "info"


class _NotLiteral(Exception):
    pass


def column_default(raw: str, kind: str, pg_type: str) -> Translated:
    """The PostgreSQL default of a SQLite column: SQLite's "now" expressions, literals and the
    random id converted for the column, other expressions through sqlglot (sql None when they
    use SQLite-only functions: work for a human)."""
    from skylift.db.sources.sqlite import _ddl as ddl  # sqlglot: only for expressions

    sql = ddl.strip_parens(raw)
    special = ddl.now_default(sql, kind)
    if special:
        return Translated(special)
    typed = translate(sql, kind, pg_type)
    if typed is not None:
        return typed
    translated = ddl.expression(sql)
    if translated is None:
        return Translated(
            None, f"default {raw} has no PostgreSQL equivalent: set it by hand", "manual"
        )
    return Translated(translated)


def literal(sql: str) -> Any:
    """A default that is a literal, as SQLite reads it: 'text', "text" (SQLite's fallback for
    a double-quoted word that names no column), numbers, TRUE/FALSE, X'..' blobs, NULL."""
    s = sql.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1].replace(s[0] * 2, s[0])
    if _NUMBER.fullmatch(s):
        return int(s) if re.fullmatch(r"[+-]?\d+", s) else float(s)
    if re.fullmatch(r"[+-]?0[xX][0-9a-fA-F]+", s):
        return int(s, 16)
    if re.fullmatch(r"[xX]'([0-9a-fA-F]{2})*'", s):
        return bytes.fromhex(s[2:-1])
    upper = s.upper()
    if upper in ("TRUE", "FALSE"):
        return int(upper == "TRUE")
    if upper == "NULL":
        return None
    raise _NotLiteral(s)


def pg_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def translate(raw: str, kind: str, pg_type: str) -> Translated | None:
    """A literal default for a column of `kind`; None when `raw` is not a literal."""
    try:
        value = literal(raw)
    except _NotLiteral:
        return _random(raw, kind)
    if value is None:
        return Translated(None)
    converter = for_type(kind, pg_type)
    result = converter(value, pg_type)
    if (
        result is None
        and isinstance(value, str)
        and len(value) >= 2
        and value[0] == value[-1] == '"'
    ):
        result = converter(value[1:-1], pg_type)  # '"0"': quoted twice by the ORM that wrote it
        if result is not None:
            return Translated(result, f"DEFAULT {raw} quoted twice: taken as {result}")
    if result is not None:
        return Translated(result)
    if value == "" or (kind in ("date", "timestamptz", "timestamp") and value in (0, "0")):
        meaning = "an empty string" if value == "" else "0 (no date)"
        return Translated(None, f"DEFAULT {raw} dropped: {meaning} has no {pg_type} value"
                          " (SQLite stored it as it is); a row inserted without this column gets NULL")  # fmt: skip
    return Translated(None, f"DEFAULT {raw} dropped: not a {pg_type} value", "warning")


def _random(raw: str, kind: str) -> Translated | None:
    """`lower(hex(randomblob(16)))`, the usual SQLite random id, as 32 random hex digits."""
    found = _RANDOM_HEX.fullmatch(raw.strip())
    if not found or kind not in ("text", "text_repr"):
        return None
    hexed = "replace(gen_random_uuid()::text, '-', '')"
    sql = hexed if found.group(1) else f"upper({hexed})"
    return Translated(sql, f"DEFAULT {raw}: 32 random hex digits from gen_random_uuid() "
                      "(122 random bits instead of 128)")  # fmt: skip


def _as_int(value: Any, pg_type: str) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        value = int(value)
    return str(value) if isinstance(value, int) and -(2**63) <= value < 2**63 else None


def _as_number(value: Any, pg_type: str) -> str | None:
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    return None


def _as_bool(value: Any, pg_type: str) -> str | None:
    text = str(value).strip().lower()
    return "true" if text in _TRUE else "false" if text in _FALSE else None


def _as_text(value: Any, pg_type: str) -> str | None:
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return pg_literal(value if isinstance(value, str) else repr(value))


def _as_bytes(value: Any, pg_type: str) -> str | None:
    data = value if isinstance(value, bytes) else str(value).encode()
    return f"'\\x{data.hex()}'::bytea"


def _as_json(value: Any, pg_type: str) -> str | None:
    text = value if isinstance(value, str) else json.dumps(value)
    try:
        json.loads(text, parse_constant=_refuse)
    except ValueError:
        return None
    return pg_literal(text)


def _refuse(name: str) -> Any:
    raise ValueError(name)


def _as_date(value: Any, pg_type: str) -> str | None:
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        return None
    try:
        parsed = parse_iso(value)
    except ValueError:
        return None
    if pg_type == "date":
        return pg_literal(parsed.date().isoformat())
    if parsed.tzinfo is None and pg_type.startswith("timestamptz"):
        parsed = parsed.replace(tzinfo=dt.UTC)  # the time-zone rule: no offset is UTC
    return pg_literal(parsed.isoformat(sep=" "))


def _as_uuid(value: Any, pg_type: str) -> str | None:
    try:
        return pg_literal(str(uuid.UUID(str(value))))
    except ValueError:
        return None


_BY_KIND = {
    "int": _as_int,
    "float": _as_number,
    "numeric": _as_number,
    "bool": _as_bool,
    "text": _as_text,
    "json": _as_json,
    "bytes": _as_bytes,
    "date": _as_date,
    "timestamptz": _as_date,
    "timestamp": _as_date,
}


def for_type(kind: str, pg_type: str) -> Any:
    """The converter of a kind, uuid columns (kind text_repr) included."""
    return _as_uuid if pg_type == "uuid" else _BY_KIND.get(kind, _as_text)
