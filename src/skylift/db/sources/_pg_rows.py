"""Stream PostgreSQL rows inside the source's exported snapshot.

Types are identical on both sides, so values travel as PostgreSQL's own text (or binary COPY
data, with `copy_blocks`) and are never reinterpreted in Python; nothing can be rejected.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import psycopg

from skylift.db import values
from skylift.db.schema import Table
from skylift.db.sources import Chunk, Reject
from skylift.db.sources.postgres import connect
from skylift.db.translate import quote


def _name(table: Table) -> str:
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
        return [Chunk(table.name, 0)]
    row = conn.execute(
        f"SELECT min({quote(key)}), max({quote(key)}), count(*) FROM {_name(table)}"
    ).fetchone()
    lo, hi, count = row
    parts = math.ceil(count / rows_per_chunk)
    if lo is None or parts <= 1:
        return [Chunk(table.name, 0)]
    step = math.ceil((hi - lo + 1) / parts)
    edges: list[int | None] = [None, *(lo + i * step for i in range(1, parts)), None]
    return [Chunk(table.name, i, edges[i], edges[i + 1]) for i in range(parts)]


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

    def _select(self, table: Table, chunk: Chunk, casts: bool) -> str:
        cols = ", ".join(
            f"{quote(c.name)}::{values.READ_AS[c.kind]}" if casts else quote(c.name)
            for c in table.columns
        )
        return f"SELECT {cols} FROM {_name(table)}{_where(table, chunk)}"

    def rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        """Each value as PostgreSQL's text output: COPY's text input reads it back exactly."""
        sql = f"COPY ({self._select(table, chunk, casts=False)}) TO STDOUT"
        with self._connection().cursor() as cur, cur.copy(sql) as copy:
            yield from copy.rows()

    def copy_blocks(self, table: Table, chunk: Chunk) -> Iterator[bytes]:
        """The chunk as binary COPY data, for `COPY table (columns) FROM STDIN (FORMAT binary)`."""
        sql = f"COPY ({self._select(table, chunk, casts=False)}) TO STDOUT (FORMAT binary)"
        with self._connection().cursor() as cur, cur.copy(sql) as copy:
            for block in copy:
                yield bytes(block)

    def rejects(self, table: Table, chunk: Chunk) -> Iterator[Reject]:
        return iter(())

    def canonical_rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        """Read like verification reads the target (same casts), canonicalised the same way."""
        convert = values.canonicalizer([c.kind for c in table.columns])
        with self._connection().cursor() as cur:
            for row in cur.stream(self._select(table, chunk, casts=True)):
                yield convert(row)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
