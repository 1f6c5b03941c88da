"""Stream rows out of SQLite: good rows in batches (each row is both the value sent to
PostgreSQL and its canonical form for verification), bad rows for the reject table.

The per-column SQL comes from the profile's `Plan` (_profile.py). Most columns need no
Python work at all; a column whose values need an exact conversion SQL cannot do (epoch numbers,
exact decimals, JSON) gets a converter, and a converter that raises `BadValue` sends its row to
the reject table. Text that is not valid UTF-8 makes the fast path fail; the chunk is then read
again value by value (`SlowPath`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from skylift.db import _accel
from skylift.db.records import RecordStream, SlowPath, json_safe, printable
from skylift.db.schema import Table
from skylift.db.sources import Chunk, Reject
from skylift.db.sources.sqlite import _binary, _csv
from skylift.db.sources.sqlite._dates import date_reason, parse_iso, reason_for
from skylift.db.sources.sqlite._profile import Plan, q, sub
from skylift.db.sources.sqlite._snapshot import open_readonly, readonly_uri
from skylift.db.values import pg_date_text, pg_timestamptz_text

# rejects of a table without a key found by their rowid, each by a scan: past this many, by
# their values (a table of a million bad rows must not take a million scans)
LOCATE_AT_MOST = 200
FETCH = 1000  # rows per fetch: small batches stay in the CPU cache (8% faster than 5,000)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SIMPLE_TS = re.compile(r"\d{4}-\d\d-\d\d (?:[01]\d|2[0-3]):\d\d:\d\d")  # 24:00: parse_iso


class BadValue(ValueError):
    """A value a converter cannot store as it is; its message is the reject reason."""


def _epoch_instant(value: int | float) -> dt.datetime:
    if abs(value) >= 1e11:  # milliseconds; integer arithmetic keeps every digit
        micros = value * 1000 if isinstance(value, int) else round(value * 1000)
    else:
        micros = value * 1_000_000 if isinstance(value, int) else round(value * 1_000_000)
    try:
        return EPOCH + dt.timedelta(microseconds=micros)
    except OverflowError as exc:
        raise BadValue("epoch number out of range") from exc


def _timestamp(value: Any) -> Any:
    if isinstance(value, int | float):
        return pg_timestamptz_text(_epoch_instant(value))
    if len(value) == 19 and _SIMPLE_TS.fullmatch(value):
        return value + "+00"
    try:
        return pg_timestamptz_text(parse_iso(value))
    except ValueError as exc:
        raise BadValue(date_reason(value)) from exc


def _epoch_date(value: Any) -> Any:
    if isinstance(value, int | float):
        return pg_date_text(_epoch_instant(value).date())
    return value


def _to_text(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadValue("binary value that is not UTF-8 text") from exc
    return value if isinstance(value, str) else str(value)


def _uuid(value: Any) -> Any:
    try:
        return str(uuid.UUID(value if isinstance(value, str) else bytes(value).hex()))
    except (ValueError, TypeError) as exc:
        raise BadValue("not a UUID") from exc


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "timestamp": _timestamp,
    "epoch": _timestamp,
    "epoch_date": _epoch_date,
    "to_text": _to_text,
    "uuid": _uuid,
}


@dataclass
class _Compiled:
    select: str
    bad: str
    convert: list[tuple[int, Callable[[Any], Any]]] = field(default_factory=list)
    text_columns: list[int] = field(default_factory=list)
    checks: list[tuple[str, str, str]] = field(default_factory=list)  # (SQL, column, reason)


def compile_table(table: Table) -> _Compiled:
    selects, checks, convert = [], [], []
    for i, col in enumerate(table.columns):
        plan: Plan = col.extra["plan"]
        qcol = q(col.name)
        selects.append(sub(plan.select, qcol))
        for pred, why in plan.bad:
            checks.append((f"coalesce(({sub(pred, qcol)}), 0)", col.name, why))
        if plan.convert:
            convert.append((i, CONVERTERS[plan.convert]))
    return _Compiled(
        select=", ".join(selects),
        bad=" OR ".join(c for c, _, _ in checks) or "0",
        checks=checks,
        convert=convert,
        # with text_factory=bytes every TEXT value arrives as bytes; only bytea keeps them
        text_columns=[i for i, c in enumerate(table.columns) if c.kind != "bytes"],
    )


def _range(chunk: Chunk, rowid: str = "rowid") -> tuple[str, list[Any]]:
    parts, params = [], []
    if chunk.lo is not None:
        parts.append(f"{rowid} >= ?")
        params.append(chunk.lo)
    if chunk.hi is not None:
        parts.append(f"{rowid} < ?")
        params.append(chunk.hi)
    return " AND ".join(parts) or "1", params


def _select(table: Table, comp: _Compiled, where: str) -> str:
    """The good rows of a chunk, in rowid order (the target's heap then follows the key)."""
    order = f" ORDER BY {table.rowid}" if table.has_rowid else ""
    return f"SELECT {comp.select} FROM {q(table.name)} WHERE {where} AND NOT ({comp.bad}){order}"


class SqliteReader:
    def __init__(self, path: Path) -> None:
        self.conn = open_readonly(path)
        self.uri = readonly_uri(path)
        self._compiled: dict[str, _Compiled] = {}
        self._slow: set[str] = set()
        self._pure: set[str] = set()  # tables the accelerator found a value it does not take
        self._late: list[Reject] = []
        self._csv: dict[str, _csv.CsvPlan] = {}
        self._encoders: dict[str, _binary.Encoder] = {}
        self._located: dict[str, int] = {}  # rowid look-ups per table (each scans the table)

    def _get(self, table: Table) -> _Compiled:
        if table.name not in self._compiled:
            self._compiled[table.name] = compile_table(table)
        return self._compiled[table.name]

    def batches(self, table: Table, chunk: Chunk) -> Iterator[list[tuple[Any, ...]]]:
        """Good rows of the chunk. Rows a converter refuses wait in `rejects()`."""
        comp = self._get(table)
        self._late = []
        where, params = _range(chunk, table.rowid)
        sql = _select(table, comp, where)
        if table.name in self._slow:
            yield from self._slow_batches(table, comp, sql, params)
            return
        cur = self.conn.execute(sql, params)
        while True:
            try:
                batch = cur.fetchmany(FETCH)
            except sqlite3.OperationalError as exc:
                if "decode" not in str(exc):
                    raise
                self._slow.add(table.name)
                raise SlowPath(table.name) from exc
            if not batch:
                return
            yield self._convert(table, comp, batch) if comp.convert else batch

    def csv_batches(
        self, table: Table, chunk: Chunk, normalize: _csv.Normalizer | None = None
    ) -> Iterator[tuple[list[str], list[str]]]:
        """Good rows of the chunk as CSV records: (records to send, records to digest).
        Most of each record is built by SQLite; see _csv.py."""
        if table.name in self._slow:
            for batch in self.batches(table, chunk):
                yield _csv.tuple_records(table, batch, normalize)
            return
        self._late = []
        if table.name not in self._csv:
            self._csv[table.name] = _csv.compile_csv(table, CONVERTERS)
        plan = self._csv[table.name]
        comp = self._get(table)
        where, params = _range(chunk, table.rowid)
        cur = self.conn.execute(
            f"SELECT {', '.join(plan.select)} FROM {q(table.name)} WHERE {where} AND NOT ({comp.bad})",
            params,
        )
        while True:
            try:
                batch = cur.fetchmany(FETCH)
                if not batch:
                    return
                yield _csv.records(plan, batch, normalize)
            except (sqlite3.OperationalError, ValueError) as exc:
                if isinstance(exc, sqlite3.OperationalError) and "decode" not in str(exc):
                    raise
                self._slow.add(table.name)  # read value by value: rejects get their reasons
                raise SlowPath(table.name) from exc

    def copy_format(self, table: Table) -> str:
        return "binary" if _binary.binary_able(table) else "csv"

    def binary_stream(self, table: Table, chunk: Chunk) -> Any:
        """The chunk's good rows as (records, rows) batches with `.digest()` (see
        RecordStream): the accelerator's when built and the table is plain so far."""
        if _accel.enabled() and table.name not in self._pure | self._slow:
            return _FastStream(self, table, chunk)
        return RecordStream(self.binary_batches(table, chunk))

    def binary_batches(
        self, table: Table, chunk: Chunk
    ) -> Iterator[tuple[list[bytearray], list[tuple[Any, ...]]]]:
        """Good rows of the chunk as binary COPY records, one per row, with the rows they
        encode (for the reject table, should PostgreSQL refuse one). See _binary.py."""
        if table.name not in self._encoders:
            self._encoders[table.name] = _binary.Encoder(table, _to_text)
        encoder = self._encoders[table.name]
        for batch in self.batches(table, chunk):
            records, failed = encoder.encode(batch)
            if failed:
                bad = {n for n, _, _ in failed}
                self._late += [
                    self._late_reject(table, batch[n], [(col, why)]) for n, col, why in failed
                ]
                batch = [row for n, row in enumerate(batch) if n not in bad]
            yield records, batch

    def _convert(self, table: Table, comp: _Compiled, batch: list[Any]) -> list[tuple[Any, ...]]:
        out = []
        for row in batch:
            values = list(row)
            problems = []
            for i, func in comp.convert:
                if values[i] is not None:
                    try:
                        values[i] = func(values[i])
                    except BadValue as exc:  # every bad value of the row is named
                        problems.append((table.columns[i].name, str(exc)))
            if problems:
                self._late.append(self._late_reject(table, row, problems))
                continue
            out.append(tuple(values))
        return out

    def _slow_batches(
        self, table: Table, comp: _Compiled, sql: str, params: list[Any]
    ) -> Iterator[list[tuple[Any, ...]]]:
        self.conn.text_factory = bytes
        try:
            cur = self.conn.execute(sql, params)
            while batch := cur.fetchmany(FETCH):
                good = []
                for row in batch:
                    decoded = self._decode(table, comp, row)
                    if decoded is not None:
                        good.append(decoded)
                yield self._convert(table, comp, good) if comp.convert else good
        finally:
            self.conn.text_factory = str

    def _decode(
        self, table: Table, comp: _Compiled, row: tuple[Any, ...]
    ) -> tuple[Any, ...] | None:
        values = list(row)
        for i in comp.text_columns:
            if isinstance(values[i], bytes):
                try:
                    values[i] = values[i].decode("utf-8")
                except UnicodeDecodeError:
                    stored = tuple(_stored(v, b"text") if j in comp.text_columns else v
                                   for j, v in enumerate(row))  # fmt: skip
                    bad = [(table.columns[i].name, "invalid UTF-8")]
                    self._late.append(self._late_reject(table, stored, bad))
                    return None
        return tuple(values)

    def rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        for batch in self.batches(table, chunk):
            yield from batch

    def canonical_rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        """The protocol's tuple form. The engine compares SQLite rows as CSV records
        (`csv_batches`), so this is only the rows as sent."""
        return self.rows(table, chunk)

    def rejects(self, table: Table, chunk: Chunk) -> Iterator[Reject]:
        """Rows the source's rules refuse; call after `batches()` for the same chunk."""
        yield from self._late
        self._late = []
        comp = self._get(table)
        if comp.bad == "0":
            return
        where, params = _range(chunk, table.rowid)
        # each value with its storage class (text arrives as bytes: it may not be UTF-8), the
        # rowid that finds the row in the source, and every check the row fails
        cols = ", ".join(f"{q(c.name)}, typeof({q(c.name)})" for c in table.columns)
        rowid = table.rowid if table.has_rowid else "NULL"
        checks = ", ".join(c for c, _, _ in comp.checks)
        self.conn.text_factory = bytes
        try:
            rows = self.conn.execute(
                f"SELECT {cols}, {rowid}, {checks} FROM {q(table.name)} WHERE {where} AND ({comp.bad})",
                params,
            ).fetchall()
        finally:
            self.conn.text_factory = str
        width = 2 * len(table.columns)
        for row in rows:
            values = tuple(
                _stored(v, kind) for v, kind in zip(row[:width:2], row[1:width:2], strict=True)
            )
            failed = [
                (col, why)
                for (_, col, why), hit in zip(comp.checks, row[width + 1 :], strict=True)
                if hit
            ]
            yield _reject(table, values, failed, row[width])

    def _late_reject(
        self, table: Table, row: tuple[Any, ...], problems: list[tuple[str, str]]
    ) -> Reject:
        """A reject found while reading; a table without a key names it by its rowid when the
        values find one row (they are the values as read, so a converted one may not)."""
        rowid = None
        looked = self._located.get(table.name, 0)
        if not table.primary_key and table.has_rowid and looked < LOCATE_AT_MOST:
            self._located[table.name] = looked + 1
            where = " AND ".join(  # text read as bytes (not UTF-8) is compared as bytes
                f"CAST({q(c.name)} AS BLOB) IS ?" if isinstance(v, bytes) else f"{q(c.name)} IS ?"
                for c, v in zip(table.columns, row, strict=True)
            )
            found = self.conn.execute(
                f"SELECT {table.rowid} FROM {q(table.name)} WHERE {where} LIMIT 2", row
            )
            rowids = found.fetchall()
            rowid = rowids[0][0] if len(rowids) == 1 else None
        return _reject(table, row, problems, rowid)

    def source_row(self, table: Table, key: list[Any]) -> tuple[Any, ...] | None:
        """The row of a primary key as SQLite stores it (for a row PostgreSQL refused, whose
        CSV record holds only text)."""
        if not table.primary_key or len(key) != len(table.primary_key):
            return None
        cols = ", ".join(f"{q(c.name)}, typeof({q(c.name)})" for c in table.columns)
        where = " AND ".join(f"{q(k)} IS ?" for k in table.primary_key)
        self.conn.text_factory = bytes
        try:
            row = self.conn.execute(
                f"SELECT {cols} FROM {q(table.name)} WHERE {where}", key
            ).fetchone()
        finally:
            self.conn.text_factory = str
        if row is None:
            return None
        return tuple(_stored(v, kind) for v, kind in zip(row[::2], row[1::2], strict=True))

    def close(self) -> None:
        self.conn.close()


class _FastStream:
    """The accelerator's batches; its first value that is not plain raises SlowPath and sends
    the table to the Python path for good."""

    def __init__(self, reader: SqliteReader, table: Table, chunk: Chunk) -> None:
        self.reader, self.table = reader, table
        reader._late = []
        where, params = _range(chunk, table.rowid)
        selects, kinds = _binary.fast_columns(table)
        comp = reader._get(table)
        columns = ", ".join(sub(s, q(c.name)) for s, c in zip(selects, table.columns, strict=True))
        sql = _select(table, replace(comp, select=columns), where)
        try:
            self.records = _binary.fast_records(reader.uri, sql, params, table, kinds)
        except RuntimeError as exc:
            raise sqlite3.DatabaseError(str(exc)) from exc

    def __iter__(self) -> Iterator[tuple[bytes, int]]:
        try:
            yield from self.records
        except _accel.fastcopy.Unusual as exc:
            self.reader._pure.add(self.table.name)
            raise SlowPath(self.table.name) from exc
        except RuntimeError as exc:
            raise sqlite3.DatabaseError(str(exc)) from exc

    def digest(self) -> int:
        return int(self.records.digest())


def _stored(value: Any, storage: bytes) -> Any:
    """A value the reject query read as bytes, as SQLite stores it: text as str when it is
    UTF-8, blobs as bytes."""
    if storage == b"text" and isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    return value


def _reject(table: Table, row: tuple[Any, ...], problems: list[tuple[str, str]],
            rowid: int | None = None) -> Reject:  # fmt: skip
    """One row's reject: its first bad value, then every other (`also`). A table without a
    primary key names the row by its rowid, so the source row can be found."""
    names = [c.name for c in table.columns]
    record = {n: json_safe(v) for n, v in zip(names, row, strict=True)}
    if table.primary_key or rowid is None:
        key = json.dumps([record[k] for k in table.primary_key or names], ensure_ascii=False)
    else:
        key = json.dumps({"rowid": rowid})
    (column, reason), *more = [(c, reason_for(why, row[names.index(c)])) for c, why in problems]
    return Reject(
        table=table.name,
        key=key,
        column=column,
        raw=printable(row[names.index(column)]),
        reason=reason,
        row=record,
        also=[(c, printable(row[names.index(c)]), why) for c, why in more],
    )
