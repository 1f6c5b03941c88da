"""PostgreSQL values back into SQLite, in the form the app stored them (a rollback).

The target's rows are read as PostgreSQL's text output and turned back into what the app's
column held: a boolean into 1/0, a `timestamptz` into the text layout (or epoch number) the
column's existing values use, a decimal into its digits (SQLite's NUMERIC affinity then stores
it as the app's own INSERT would have), JSON into text, bytea into a BLOB. A layout with fewer
digits than the value is widened, never rounded: the rollback's proof reads the rows back
through `db migrate`'s reader and compares them with the target, so a value that would not
travel forward to the same value fails it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skylift.db.schema import Column, Table

Convert = Callable[[str], Any]
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_TEXT_TS = re.compile(
    r"^\d{4}-\d\d-\d\d(?P<sep>[ T])\d\d:\d\d(?::\d\d)?(?P<frac>\.\d+)?(?P<zone>Z|[+-]\d\d:?\d\d)?$"
)


@dataclass
class Layout:
    """How a column's existing timestamps are written."""

    kind: str = "text"  # text | seconds | millis | float
    sep: str = " "
    digits: int = 0  # fraction digits most values carry
    zone: str = ""  # '', 'Z', '+00:00'


def _layout(conn: sqlite3.Connection, table: Table, col: Column) -> Layout:
    c, t = _q(col.name), _q(table.name)
    rows = conn.execute(f"SELECT {c} FROM {t} WHERE {c} IS NOT NULL LIMIT 200").fetchall()
    values = [r[0] for r in rows]
    numbers = [v for v in values if isinstance(v, int | float)]
    if values and len(numbers) * 2 > len(values):
        if any(isinstance(v, float) for v in numbers):
            return Layout("float")
        return Layout("millis" if max(abs(v) for v in numbers) >= 10**11 else "seconds")
    seps: dict[str, int] = {}
    digits: dict[int, int] = {}
    zones: dict[str, int] = {}
    for value in values:
        found = _TEXT_TS.match(value) if isinstance(value, str) else None
        if found:
            seps[found["sep"]] = seps.get(found["sep"], 0) + 1
            n = len(found["frac"] or ".") - 1
            digits[n] = digits.get(n, 0) + 1
            zone = found["zone"] or ""
            zones[zone] = zones.get(zone, 0) + 1
    if not seps:
        return Layout()
    return Layout("text", _most(seps), _most(digits), _most(zones))


def _most(counts: dict[Any, int]) -> Any:
    return max(counts.items(), key=lambda item: item[1])[0]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace(" ", "T", 1))
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _timestamp(layout: Layout) -> Convert:
    def convert(text: str) -> Any:
        value = _instant(text)
        if layout.kind != "text":
            micros = (value - EPOCH) // dt.timedelta(microseconds=1)
            if layout.kind == "millis":
                return micros // 1000 if micros % 1000 == 0 else micros / 1000
            if layout.kind == "seconds" and micros % 1_000_000 == 0:
                return micros // 1_000_000
            return micros / 1_000_000
        exact = f"{value.microsecond:06d}".rstrip("0")
        digits = max(layout.digits, len(exact))  # never fewer digits than the value has
        frac = f".{value.microsecond:06d}"[: digits + 1] if digits else ""
        zone = {"Z": "Z", "": ""}.get(layout.zone, "+00:00")
        return f"{value:%Y-%m-%d}{layout.sep}{value:%H:%M:%S}{frac}{zone}"

    return convert


def _bool(text: str) -> Any:
    return 1 if text in ("t", "true") else 0  # boolean::text is true/false


def _bytes(text: str) -> Any:
    return bytes.fromhex(text[2:])


def _uuid_blob(text: str) -> Any:
    return uuid.UUID(text).bytes


def converters(conn: sqlite3.Connection, table: Table) -> list[Convert | None]:
    """For each column, how its PostgreSQL text becomes the SQLite value (None: as is)."""
    out: list[Convert | None] = []
    for col in table.columns:
        plan = col.extra.get("plan")
        kind = col.kind
        if kind == "int":
            out.append(int)
        elif kind == "float":
            out.append(float)
        elif kind == "bool":
            out.append(_bool)
        elif kind == "bytes":
            out.append(_bytes)
        elif kind == "timestamptz":
            out.append(_timestamp(_layout(conn, table, col)))
        elif (
            kind == "text_repr"
            and getattr(plan, "convert", None) == "uuid"
            and _blobs(conn, table, col)
        ):
            out.append(_uuid_blob)
        else:
            out.append(None)  # text, numeric digits, JSON text, dates: as PostgreSQL prints them
    return out


def _blobs(conn: sqlite3.Connection, table: Table, col: Column) -> bool:
    c = _q(col.name)
    row = conn.execute(
        f"SELECT typeof({c}) FROM {_q(table.name)} WHERE {c} IS NOT NULL LIMIT 1"
    ).fetchone()
    return bool(row and row[0] == "blob")


def write_back(path: Any, tables: list[tuple[Table, list[str], list[tuple[Any, ...]], bool]],
               mark: tuple[str, str]) -> None:  # fmt: skip
    """One transaction into the (frozen) SQLite file: for each table (parents first), the
    touched keys removed and the target's rows for them written, and `mark` (a key and value
    of skylift's state) recorded. `tables`: (table, keys as JSON arrays, the target's rows for
    them as PostgreSQL text, whether the table is replaced whole). The app's own triggers are dropped and created again
    inside the transaction (they would rewrite an `updated_at`); foreign keys stay off, so no
    ON DELETE CASCADE removes more than the target removed."""
    from skylift.db.sync.sqlite import STATE, writer

    conn = writer(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"UPDATE {STATE} SET value = '0' WHERE key = 'frozen'")
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            " AND substr(name, 1, 9) <> '_skylift_'"
        ).fetchall()
        for name, _sql in triggers:
            conn.execute(f"DROP TRIGGER {_q(name)}")
        for table, keys, _rows, whole in reversed(tables):
            _delete(conn, table, keys, whole)
        for table, _keys, rows, _whole in tables:
            _insert(conn, table, rows)
        for _name, sql in triggers:
            conn.execute(sql)
        _sequences(conn, [t for t, *_rest in tables])
        conn.execute(f"INSERT OR REPLACE INTO {STATE} VALUES (?, ?)", mark)
        conn.execute(f"UPDATE {STATE} SET value = '1' WHERE key = 'frozen'")
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def _delete(conn: sqlite3.Connection, table: Table, keys: list[str], whole: bool) -> None:
    if whole or not table.primary_key:
        conn.execute(f"DELETE FROM {_q(table.name)}")
        return
    where = " AND ".join(f"{_q(c)} = ?" for c in table.primary_key)
    conn.executemany(f"DELETE FROM {_q(table.name)} WHERE {where}", source_keys(conn, table, keys))


def source_keys(conn: sqlite3.Connection, table: Table, keys: Any) -> list[tuple[Any, ...]]:
    """The keys as the target's capture records them (to_jsonb: an instant as ISO text with
    its offset, a boolean as true) in the form the column holds them, as the rows are written
    back: `2025-01-31 10:00:00`, an epoch number, 1."""
    convert = key_converter(conn, table)
    return [convert(k) for k in keys]


def key_converter(conn: sqlite3.Connection, table: Table) -> Callable[[str], tuple[Any, ...]]:
    """One key's JSON (the target's form) -> the key as the source's columns hold it."""
    names = [c.name for c in table.columns]
    funcs = converters(conn, table)
    picked = [funcs[names.index(k)] for k in table.primary_key]
    return lambda k: tuple(_key_value(f, v) for f, v in zip(picked, json.loads(k), strict=True))


def _key_value(func: Convert | None, value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and func is not None:
        return func(value)
    return value


def _insert(conn: sqlite3.Connection, table: Table, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    funcs = converters(conn, table)
    cols = ", ".join(_q(c.name) for c in table.columns)
    marks = ", ".join("?" for _ in table.columns)
    values = [
        tuple(None if v is None else (f(v) if f else v) for f, v in zip(funcs, row, strict=True))
        for row in rows
    ]  # fmt: skip
    conn.executemany(f"INSERT INTO {_q(table.name)} ({cols}) VALUES ({marks})", values)


def _sequences(conn: sqlite3.Connection, tables: list[Table]) -> None:
    """AUTOINCREMENT tables: sqlite_sequence past every id the target handed out."""
    has = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone()
    if not has:
        return
    for table in tables:
        if not any(c.identity for c in table.columns):
            continue
        conn.execute(
            f"UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max({table.rowid}), 0) FROM"
            f" {_q(table.name)})) WHERE name = ?",
            (table.name,),
        )
