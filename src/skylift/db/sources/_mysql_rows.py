"""Stream MySQL rows: chunk plans, one snapshot per reader, and a checked conversion per value.

Every value goes through the converter of its column, which returns the value PostgreSQL will
store or raises `Bad` with the reason; a row with a bad value becomes a Reject (whole row kept).
The same conversion feeds `canonical_rows`, whose canonical forms follow db/values.py.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial
from typing import Any

from skylift.db import values
from skylift.db.schema import Column, Table
from skylift.db.sources import Chunk, Reject, _sqlite_read
from skylift.db.sources._mysql_sql import quote
from skylift.db.sources.mysql import binlog_position, connect
from skylift.errors import SourceError

UTC = dt.UTC
_DAY = dt.timedelta(days=1)


class Bad(Exception):
    """A value PostgreSQL cannot store as it is; args[0] is the reason."""


def plan_chunks(conn: Any, table: Table, rows_per_chunk: int) -> list[Chunk]:
    """Key ranges of about `rows_per_chunk` rows on a single integer key, else one chunk.

    Boundaries depend only on (min, max, count) of the key, so an unchanged table gets the same
    chunks on a rerun (resume relies on it)."""
    key = _int_key(table)
    if key is None:
        return [Chunk(table.name, 0)]
    q = quote(key)
    with conn.cursor() as cur:
        cur.execute(f"SELECT MIN({q}), MAX({q}), COUNT(*) FROM {quote(table.name)}")
        lo, hi, count = cur.fetchone()
    parts = math.ceil(int(count) / rows_per_chunk)
    if lo is None or parts <= 1:
        return [Chunk(table.name, 0)]
    step = math.ceil((int(hi) - int(lo) + 1) / parts)
    bounds = [int(lo) + i * step for i in range(1, parts)]
    edges: list[int | None] = [None, *bounds, None]
    return [Chunk(table.name, i, edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


def _int_key(table: Table) -> str | None:
    if len(table.primary_key) != 1:
        return None
    col = table.column(table.primary_key[0])
    return col.name if col.kind == "int" else None


# ---- value converters: source value (strings as bytes) -> PostgreSQL value, or raise Bad ----


def _text(value: bytes) -> str:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Bad(f"invalid UTF-8 at byte {exc.start}") from None
    if "\x00" in text:
        raise Bad("NUL byte in text (PostgreSQL text cannot hold \\x00)")
    return text


def _json(value: bytes) -> str:
    text = _text(value)
    try:
        values.canonical_json(text)
    except ValueError as exc:
        raise Bad(f"invalid JSON: {exc}") from None
    if "\\u0000" in text:
        raise Bad("JSON string with \\u0000 (jsonb cannot hold NUL)")
    return text


def _date_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value
    text = value.decode() if isinstance(value, bytes) else str(value)
    if text.startswith("0000-00-00") and not text.strip("0-: ."):
        return None  # a zero date: NULL, counted in the schema notes
    raise Bad(f"impossible date {text!r}")


def _timestamptz(value: Any) -> Any:
    value = _date_value(value)
    return None if value is None else value.replace(tzinfo=UTC)


def _time(value: Any) -> dt.time:
    if not isinstance(value, dt.timedelta) or not dt.timedelta(0) <= value < _DAY:
        raise Bad("TIME outside 00:00..24:00 (a duration? make the column interval)")
    micro = value.seconds * 1_000_000 + value.microseconds
    return dt.time(
        micro // 3_600_000_000, micro // 60_000_000 % 60, micro // 1_000_000 % 60, micro % 1_000_000
    )


def _bool(value: Any) -> bool:
    if isinstance(value, bytes):
        return value != b"\x00" and any(value)
    return bool(value)


def _enum(labels: list[str]) -> Callable[[bytes], str]:
    allowed = set(labels)

    def convert(value: bytes) -> str:
        text = _text(value)
        if text not in allowed:
            raise Bad(f"{text!r} is not a value of the enum (MySQL's empty error value)")
        return text

    return convert


def _set(value: bytes) -> list[str]:
    text = _text(value)
    return text.split(",") if text else []


def _bits(width: int) -> Callable[[bytes], str]:
    return lambda value: format(int.from_bytes(value, "big"), f"0{width}b")


def converter(col: Column) -> Callable[[Any], Any] | None:
    """The converter for one column (None: the driver's value is already right)."""
    dtype = col.extra.get("data_type")
    if col.kind == "bool":
        return _bool
    if col.kind == "json":
        return _json
    if col.kind in ("date", "timestamp"):
        return _date_value
    if col.kind == "timestamptz":
        return _timestamptz
    if col.kind == "time":
        return _time
    if dtype == "enum":
        return _enum(list(col.extra["labels"]))
    if dtype == "set":
        return _set
    if dtype == "bit":
        return _bits(int(col.pg_type[4:-1]))
    if dtype == "year":
        return lambda v: None if v == 0 else v
    if col.kind in ("text", "text_repr"):
        return _text
    return None


# ---- canonical forms (db/values.py) of converted values ----


def _pg_array_text(items: list[str]) -> str:
    def elem(s: str) -> str:
        if s == "" or s.lower() == "null" or any(c in s for c in '{},"\\ \t\n'):
            return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return s

    return "{" + ",".join(elem(s) for s in items) + "}"


def canonical_func(col: Column) -> Callable[[Any], Any] | None:
    """The canonical form (db/values.py) of a converted value; None: it already is."""
    if col.pg_type == "text[]":
        return _pg_array_text
    if col.kind in ("int", "text", "text_repr"):
        return None
    return partial(values.to_canonical, col.kind)


def json_safe(value: Any) -> Any:
    """A value for the reject's JSON row: no NUL (jsonb refuses it), non-UTF-8 bytes as hex."""
    if isinstance(value, bytes | str):
        return _sqlite_read.json_safe(value)
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


class MySQLReader:
    """One connection, one consistent snapshot (START TRANSACTION WITH CONSISTENT SNAPSHOT)."""

    def __init__(self, params: dict[str, Any], start_position: str | None) -> None:
        self.params = params
        self.start_position = start_position
        self._conn: Any = None
        self._rejects: dict[str, list[Reject]] = {}

    def _connection(self) -> Any:
        if self._conn is None:
            conn = connect(self.params, streaming=True)
            with conn.cursor() as cur:
                cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            position = binlog_position(conn)
            if self.start_position is not None and position != self.start_position:
                conn.close()
                raise SourceError(
                    "the MySQL source changed while it was being copied",
                    f"its binary log moved from {self.start_position} to {position}: some rows"
                    " would come from before the change and some from after",
                    "stop the application's writes (maintenance mode), then run the same"
                    " command again",
                )
            self._conn = conn
        return self._conn

    def _scan(self, table: Table, chunk: Chunk) -> Iterator[tuple[tuple[Any, ...] | None, Any]]:
        """(converted row, None) for good rows, (None, Reject) for bad ones."""
        select = ", ".join(
            f"{quote(c.name)} + 0e0" if c.kind == "float" else quote(c.name) for c in table.columns
        )
        sql = f"SELECT {select} FROM {quote(table.name)}"
        args: list[Any] = []
        key = _int_key(table)
        if key is not None and (chunk.lo is not None or chunk.hi is not None):
            conds = []
            if chunk.lo is not None:
                conds.append(f"{quote(key)} >= %s")
                args.append(chunk.lo)
            if chunk.hi is not None:
                conds.append(f"{quote(key)} < %s")
                args.append(chunk.hi)
            sql += " WHERE " + " AND ".join(conds)
        convs = [(i, f) for i, c in enumerate(table.columns) if (f := converter(c)) is not None]
        cur = self._connection().cursor()
        try:
            cur.execute(sql, args or None)
            for raw in cur.fetchall_unbuffered():
                row = list(raw)
                try:
                    for i, func in convs:
                        if row[i] is not None:
                            row[i] = func(row[i])
                except Bad as bad:
                    yield None, self._reject(table, raw, i, str(bad))
                    continue
                yield tuple(row), None
        finally:
            cur.close()

    def _reject(self, table: Table, raw: tuple[Any, ...], index: int, reason: str) -> Reject:
        names = [c.name for c in table.columns]
        row = {n: json_safe(v) for n, v in zip(names, raw, strict=False)}
        key_cols = table.primary_key or names
        return Reject(
            table=table.name,
            key=json.dumps([row[k] for k in key_cols], default=str, ensure_ascii=False),
            column=names[index],
            raw=_sqlite_read.printable(json_safe(raw[index])),
            reason=reason,
            row=row,
        )

    def rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        rejects: list[Reject] = []
        for row, bad in self._scan(table, chunk):
            if row is not None:
                yield row
            else:
                rejects.append(bad)
        self._rejects[chunk.id] = rejects

    def rejects(self, table: Table, chunk: Chunk) -> Iterator[Reject]:
        if chunk.id in self._rejects:
            yield from self._rejects.pop(chunk.id)
            return
        for _row, bad in self._scan(table, chunk):
            if bad is not None:
                yield bad

    def canonical_rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        funcs = [
            (i, f) for i, c in enumerate(table.columns) if (f := canonical_func(c)) is not None
        ]
        for row, _bad in self._scan(table, chunk):
            if row is None:
                continue
            if funcs:
                out = list(row)
                for i, func in funcs:
                    if out[i] is not None:
                        out[i] = func(out[i])
                yield tuple(out)
            else:
                yield row

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
