"""Stream PostgreSQL rows inside the source's exported snapshot.

Types are identical on both sides, so values are never reinterpreted in Python; nothing can be
rejected. A table whose columns are all of built-in types (`binary_able`) travels as the binary
COPY records the source sends, forwarded as they are and digested record by record, as
verification digests the records the target sends back: equal bytes, not equal text. Other
tables (enums, domains, extension types, a --type override) travel as PostgreSQL's text.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from psycopg import pq

from skylift.db import values
from skylift.db.records import HEADER, TRAILER, RecordStream, expect_result
from skylift.db.schema import Column, Table
from skylift.db.sources import Chunk, Reject
from skylift.db.sources.postgres._connection import connect
from skylift.db.translate import quote

BATCH = 5000
# kind -> canonical form (db/values.py) from PostgreSQL's text output; other kinds are the text
FROM_TEXT: dict[str, Callable[[str], Any]] = {
    "int": int,
    "float": float,  # PostgreSQL prints floats shortest-exact; 'NaN', 'Infinity' parse too
    "numeric": values.canonical_decimal,
    "bool": lambda text: int(text == "t"),
    "bytes": lambda text: bytes.fromhex(text[2:]),
    "json": values.canonical_json,
}


def _from_text(col: Column) -> Callable[[str], Any] | None:
    if col.pg_type.startswith("character(") or col.pg_type == "character":
        return _rstrip  # verification reads char(n)::text, which drops the padding
    if col.pg_type == "real":
        return _real
    return FROM_TEXT.get(col.kind)


def _real(text: str) -> float:
    """A float4's text is its shortest form *as a float4*: round it to float4, then widen
    (verification reads real::float8)."""
    return float(struct.unpack("f", struct.pack("f", float(text)))[0])


def _rstrip(text: str) -> str:
    return text.rstrip(" ")


def binary_able(table: Table) -> bool:
    """Every column of a built-in type the target has too (see _catalog.FIRST_USER_OID)."""
    return all(c.extra.get("binary") for c in table.columns)


def table_name(table: Table) -> str:
    return f"{quote(table.schema)}.{quote(table.name)}" if table.schema else quote(table.name)


def _int_key(table: Table) -> str | None:
    if len(table.primary_key) != 1:
        return None
    col = table.column(table.primary_key[0])
    return col.name if col.kind == "int" else None


def plan_chunks(conn: Any, table: Table, rows_per_chunk: int) -> list[Chunk]:
    """Key ranges on a single integer key (same bounds for the same data), else one chunk."""
    key = _int_key(table)
    if key is None:
        return [Chunk(table.qualified, 0)]
    row = conn.execute(
        f"SELECT min({quote(key)}), max({quote(key)}), count(*) FROM ONLY {table_name(table)}"
    ).fetchone()
    lo, hi, count = row
    parts = math.ceil(count / rows_per_chunk)
    if lo is None or parts <= 1:
        return [Chunk(table.qualified, 0)]
    step = math.ceil((hi - lo + 1) / parts)
    edges: list[int | None] = [None, *(lo + i * step for i in range(1, parts)), None]
    return [Chunk(table.qualified, i, edges[i], edges[i + 1]) for i in range(parts)]


def _where(table: Table, chunk: Chunk) -> str:
    key = _int_key(table)
    conds = []
    if key is not None and chunk.lo is not None:
        conds.append(f"{quote(key)} >= {int(chunk.lo)}")
    if key is not None and chunk.hi is not None:
        conds.append(f"{quote(key)} < {int(chunk.hi)}")
    return " WHERE " + " AND ".join(conds) if conds else ""


class PostgresReader:
    """One connection in the source's snapshot (imported when the exporter is still open)."""

    def __init__(self, url: str, snapshot: str | None) -> None:
        self.url = url
        self.snapshot = snapshot
        self._conn: psycopg.Connection[Any] | None = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None:
            conn = connect(self.url)
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if self.snapshot:
                try:
                    conn.execute(f"SET TRANSACTION SNAPSHOT '{self.snapshot}'")
                except psycopg.Error:
                    # the exporting run has ended (a later verification): read the present
                    conn.rollback()
                    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            self._conn = conn
        return self._conn

    def _select(self, table: Table, chunk: Chunk) -> str:
        cols = ", ".join(quote(c.name) for c in table.columns)
        # ONLY: a parent of classic inheritance (INHERITS) would also return its children rows
        return f"SELECT {cols} FROM ONLY {table_name(table)}{_where(table, chunk)}"

    def batches(self, table: Table, chunk: Chunk) -> Iterator[list[tuple[Any, ...]]]:
        """Each value as PostgreSQL's text output: COPY's text input reads it back exactly."""
        sql = f"COPY ({self._select(table, chunk)}) TO STDOUT"
        batch: list[tuple[Any, ...]] = []
        with self._connection().cursor() as cur, cur.copy(sql) as copy:
            for row in copy.rows():
                batch.append(row)
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        for batch in self.batches(table, chunk):
            yield from batch

    def canonical(self, table: Table, batch: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Canonical forms (db/values.py) of rows from `batches()`, from their text."""
        steps = [(i, f) for i, c in enumerate(table.columns) if (f := _from_text(c)) is not None]
        if not steps:
            return batch
        out = []
        for row in batch:
            values_ = list(row)
            for i, func in steps:
                if values_[i] is not None:
                    values_[i] = func(values_[i])
            out.append(tuple(values_))
        return out

    def copy_format(self, table: Table) -> str:
        return "binary" if binary_able(table) else "rows"

    def binary_stream(self, table: Table, chunk: Chunk) -> RecordStream:
        """The chunk's records in batches, with `.digest()` (records.RecordStream)."""
        return RecordStream((records, records) for records in self.records(table, chunk))

    def binary_batches(
        self, table: Table, chunk: Chunk
    ) -> Iterator[tuple[list[Any], list[tuple[Any, ...]]]]:
        """Records with the values they hold (for a reject's key and row, should the target
        refuse one): integers as int, text as str, the rest as their binary form."""
        decoders = [_DECODE.get(c.kind, bytes) for c in table.columns]
        for records in self.records(table, chunk):
            yield records, [_fields(r, decoders) for r in records]

    def records(self, table: Table, chunk: Chunk) -> Iterator[list[Any]]:
        """`COPY (SELECT ...) TO STDOUT (FORMAT binary)` as lists of records (one per row, no
        header or trailer), read straight from libpq: psycopg's Copy iterator costs a
        microsecond of Python per row."""
        sql = f"COPY ({self._select(table, chunk)}) TO STDOUT (FORMAT binary)"
        pg = self._connection().pgconn
        pg.send_query(sql.encode())
        while pg.flush():
            pass
        expect_result(pg, pq.ExecStatus.COPY_OUT)
        get, first, done = pg.get_copy_data, True, False
        batch: list[Any] = []  # memoryviews of libpq's buffers, or bytes
        try:
            while True:
                size, data = get(0)
                if size < 0:
                    done = True
                    break
                if first:
                    data, first = memoryview(bytes(data)[len(HEADER) :]), False
                if (len(data) == 2 and data == TRAILER) or not len(data):
                    continue
                batch.append(data)
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch
        finally:
            while not done and get(0)[0] >= 0:  # abandoned: drain it
                pass
            expect_result(pg, pq.ExecStatus.COMMAND_OK)

    def rejects(self, table: Table, chunk: Chunk) -> Iterator[Reject]:
        return iter(())

    def canonical_rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        for batch in self.batches(table, chunk):
            yield from self.canonical(table, batch)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _int(raw: bytes) -> int:
    return int.from_bytes(raw, "big", signed=True)


_DECODE: dict[str, Callable[[bytes], Any]] = {"int": _int, "text": lambda raw: raw.decode()}


def _fields(record: bytes, decoders: list[Callable[[bytes], Any]]) -> tuple[Any, ...]:
    """A binary COPY record's values: int16 count, then per field int32 length (-1: NULL)."""
    out: list[Any] = []
    pos = 2
    for decode in decoders:
        size = int.from_bytes(record[pos : pos + 4], "big", signed=True)
        pos += 4
        out.append(None if size < 0 else decode(bytes(record[pos : pos + size])))
        pos += max(size, 0)
    return tuple(out)
