"""Verification: every table, both sides, row counts and a content checksum.

Each row is reduced to a canonical tuple (db/values.py) and hashed to 64 bits; a table's checksum
is the sum of its rows' digests modulo 2^64 — independent of row order, so both sides can be
read in parallel chunks. One changed float, one truncated string or one shifted timestamp
changes the sum. The source side was summed while copying (skylift.progress) or is read again
(`skylift db verify`); the target side is always read back. On a mismatch the table is read
again keyed by its primary key, to name the rows that differ.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import pq

from skylift.db import _accel, _pool
from skylift.db.copy import connect, key_json, normalizer, parse_record, source_digest
from skylift.db.records import HEADER, TRAILER, SlowPath, csv_target_select, expect_result
from skylift.db.schema import Column, Schema, Table
from skylift.db.sources import Chunk, Source
from skylift.db.translate import Policy, Translator
from skylift.db.values import (
    MASK,
    READ_AS,
    TARGET,
    canonicalizer,
    digest_lines,
    digest_records,
    digest_rows,
    row_digest,
)

MAX_LISTED = 10
FETCH = 10_000


@dataclass
class TableCheck:
    table: str
    source_rows: int = 0
    target_rows: int = 0
    source_sum: int = 0
    target_sum: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "ok": self.ok,
            "source_rows": self.source_rows,
            "target_rows": self.target_rows,
            "source_checksum": f"{self.source_sum:016x}",
            "target_checksum": f"{self.target_sum:016x}",
            "differences": self.differences,
        }


def _setup(state: dict[str, Any], source: Source, schema: Schema, target_url: str,
           policy: Policy, refused: dict[str, set[str]]) -> None:  # fmt: skip
    state["source"] = source
    state["tables"] = {t.qualified: t for t in schema.tables}
    state["target_url"] = target_url
    state["translator"] = Translator(schema, policy)
    state["refused"] = refused


def _reader(st: dict[str, Any]) -> Any:
    if "reader" not in st:
        st["reader"] = st["source"].reader()
    return st["reader"]


def _conn(st: dict[str, Any]) -> psycopg.Connection[Any]:
    if "conn" not in st:
        st["conn"] = connect(st["target_url"])
    return st["conn"]


def target_query(translator: Translator, table: Table, where: str = "") -> str:
    cols = ", ".join(_read_as(translator.n(c.name), c) for c in table.columns)
    return f"SELECT {cols} FROM {translator.t(table)}{where}"


def _read_as(name: str, col: Column) -> str:
    """A text_repr value as the type's output function prints it, as the source's COPY text
    has it: a cast to text is not always that (inet '::1' casts to '::1/128')."""
    if col.kind == "text_repr" and not col.pg_type.startswith("character"):
        return f"CASE WHEN {name} IS NOT NULL THEN concat({name}) END"
    return f"{name}::{READ_AS[col.kind]}"


def target_batches(st: dict[str, Any], table: Table, where: str = "") -> Iterator[list[Any]]:
    """The target's rows in canonical form, in batches (a binary server-side cursor)."""
    kinds = [c.kind for c in table.columns]
    convert = canonicalizer(kinds) if any(TARGET[k] for k in kinds) else None
    conn = _conn(st)
    with conn.transaction(), conn.cursor(name="skylift_verify", binary=True) as cur:
        cur.execute(target_query(st["translator"], table, where))
        while batch := cur.fetchmany(FETCH):
            yield [convert(r) for r in batch] if convert else batch


def csv_mode(source: Source) -> bool:
    """Sources that send CSV records in PostgreSQL's output form are compared record by record."""
    return getattr(source, "record_format", None) == "csv"


def target_csv(st: dict[str, Any], table: Table, where: str = "") -> Iterator[tuple[bytes, int]]:
    """The target's rows as PostgreSQL prints them in CSV (see db/pgtext.py): slabs of whole
    rows, and how many rows each holds."""
    for rows in copy_out(_conn(st), _csv_copy(st, table, where)):
        yield b"".join(rows), len(rows)


def _csv_copy(st: dict[str, Any], table: Table, where: str) -> str:
    tr: Translator = st["translator"]
    sql, quoted = csv_target_select(table, tr.n, tr.t(table))
    force = f", FORCE_QUOTE ({', '.join(quoted)})" if quoted else ""
    return f"COPY ({sql}{where}) TO STDOUT (FORMAT csv, NULL '\\N'{force})"


def _check_target_csv(st: dict[str, Any], table: Table, where: str) -> tuple[int, int]:
    functions = _accel.libpq()
    if functions is not None:
        return _digest_copy_out(_conn(st), _csv_copy(st, table, where), table, True, functions)
    count = total = 0
    for slab, rows in target_csv(st, table, where):
        total += digest_lines(slab[:-1])  # every row ends with a newline
        count += rows
        _pool.report(table.qualified, rows)
    return count, total & MASK


def _check_target_binary(st: dict[str, Any], table: Table, where: str) -> tuple[int, int]:
    """PostgreSQL sends one row per message; the first also carries the COPY header, and the
    trailer comes last. Digested as the records were when sent (values.digest_records)."""
    tr: Translator = st["translator"]
    cols = ", ".join(tr.n(c.name) for c in table.columns)
    sql = f"COPY (SELECT {cols} FROM {tr.t(table)}{where}) TO STDOUT (FORMAT binary)"
    functions = _accel.libpq()
    if functions is not None:
        return _digest_copy_out(_conn(st), sql, table, False, functions)
    count = total = 0
    first = True
    for messages in copy_out(_conn(st), sql):
        if first and messages:
            messages[0], first = bytes(messages[0])[len(HEADER) :], False
        rows = [m for m in messages if m != TRAILER and len(m)]
        count += len(rows)
        total += digest_records(rows)
        _pool.report(table.qualified, len(rows))
    return count, total & MASK


def _digest_copy_out(conn: psycopg.Connection[Any], sql: str, table: Table, lines: bool,
                     functions: tuple[int, int]) -> tuple[int, int]:  # fmt: skip
    """The accelerator's `CopyDigest` reads the COPY straight from libpq: no Python per row.
    Binary records (values.digest_records), or CSV rows with `lines` (values.digest_lines)."""
    digest = _accel.fastcopy.CopyDigest(lines)
    count = 0
    with _copy_out_started(conn, sql) as out:
        while not out.done:
            rows, out.done = digest.read(out.pg.pgconn_ptr, *functions, FETCH)
            count += rows
            _pool.report(table.qualified, rows)
    return count, int(digest.digest())


def copy_out(conn: psycopg.Connection[Any], sql: str) -> Iterator[list[Any]]:
    """The messages of `COPY ... TO STDOUT` (one row each), in lists, read straight from libpq:
    psycopg's Copy iterator costs a microsecond of Python per row, which a big table feels."""
    with _copy_out_started(conn, sql) as out:
        get = out.pg.get_copy_data
        batch: list[Any] = []
        while True:
            size, data = get(0)
            if size < 0:
                out.done = True
                break
            batch.append(data)
            if len(batch) >= FETCH:
                yield batch
                batch = []
        if batch:
            yield batch


@dataclass
class _CopyOut:
    pg: Any  # libpq's connection
    done: bool = False  # set by the reader once libpq reported the end


@contextlib.contextmanager
def _copy_out_started(conn: psycopg.Connection[Any], sql: str) -> Iterator[_CopyOut]:
    """libpq's connection in the COPY OUT state of `sql`; afterwards the rest of the COPY is
    drained (should the reader stop early) and its result checked."""
    out = _CopyOut(conn.pgconn)
    with conn.transaction():
        out.pg.send_query(sql.encode())
        while out.pg.flush():
            pass
        expect_result(out.pg, pq.ExecStatus.COPY_OUT)
        try:
            yield out
        finally:
            while not out.done and out.pg.get_copy_data(0)[0] >= 0:  # abandoned: drain it
                pass
            expect_result(out.pg, pq.ExecStatus.COMMAND_OK)


def table_format(source: Source, table: Table) -> str:
    """How a table's rows are compared: "binary" records, "csv" records or canonical "rows"."""
    if hasattr(source, "copy_format"):
        return str(source.copy_format(table))
    return "csv" if csv_mode(source) else "rows"


def check_target(table_name: str, chunk: Chunk | Pages) -> tuple[str, str, int, int]:
    st = _pool.state()
    table = st["tables"][table_name]
    where = _range(chunk)
    if table_format(st["source"], table) == "binary":
        return ("target", table_name, *_check_target_binary(st, table, where))
    if csv_mode(st["source"]):
        return ("target", table_name, *_check_target_csv(st, table, where))
    count = total = 0
    for batch in target_batches(st, table, where):
        count += len(batch)
        total += digest_rows(batch)
        _pool.report(table_name, len(batch))
    return ("target", table_name, count, total & MASK)


def _check_source_binary(st: dict[str, Any], table: Table, chunk: Chunk) -> tuple[int, int]:
    for _attempt in range(2):
        try:
            return _source_binary_once(st, table, chunk)
        except SlowPath:
            continue  # the reader now reads this table another way
    return _source_binary_once(st, table, chunk)


def _source_binary_once(st: dict[str, Any], table: Table, chunk: Chunk) -> tuple[int, int]:
    refused = st["refused"].get(table.qualified)
    if not refused:
        stream = _reader(st).binary_stream(table, chunk)
        count = sum(rows for _records, rows in stream)
        _pool.report(table.qualified, count)
        return count, stream.digest()
    pk = _pk(table)
    count = total = 0
    for records, rows in _reader(st).binary_batches(table, chunk):
        kept = [r for r, row in zip(records, rows, strict=True) if key_json(row, pk) not in refused]
        count += len(kept)
        total += digest_records(kept)
    _pool.report(table.qualified, count)
    return count, total & MASK


def _pk(table: Table) -> list[int]:
    names = [c.name for c in table.columns]
    return [names.index(k) for k in (table.primary_key or names)]


def _check_source_csv(st: dict[str, Any], table: Table, chunk: Chunk) -> tuple[int, int]:
    for _attempt in range(2):
        try:
            return _source_csv_once(st, table, chunk)
        except SlowPath:
            continue  # a value SQLite cannot print as text (a blob, bad UTF-8): value by value
    return _source_csv_once(st, table, chunk)


def _source_csv_once(st: dict[str, Any], table: Table, chunk: Chunk) -> tuple[int, int]:
    refused = st["refused"].get(table.qualified)
    pk = _pk(table)
    count = total = 0
    for sent, checked in _reader(st).csv_batches(table, chunk, normalizer(st)):
        if refused:  # keys as the copy recorded them, from the records sent
            checked = [
                c for s, c in zip(sent, checked, strict=True)
                if key_json(parse_record(table, s), pk) not in refused
            ]  # fmt: skip
        count += len(checked)
        total += digest_lines("\n".join(checked).encode())
    _pool.report(table.qualified, count)
    return count, total & MASK


def check_source(table_name: str, chunk: Chunk) -> tuple[str, str, int, int]:
    st = _pool.state()
    table = st["tables"][table_name]
    if table_format(st["source"], table) == "binary":
        return ("source", table_name, *_check_source_binary(st, table, chunk))
    if csv_mode(st["source"]):
        return ("source", table_name, *_check_source_csv(st, table, chunk))
    rows = [0]
    digest = source_digest(
        _Counting(_reader(st), rows), table, chunk, st["refused"].get(table_name)
    )
    _pool.report(table_name, rows[0])
    return ("source", table_name, rows[0], digest)


class _Counting:
    """A reader wrapper counting the canonical rows a digest consumes."""

    def __init__(self, reader: Any, counter: list[int]) -> None:
        self.reader, self.counter = reader, counter

    def canonical_rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        for row in self.reader.canonical_rows(table, chunk):
            self.counter[0] += 1
            yield row


def _range(chunk: Chunk | Pages) -> str:
    if isinstance(chunk, Pages):
        upper = f" AND ctid < '({chunk.hi},0)'::tid" if chunk.hi is not None else ""
        return f" WHERE ctid >= '({chunk.lo},0)'::tid{upper}"
    return ""  # the whole table


def target_chunks(table: Table, pages: int) -> list[Chunk | Pages]:
    """Tables are summed row by row in any order, so a big one is read in parallel slices of
    its heap (`pages`: its size in pages, 0 when unknown: then in one piece). Nothing waits
    for an index."""
    parts = min(pages // PAGES_PER_SLICE, MAX_SLICES)
    if parts < 2:
        return [Chunk(table.qualified, 0)]
    step = pages // parts
    return [
        Pages(table.qualified, i * step, None if i == parts - 1 else (i + 1) * step)
        for i in range(parts)
    ]


@dataclass(frozen=True)
class Pages:
    """A slice of a target table by physical position (a TID range scan, PostgreSQL 14+)."""

    table: str
    lo: int
    hi: int | None


PAGES_PER_SLICE = 1024  # 8 MiB, about 100,000 rows of an app's table
MAX_SLICES = 64


def heap_pages(target_url: str, schema: Schema, policy: Policy) -> dict[str, int]:
    """Each table's size in pages, or nothing when the server has no TID range scans."""
    tr = Translator(schema, policy)
    sql = "SELECT pg_relation_size(to_regclass(%s)) / current_setting('block_size')::int"
    sizes: dict[str, int] = {}
    with connect(target_url, autocommit=True) as conn:
        if conn.info.server_version < 140000:
            return sizes
        for table in schema.tables:
            row = conn.execute(sql, (tr.t(table),)).fetchone()
            sizes[table.qualified] = int(row[0] or 0) if row else 0
    return sizes


def verify_all(
    source: Source,
    schema: Schema,
    target_url: str,
    chunks: dict[str, list[Chunk]],
    jobs: int,
    policy: Policy = "preserve",
    source_sums: dict[str, tuple[int, int]] | None = None,
    refused: dict[str, set[str]] | None = None,
    on_progress: Callable[[str, int], None] | None = None,
    started: Callable[[], None] | None = None,
) -> list[TableCheck]:
    """Compare every table. `source_sums` (table -> rows, digest) skips reading the source.
    `started`: called once the worker processes exist (see _pool.run)."""
    refused = refused or {}
    pages = heap_pages(target_url, schema, policy)
    tasks: list[tuple[Callable[..., Any], str, Chunk | Pages]] = []
    for table in schema.tables:
        if source_sums is None:
            tasks += [(check_source, table.qualified, c) for c in chunks[table.qualified]]
        tasks += [
            (check_target, table.qualified, c)
            for c in target_chunks(table, pages.get(table.qualified, 0))
        ]
    tasks.sort(key=lambda t: -schema.table(t[1]).row_estimate)  # biggest first
    results = _pool.run(tasks, _call, _setup, (source, schema, target_url, policy, refused),
                        jobs, on_progress=on_progress, started=started)  # fmt: skip
    checks = {t.qualified: TableCheck(t.qualified) for t in schema.tables}
    for name, (count, total) in (source_sums or {}).items():
        if name in checks:
            checks[name].source_rows, checks[name].source_sum = count, total & MASK
    for side, name, count, total in results:
        check = checks[name]
        if side == "source":
            check.source_rows += count
            check.source_sum = (check.source_sum + total) & MASK
        else:
            check.target_rows += count
            check.target_sum = (check.target_sum + total) & MASK
    failed = [c for c in checks.values() if not c.ok]
    if failed:
        state: dict[str, Any] = {}
        _setup(state, source, schema, target_url, policy, refused)
        for check in failed:
            check.differences = find_differences(
                state, schema.table(check.table), chunks[check.table]
            )
    return list(checks.values())


def _call(func: Callable[..., Any], *args: Any) -> Any:
    return func(*args)


def _source_rows(
    st: dict[str, Any], table: Table, chunks: list[Chunk]
) -> Iterator[tuple[Any, ...]]:
    refused = st["refused"].get(table.qualified, set())
    names = [c.name for c in table.columns]
    pk = [names.index(k) for k in (table.primary_key or names)]
    for chunk in chunks:
        for row in _reader(st).canonical_rows(table, chunk):
            if not refused or json.dumps([row[i] for i in pk], default=str) not in refused:
                yield row


def _csv_rows(
    st: dict[str, Any], table: Table, chunks: list[Chunk]
) -> tuple[Iterator[Any], Iterator[Any]]:
    source = (
        tuple(r)
        for chunk in chunks
        for _sent, checked in _reader(st).csv_batches(table, chunk, normalizer(st))
        for r in csv.reader(checked)
    )
    return source, (tuple(r) for r in csv.reader(_lines(target_csv(st, table))))


def _lines(slabs: Iterator[tuple[bytes, int]]) -> Iterator[str]:
    data = b"".join(slab for slab, _ in slabs).decode("utf-8")
    yield from data.splitlines(keepends=True)


def find_differences(st: dict[str, Any], table: Table, chunks: list[Chunk]) -> list[str]:
    """Name the rows that differ: by primary key, or as whole rows when there is none."""
    names = [c.name for c in table.columns]
    keys = [names.index(k) for k in table.primary_key]
    if csv_mode(st["source"]):
        for _attempt in range(2):
            try:
                source_rows, target = _csv_rows(st, table, chunks)
                return _compare(list(source_rows), target, keys)
            except SlowPath:
                continue  # the reader now reads this table value by value
        source_rows, target = _csv_rows(st, table, chunks)
        return _compare(list(source_rows), target, keys)
    target = (row for batch in target_batches(st, table) for row in batch)
    return _compare(list(_source_rows(st, table, chunks)), target, keys)


def _compare(
    source: list[tuple[Any, ...]], target: Iterator[tuple[Any, ...]], keys: list[int]
) -> list[str]:
    if not keys:
        src = Counter(row_digest(r) for r in source)
        dst = Counter(row_digest(r) for r in target)
        missing, extra = sum((src - dst).values()), sum((dst - src).values())
        return [f"{missing} source rows missing or changed, {extra} target rows unexpected"]
    src_map = {_key(r, keys): row_digest(r) for r in source}
    out: list[str] = []
    for row in target:
        key = _key(row, keys)
        digest = src_map.pop(key, None)
        if digest is None:
            out.append(f"key {key}: in the target, not in the source")
        elif digest != row_digest(row):
            out.append(f"key {key}: content differs")
        if len(out) >= MAX_LISTED:
            return out
    out += [f"key {key}: missing from the target" for key in list(src_map)[: MAX_LISTED - len(out)]]
    return out


def _key(row: tuple[Any, ...], positions: list[int]) -> str:
    return ", ".join(str(row[i]) for i in positions)
