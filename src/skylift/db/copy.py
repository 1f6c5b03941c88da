"""The parallel COPY pipeline: one chunk, one target transaction, one progress row.

Rows the source already knows are bad go to skylift.rejects with the source's reason. A row that
PostgreSQL itself refuses (a CHECK, a value outside a type's range that slipped past the source's
rules) makes its COPY fail: the chunk is then reloaded in halves under savepoints until each
refused row stands alone, and that row is kept in skylift.rejects with PostgreSQL's message.
Nothing is dropped, and nothing is half-written.

While copying, each worker sums the digests of the canonical rows it sent (db/values.py); the
sum is stored with the chunk's progress row, so verification only has to read the target back.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg

from skylift.db import _pool, journal, pgtext
from skylift.db.records import HEADER, TRAILER, SlowPath, json_safe, printable
from skylift.db.schema import Schema, Table
from skylift.db.sources import Chunk, Reject, Source
from skylift.db.translate import Policy, Translator, shorten
from skylift.db.values import MASK, digest_lines, digest_records, digest_rows

SESSION = pgtext.SESSION + "; SET synchronous_commit = off"
CSV_OPTIONS = " (FORMAT csv, NULL '\\N')"
BINARY = " (FORMAT binary)"
REFUSED = (psycopg.errors.DataError, psycopg.errors.IntegrityError, psycopg.DataError)
BATCH = 5000


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
    state["tables"] = {t.qualified: t for t in schema.tables}
    state["conn"] = connect(target_url)
    state["fingerprint"] = fingerprint
    state["target_url"] = target_url
    state["translator"] = Translator(schema, policy)


def connect(url: str, autocommit: bool = False) -> psycopg.Connection[Any]:
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(SESSION)
    conn.autocommit = autocommit
    return conn


def copy_statement(translator: Translator, table: Table) -> str:
    cols = ", ".join(translator.n(c.name) for c in table.columns)
    return f"COPY {translator.t(table)} ({cols}) FROM STDIN"


def batches(reader: Any, table: Table, chunk: Chunk) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of a chunk in batches; sources without `batches` are batched here."""
    if hasattr(reader, "batches"):
        yield from reader.batches(table, chunk)
        return
    batch: list[tuple[Any, ...]] = []
    for row in reader.rows(table, chunk):
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def source_digest(reader: Any, table: Table, chunk: Chunk, refused: set[str] | None = None) -> int:
    """Digest of the source's canonical rows of a chunk (minus rows PostgreSQL refused)."""
    rows: Any = reader.canonical_rows(table, chunk)
    if refused:
        keys = [c.name for c in table.columns]
        pk = [keys.index(k) for k in (table.primary_key or keys)]
        rows = (r for r in rows if key_json(r, pk) not in refused)
    return digest_rows(rows)


def key_json(row: tuple[Any, ...], positions: list[int]) -> str:
    return json.dumps([json_safe(row[i]) for i in positions], default=str, ensure_ascii=False)


def copy_chunk(table_name: str, chunk: Chunk) -> ChunkResult:
    st = _pool.state()
    table: Table = st["tables"][table_name]
    conn: psycopg.Connection[Any] = st["conn"]
    fingerprint: str = st["fingerprint"]
    with conn.transaction():
        if journal.chunk_done(conn, fingerprint, chunk.id):
            return ChunkResult(table.qualified, chunk.id, 0, 0, True)
    for _attempt in range(3):
        try:
            return _copy_once(st, table, chunk)
        except SlowPath:
            continue  # the reader now reads this table another way (see SlowPath's raisers)
        except psycopg.errors.UniqueViolation:
            if _done_elsewhere(conn, fingerprint, chunk):
                return ChunkResult(table.qualified, chunk.id, 0, 0, True)
            return _isolate(st, table, chunk)
        except REFUSED:
            return _isolate(st, table, chunk)
    return _isolate(st, table, chunk)


def _done_elsewhere(conn: psycopg.Connection[Any], fingerprint: str, chunk: Chunk) -> bool:
    """A worker of an interrupted run may still have committed this chunk meanwhile."""
    with conn.transaction():
        return journal.chunk_done(conn, fingerprint, chunk.id)


def _copy_once(st: dict[str, Any], table: Table, chunk: Chunk) -> ChunkResult:
    conn: psycopg.Connection[Any] = st["conn"]
    reader = st["reader"]
    if copy_format(reader, table) == "binary":
        return _copy_binary(st, table, chunk)
    if hasattr(reader, "csv_batches"):
        return _copy_csv(st, table, chunk)
    count = digest = 0
    with conn.transaction():
        with conn.cursor() as cur, cur.copy(copy_statement(st["translator"], table)) as copy:
            write = copy.write_row
            for batch in batches(reader, table, chunk):
                for row in batch:
                    write(row)
                count += len(batch)
                if hasattr(reader, "canonical"):
                    digest += digest_rows(reader.canonical(table, batch))
                _pool.report(table.qualified, len(batch))
        if not hasattr(reader, "canonical"):
            digest = source_digest(reader, table, chunk)
        rejects = list(reader.rejects(table, chunk))
        _finish(conn, st["fingerprint"], chunk, table, (count, digest & MASK), rejects)
    return ChunkResult(table.qualified, chunk.id, count, len(rejects), False)


def normalizer(st: dict[str, Any]) -> Callable[[str, list[str | None]], list[str | None]]:
    """PostgreSQL's normal text form of source values (JSON, decimals), computed by the target
    server on its own connection, from the values sent — never read back from the table."""

    def normalize(cast: str, values: list[str | None]) -> list[str | None]:
        if "norm" not in st:
            st["norm"] = connect(st["target_url"], autocommit=True)
        # one JSON document carries the batch: psycopg's array adapter escapes in Python
        sql = (
            # concat() prints by the type's output function, as COPY does (char(n) keeps its
            # padding, which a cast to text strips)
            f"SELECT CASE WHEN x IS NOT NULL THEN concat(x::{cast}) END"
            " FROM jsonb_array_elements_text(%s::jsonb) "
            "WITH ORDINALITY AS u(x, n) ORDER BY n"
        )
        try:
            rows = st["norm"].execute(sql, (json.dumps(values, ensure_ascii=False),)).fetchall()
        except psycopg.Error:
            return [_normal_one(st["norm"], cast, v) for v in values]
        return [r[0] for r in rows]

    return normalize


def _normal_one(conn: psycopg.Connection[Any], cast: str, value: str | None) -> str | None:
    """One value's normal form; one the type refuses stays as it is (PostgreSQL refuses its
    row in the COPY too: it is kept in the reject table, out of the digest)."""
    if value is None:
        return None
    try:
        row = conn.execute(f"SELECT concat(%s::{cast})", (value,)).fetchone()
    except psycopg.Error:
        return value
    return row[0] if row else value


def _copy_csv(st: dict[str, Any], table: Table, chunk: Chunk) -> ChunkResult:
    """Records built mostly by the source itself, written in blocks: no per-row Python call."""
    conn: psycopg.Connection[Any] = st["conn"]
    reader = st["reader"]
    count = digest = 0
    sql = copy_statement(st["translator"], table) + CSV_OPTIONS
    with conn.transaction():
        with conn.cursor() as cur, cur.copy(sql) as copy:
            for sent, checked in reader.csv_batches(table, chunk, normalizer(st)):
                copy.write("\n".join(sent) + "\n")
                count += len(sent)
                digest += digest_lines("\n".join(checked).encode())
                _pool.report(table.qualified, len(sent))
        rejects = list(reader.rejects(table, chunk))
        _finish(conn, st["fingerprint"], chunk, table, (count, digest & MASK), rejects)
    return ChunkResult(table.qualified, chunk.id, count, len(rejects), False)


def copy_format(reader: Any, table: Table) -> str:
    """How a table's rows travel: "binary" (COPY binary records), "csv" or "rows" (tuples)."""
    if hasattr(reader, "copy_format"):
        return str(reader.copy_format(table))
    return "csv" if hasattr(reader, "csv_batches") else "rows"


def _copy_binary(st: dict[str, Any], table: Table, chunk: Chunk) -> ChunkResult:
    """Binary COPY records; the digest is that of the rows PostgreSQL will send back, summed
    record by record (values.digest_records; see sources/sqlite/_binary.py and verify.py)."""
    conn: psycopg.Connection[Any] = st["conn"]
    reader = st["reader"]
    count = 0
    with conn.transaction():
        with (
            conn.cursor() as cur,
            cur.copy(copy_statement(st["translator"], table) + BINARY) as copy,
        ):
            copy.write(HEADER)
            stream = reader.binary_stream(table, chunk)
            for records, rows in stream:
                copy.write(records)
                count += rows
                _pool.report(table.qualified, rows)
            copy.write(TRAILER)
        rejects = list(reader.rejects(table, chunk))
        _finish(conn, st["fingerprint"], chunk, table, (count, stream.digest()), rejects)
    return ChunkResult(table.qualified, chunk.id, count, len(rejects), False)


def _finish(conn: psycopg.Connection[Any], fingerprint: str, chunk: Chunk, table: Table,
            copied: tuple[int, int], rejects: list[Reject]) -> None:  # fmt: skip
    """The chunk's rejects (a row of the reject table for each bad value; the chunk counts
    rejected rows) and its progress row, in the chunk's transaction."""
    journal.record_rejects(conn, fingerprint, chunk.id, [v for r in rejects for v in r.each()])
    journal.record_chunk(
        conn, fingerprint, chunk.id, table.qualified, (copied[0], len(rejects), copied[1])
    )


def _isolate(st: dict[str, Any], table: Table, chunk: Chunk) -> ChunkResult:
    """Reload the chunk, bisecting failed batches under savepoints down to single rows."""
    conn: psycopg.Connection[Any] = st["conn"]
    reader = st["reader"]
    refused: list[Reject] = []
    mode = copy_format(reader, table)
    items, sql = _items(st, table, chunk, mode)
    frame = (HEADER, TRAILER) if mode == "binary" else (b"", b"")
    with conn.transaction():
        loaded = _bisect(
            conn,
            sql,
            items,
            WRITERS[mode],
            lambda item, exc: refused.append(_refused(table, item, exc, mode, reader)),
            frame,
        )
        rejects = list(reader.rejects(table, chunk)) + refused
        if mode == "binary":
            digest = digest_records(item[0] for item in loaded)
        elif mode == "csv":
            digest = digest_lines("\n".join(item[1] for item in loaded).encode()) if loaded else 0
        elif hasattr(reader, "canonical"):
            digest = digest_rows(reader.canonical(table, loaded))
        else:
            digest = source_digest(reader, table, chunk, {r.key for r in refused})
        _finish(conn, st["fingerprint"], chunk, table, (len(loaded), digest & MASK), rejects)
    _pool.report(table.qualified, len(items))
    return ChunkResult(table.qualified, chunk.id, len(loaded), len(rejects), False)


def _items(st: dict[str, Any], table: Table, chunk: Chunk, mode: str) -> tuple[list[Any], str]:
    """Every good row of the chunk as (what is written, what identifies it), and the COPY."""
    reader = st["reader"]
    sql = copy_statement(st["translator"], table)
    if mode == "binary":
        pairs = [
            p
            for recs, rows in reader.binary_batches(table, chunk)
            for p in zip(recs, rows, strict=True)
        ]
        return pairs, sql + BINARY
    if mode == "csv":
        pairs = [
            p
            for sent, checked in reader.csv_batches(table, chunk, normalizer(st))
            for p in zip(sent, checked, strict=True)
        ]
        return pairs, sql + CSV_OPTIONS
    return [row for batch in batches(reader, table, chunk) for row in batch], sql


def _write_record(copy: Any, item: tuple[str, str]) -> None:
    copy.write(item[0] + "\n")


def _write_row(copy: Any, row: tuple[Any, ...]) -> None:
    copy.write_row(row)


def _write_binary(copy: Any, item: tuple[bytes, tuple[Any, ...]]) -> None:
    copy.write(item[0])


WRITERS: dict[str, Callable[[Any, Any], None]] = {
    "binary": _write_binary,
    "csv": _write_record,
    "rows": _write_row,
}


def _bisect(conn: psycopg.Connection[Any], sql: str, items: list[Any], write: Callable[[Any, Any], None],
            refuse: Callable[[Any, Exception], None], frame: tuple[bytes, bytes]) -> list[Any]:  # fmt: skip
    if not items:
        return []
    try:
        # a savepoint inside the chunk's transaction
        with conn.transaction(), conn.cursor() as cur, cur.copy(sql) as copy:
            copy.write(frame[0])
            for item in items:
                write(copy, item)
            copy.write(frame[1])
        return items
    except REFUSED as exc:
        if len(items) == 1:
            refuse(items[0], exc)
            return []
    half = len(items) // 2
    return _bisect(conn, sql, items[:half], write, refuse, frame) + _bisect(
        conn, sql, items[half:], write, refuse, frame
    )


def parse_record(table: Table, record: str) -> tuple[Any, ...]:
    """A CSV record back into values: integers as int, the rest as the text sent."""
    fields = next(csv.reader([record]))
    return tuple(
        int(f) if c.kind == "int" and f.lstrip("-").isdigit() else (None if f == "" else f)
        for c, f in zip(table.columns, fields, strict=True)
    )


def _refused(table: Table, item: Any, exc: Exception, mode: str = "rows",
             reader: Any = None) -> Reject:  # fmt: skip
    """The reject of a row PostgreSQL refused, its column named as the source names it."""
    names = [c.name for c in table.columns]
    row = parse_record(table, item[0]) if mode == "csv" else item[1] if mode == "binary" else item
    pk = [names.index(k) for k in (table.primary_key or names)]
    key = key_json(row, pk)
    # a CSV record holds text only: the row as the source holds it, where it can tell
    source = getattr(reader, "source_row", None)
    stored = source(table, [row[i] for i in pk]) if source and mode == "csv" else None
    diag = getattr(exc, "diag", None)
    column = _source_column(table, getattr(diag, "column_name", None) if diag else None)
    message = (getattr(diag, "message_primary", None) if diag else None) or str(exc).splitlines()[0]
    context = (getattr(diag, "context", None) if diag else None) or ""
    found = re.search(r"column (.+?): ", context)
    if column is None and found:
        column = _source_column(table, found.group(1))
    if column is None:
        column = next((n for n in names if f'"{n}"' in message), None)
    if "0x00" in message or "NUL" in message:
        message = journal.NUL_REFUSED
        column = None
    if column is None and "NUL" in message:
        column = next(
            (n for n, v in zip(names, row, strict=True) if isinstance(v, str) and "\x00" in v), None
        )
    row = stored or row
    return Reject(
        table=table.qualified,
        key=key,
        column=column,
        raw=printable(row[names.index(column)]) if column else printable(repr(row)),
        reason=message if message == journal.NUL_REFUSED else f"PostgreSQL refused: {message}",
        row={n: json_safe(v) for n, v in zip(names, row, strict=True)},
    )


def _source_column(table: Table, target: str | None) -> str | None:
    """The source's name of a column PostgreSQL named (shortened, folded)."""
    if target is None:
        return None
    for col in table.columns:
        if target in (col.name, shorten(col.name), shorten(col.name.lower())):
            return col.name
    return None


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
