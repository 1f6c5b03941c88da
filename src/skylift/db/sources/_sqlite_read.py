"""Stream rows out of SQLite: good rows for COPY, bad rows for the reject table, canonical rows
for verification. The per-column SQL comes from the profile's `Plan` (see _sqlite_profile.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.db.schema import Table
from skylift.db.sources import Chunk, Reject

if TYPE_CHECKING:
    from skylift.db.sources._sqlite_profile import Plan
from skylift.db.values import canonical_decimal, canonical_json, pg_date_text, pg_timestamptz_text

FETCH = 5000
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SIMPLE_TS = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def _bad_utf8(value: bytes | None) -> int:
    if value is None:
        return 0
    try:
        bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        return 1
    return 0


def register_functions(conn: sqlite3.Connection) -> None:
    conn.create_function("skylift_bad_utf8", 1, _bad_utf8, deterministic=True)


def _epoch_instant(value: int | float) -> dt.datetime:
    if abs(value) >= 1e11:  # milliseconds: integer arithmetic keeps every digit
        if isinstance(value, int):
            return EPOCH + dt.timedelta(milliseconds=value)
        return EPOCH + dt.timedelta(microseconds=round(value * 1000))
    if isinstance(value, int):
        return EPOCH + dt.timedelta(seconds=value)
    return EPOCH + dt.timedelta(microseconds=round(value * 1_000_000))


def _epoch(value: Any) -> Any:
    return pg_timestamptz_text(_epoch_instant(value)) if isinstance(value, int | float) else value


def _epoch_date(value: Any) -> Any:
    return pg_date_text(_epoch_instant(value).date()) if isinstance(value, int | float) else value


def _to_text(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value if isinstance(value, str) else str(value)


def _timestamp(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if len(value) == 19 and _SIMPLE_TS.fullmatch(value):
        return value + "+00"
    try:
        return pg_timestamptz_text(dt.datetime.fromisoformat(value.strip()))
    except ValueError:
        return f"<unparsed {value!r}>"  # cannot equal the target: verification names the row


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "epoch": _epoch,
    "epoch_date": _epoch_date,
    "to_text": _to_text,
}
CANON: dict[str, Callable[[Any], Any]] = {
    "float": float,
    "numeric": canonical_decimal,
    "bool": bool,
    "json": canonical_json,
    "timestamp": _timestamp,
    "date": lambda v: v,
    "to_text": _to_text,
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sub(sql: str, column: str) -> str:
    return re.sub(r"\bc\b", column, sql)


@dataclass
class _Compiled:
    select: str
    bad: str
    reason: str
    convert: list[tuple[int, Callable[[Any], Any]]]
    canon: list[tuple[int, Callable[[Any], Any]]]


def compile_table(table: Table) -> _Compiled:
    selects, bads, reasons = [], [], []
    convert, canon = [], []
    for i, col in enumerate(table.columns):
        plan: Plan = col.extra["plan"]
        qcol = _q(col.name)
        selects.append(_sub(plan.select, qcol))
        for pred, why in plan.bad:
            cond = f"coalesce(({_sub(pred, qcol)}), 0)"
            bads.append(cond)
            reasons.append(f"WHEN {cond} THEN '{col.name.replace(chr(39), chr(39) * 2)}\x1f{why}'")
        if plan.convert:
            convert.append((i, CONVERTERS[plan.convert]))
        step = plan.canon
        if step:
            first = CONVERTERS.get(plan.convert or "")
            func = CANON[step]
            canon.append((i, func if first is None else _chain(first, func)))
    return _Compiled(
        select=", ".join(selects),
        bad=" OR ".join(bads) or "0",
        reason=f"CASE {' '.join(reasons)} END" if reasons else "NULL",
        convert=convert,
        canon=canon,
    )


def _chain(first: Callable[[Any], Any], second: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: second(first(v))


def _apply(
    rows: list[Any], steps: list[tuple[int, Callable[[Any], Any]]]
) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        out = list(row)
        for i, func in steps:
            if out[i] is not None:
                out[i] = func(out[i])
        yield tuple(out)


def _range(chunk: Chunk) -> tuple[str, list[Any]]:
    parts, params = [], []
    if chunk.lo is not None:
        parts.append("rowid >= ?")
        params.append(chunk.lo)
    if chunk.hi is not None:
        parts.append("rowid < ?")
        params.append(chunk.hi)
    return " AND ".join(parts) or "1", params


def printable(value: Any) -> str:
    """A raw value as text that PostgreSQL can store (no NUL), bytes that are not UTF-8 escaped."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", "backslashreplace")
    else:
        text = value if isinstance(value, str) else repr(value)
    return text.replace("\x00", "\\x00")


def json_safe(value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            return {"$hex": value.hex()}
        return text if "\x00" not in text else {"$hex": value.hex()}
    if isinstance(value, str) and "\x00" in value:
        return {"$hex": value.encode().hex()}
    if isinstance(value, float) and value != value:
        return None
    return value


class SqliteReader:
    def __init__(self, path: Path) -> None:
        from skylift.db.sources.sqlite import open_readonly

        self.conn = open_readonly(path)
        register_functions(self.conn)
        self._compiled: dict[str, _Compiled] = {}

    def _get(self, table: Table) -> _Compiled:
        if table.name not in self._compiled:
            self._compiled[table.name] = compile_table(table)
        return self._compiled[table.name]

    def _good(self, table: Table, chunk: Chunk) -> Iterator[list[Any]]:
        comp = self._get(table)
        where, params = _range(chunk)
        cur = self.conn.execute(
            f"SELECT {comp.select} FROM {_q(table.name)} WHERE {where} AND NOT ({comp.bad})", params
        )
        while batch := cur.fetchmany(FETCH):
            yield batch

    def rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        steps = self._get(table).convert
        for batch in self._good(table, chunk):
            if steps:
                yield from _apply(batch, steps)
            else:
                yield from batch

    def canonical_rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        steps = self._get(table).canon
        for batch in self._good(table, chunk):
            if steps:
                yield from _apply(batch, steps)
            else:
                yield from batch

    def rejects(self, table: Table, chunk: Chunk) -> Iterator[Reject]:
        comp = self._get(table)
        if comp.bad == "0":
            return
        where, params = _range(chunk)
        cols = ", ".join(_q(c.name) for c in table.columns)
        self.conn.text_factory = bytes
        try:
            rows = self.conn.execute(
                f"SELECT rowid, {cols}, {comp.reason} FROM {_q(table.name)} "
                f"WHERE {where} AND ({comp.bad})",
                params,
            ).fetchall()
        finally:
            self.conn.text_factory = str
        names = [c.name for c in table.columns]
        for rowid, *values, reason in rows:
            column, why = bytes(reason).decode("utf-8").split("\x1f", 1)
            record = {n: json_safe(v) for n, v in zip(names, values, strict=True)}
            yield Reject(
                table=table.name,
                key=_key(table, record, rowid),
                column=column,
                raw=printable(values[names.index(column)]),
                reason=why,
                row=record,
            )

    def close(self) -> None:
        self.conn.close()


def _key(table: Table, record: dict[str, Any], rowid: int) -> str:
    if table.primary_key:
        return json.dumps([record[k] for k in table.primary_key], default=str, ensure_ascii=False)
    return f"rowid={rowid}"
