"""The parallel COPY pipeline: one chunk, one target transaction, one progress row.

Rows the source already knows are bad go to skylift.rejects with the source's reason. A row that
PostgreSQL itself refuses (a CHECK, a value outside a type's range that slipped past the source's
rules) makes its COPY fail: the chunk is then reloaded in halves under savepoints until each
refused row stands alone, and that row is kept in skylift.rejects with PostgreSQL's message.
Nothing is dropped, and nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import psycopg

from skylift.db import _pool, journal
from skylift.db.schema import Schema, Table
from skylift.db.sources import Chunk, Reject, Source
from skylift.db.sources._sqlite_read import json_safe, printable
from skylift.db.translate import Policy, Translator

REPORT_EVERY = 20_000
SESSION = "SET TimeZone = 'UTC'; SET synchronous_commit = off; SET DateStyle = 'ISO, YMD'"


@dataclass
class ChunkResult:
    table: str
    chunk: str
    rows: int
    rejected: int
    skipped: bool


def _setup(state: dict[str, Any], source: Source, schema: Schema, target_url: str,
           fingerprint: str, policy: Policy) -> None:  # fmt: skip
    state["reader"] = source.reader()
    state["tables"] = {t.name: t for t in schema.tables}
    state["conn"] = connect(target_url)
    state["fingerprint"] = fingerprint
    state["translator"] = Translator(schema, policy)


def connect(url: str, autocommit: bool = False) -> psycopg.Connection[Any]:
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(SESSION)
    conn.autocommit = autocommit
    return conn


def copy_chunk(table_name: str, chunk: Chunk) -> ChunkResult:
    st = _pool.state()
    table: Table = st["tables"][table_name]
    conn: psycopg.Connection[Any] = st["conn"]
    fingerprint: str = st["fingerprint"]
    copy_sql = copy_statement(st["translator"], table)
    with conn.transaction():
        if journal.chunk_done(conn, fingerprint, chunk.id):
            return ChunkResult(table.name, chunk.id, 0, 0, True)
    try:
        with conn.transaction():
            rows = _copy(conn, copy_sql, st["reader"].rows(table, chunk), table.name)
            rejects = list(st["reader"].rejects(table, chunk))
            _finish(conn, fingerprint, chunk, table, rows, rejects)
    except (psycopg.errors.DataError, psycopg.errors.IntegrityError):
        rows, rejects = _isolate(conn, copy_sql, table, chunk, st["reader"], fingerprint)
    return ChunkResult(table.name, chunk.id, rows, len(rejects), False)


def copy_statement(translator: Translator, table: Table) -> str:
    cols = ", ".join(translator.n(c.name) for c in table.columns)
    return f"COPY {translator.t(table)} ({cols}) FROM STDIN"


def _finish(conn: psycopg.Connection[Any], fingerprint: str, chunk: Chunk, table: Table,
            rows: int, rejects: list[Reject]) -> None:  # fmt: skip
    journal.record_rejects(conn, fingerprint, chunk.id, rejects)
    journal.record_chunk(conn, fingerprint, chunk.id, table.name, rows, len(rejects))


def _copy(
    conn: psycopg.Connection[Any], sql: str, rows: Iterable[tuple[Any, ...]], table: str
) -> int:
    count = 0
    with conn.cursor() as cur, cur.copy(sql) as copy:
        write = copy.write_row
        for row in rows:
            write(row)
            count += 1
            if count % REPORT_EVERY == 0:
                _pool.report(table, REPORT_EVERY)
    _pool.report(table, count % REPORT_EVERY)
    return count


def _isolate(conn: psycopg.Connection[Any], sql: str, table: Table, chunk: Chunk, reader: Any,
             fingerprint: str) -> tuple[int, list[Reject]]:  # fmt: skip
    """Reload the chunk, bisecting failed batches under savepoints down to single rows."""
    rows = list(reader.rows(table, chunk))
    refused: list[Reject] = []
    with conn.transaction():
        loaded = _bisect(conn, sql, rows, table, refused)
        rejects = list(reader.rejects(table, chunk)) + refused
        _finish(conn, fingerprint, chunk, table, loaded, rejects)
    return loaded, rejects


def _bisect(conn: psycopg.Connection[Any], sql: str, rows: list[tuple[Any, ...]], table: Table,
            refused: list[Reject]) -> int:  # fmt: skip
    if not rows:
        return 0
    try:
        # a savepoint inside the chunk's transaction
        with conn.transaction(), conn.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)
    except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as exc:
        if len(rows) == 1:
            refused.append(_refused(table, rows[0], exc))
            return 0
    half = len(rows) // 2
    return _bisect(conn, sql, rows[:half], table, refused) + _bisect(
        conn, sql, rows[half:], table, refused
    )


def _refused(table: Table, row: tuple[Any, ...], exc: Exception) -> Reject:
    names = [c.name for c in table.columns]
    record = {n: json_safe(v) for n, v in zip(names, row, strict=True)}
    diag = getattr(exc, "diag", None)
    column = getattr(diag, "column_name", None) if diag else None
    message = (getattr(diag, "message_primary", None) if diag else None) or str(exc).splitlines()[0]
    if column is None:
        column = next((n for n in names if f'"{n}"' in message or f" {n} " in message), None)
    key_cols = table.primary_key or names
    key = [record[k] for k in key_cols]
    import json

    return Reject(
        table=table.name,
        key=json.dumps(key, default=str, ensure_ascii=False),
        column=column,
        raw=printable(record.get(column)) if column else printable(repr(row)),
        reason=f"PostgreSQL refused: {message}",
        row=record,
    )


def copy_all(
    source: Source,
    schema: Schema,
    target_url: str,
    fingerprint: str,
    chunks: list[Chunk],
    jobs: int,
    policy: Policy,
    on_progress: Callable[[str, int], None] | None = None,
) -> list[ChunkResult]:
    tasks = [(c.table, c) for c in chunks]
    return _pool.run(
        tasks,
        copy_chunk,
        _setup,
        (source, schema, target_url, fingerprint, policy),
        jobs,
        on_progress=on_progress,
    )
