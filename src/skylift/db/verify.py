"""Verification: every table, both sides, row counts and a content checksum.

Each row is reduced to a canonical tuple (db/values.py) and hashed to 64 bits; a table's checksum
is the sum of its rows' digests modulo 2^64 — independent of row order, so source and target can
be read in parallel chunks. One changed float, one truncated string or one shifted timestamp
changes the sum. On a mismatch the table is read again keyed by its primary key to name the rows
that differ.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg

from skylift.db import _pool, journal
from skylift.db.copy import connect
from skylift.db.schema import Schema, Table
from skylift.db.sources import Chunk, Source
from skylift.db.translate import Policy, Translator
from skylift.db.values import READ_AS, canonicalizer, row_digest

MASK = (1 << 64) - 1
MAX_LISTED = 10


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
           policy: Policy, excluded: dict[str, set[str]]) -> None:  # fmt: skip
    state["source"] = source
    state["tables"] = {t.name: t for t in schema.tables}
    state["target_url"] = target_url
    state["translator"] = Translator(schema, policy)
    state["excluded"] = excluded


def _reader(st: dict[str, Any]) -> Any:
    if "reader" not in st:
        st["reader"] = st["source"].reader()
    return st["reader"]


def _conn(st: dict[str, Any]) -> psycopg.Connection[Any]:
    if "conn" not in st:
        st["conn"] = connect(st["target_url"], autocommit=True)
    return st["conn"]


def key_positions(table: Table) -> list[int]:
    names = [c.name for c in table.columns]
    return [names.index(k) for k in table.primary_key]


def source_rows(st: dict[str, Any], table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
    excluded: set[str] = st["excluded"].get(table.name, set())
    rows = _reader(st).canonical_rows(table, chunk)
    if not excluded:
        yield from rows
        return
    keys = key_positions(table)
    for row in rows:
        if json.dumps([row[k] for k in keys], default=str, ensure_ascii=False) not in excluded:
            yield row


def target_query(translator: Translator, table: Table, where: str = "") -> str:
    cols = ", ".join(f"{translator.n(c.name)}::{READ_AS[c.kind]}" for c in table.columns)
    return f"SELECT {cols} FROM {translator.t(table)}{where}"


def target_rows(st: dict[str, Any], table: Table, where: str = "") -> Iterator[tuple[Any, ...]]:
    convert = canonicalizer([c.kind for c in table.columns])
    sql = target_query(st["translator"], table, where)
    with _conn(st).cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
        copy.set_types([READ_AS[c.kind] for c in table.columns])
        for row in copy.rows():
            yield convert(row)


def _sum(rows: Iterable[tuple[Any, ...]], table: str) -> tuple[int, int]:
    count, total = 0, 0
    for row in rows:
        total = (total + row_digest(row)) & MASK
        count += 1
        if count % 50_000 == 0:
            _pool.report(table, 50_000)
    _pool.report(table, count % 50_000)
    return count, total


def check_source(table_name: str, chunk: Chunk) -> tuple[str, str, int, int]:
    st = _pool.state()
    table = st["tables"][table_name]
    return ("source", table_name, *_sum(source_rows(st, table, chunk), table_name))


def check_target(table_name: str, chunk: Chunk) -> tuple[str, str, int, int]:
    st = _pool.state()
    table = st["tables"][table_name]
    return (
        "target",
        table_name,
        *_sum(target_rows(st, table, _range(st, table, chunk)), table_name),
    )


def _range(st: dict[str, Any], table: Table, chunk: Chunk) -> str:
    if chunk.lo is None and chunk.hi is None:
        return ""
    key = st["translator"].n(table.primary_key[0])
    parts = []
    if chunk.lo is not None:
        parts.append(f"{key} >= {int(chunk.lo)}")
    if chunk.hi is not None:
        parts.append(f"{key} < {int(chunk.hi)}")
    return " WHERE " + " AND ".join(parts)


def target_chunks(table: Table, chunks: list[Chunk]) -> list[Chunk]:
    """Source chunks map onto key ranges of the target when the key is SQLite's rowid."""
    rowid_key = len(table.primary_key) == 1 and table.column(table.primary_key[0]).identity
    return chunks if rowid_key and table.has_rowid else [Chunk(table.name, 0)]


def verify_all(
    source: Source,
    schema: Schema,
    target_url: str,
    chunks: dict[str, list[Chunk]],
    jobs: int,
    policy: Policy = "preserve",
    fingerprint: str | None = None,
    on_progress: Callable[[str, int], None] | None = None,
) -> list[TableCheck]:
    excluded: dict[str, set[str]] = {}
    if fingerprint:
        with connect(target_url, autocommit=True) as conn:
            for table in schema.tables:
                if journal.find_run(conn):
                    excluded[table.name] = journal.refused_keys(conn, fingerprint, table.name)
    tasks: list[tuple[Callable[..., Any], str, Chunk]] = []
    for table in schema.tables:
        tasks += [(check_source, table.name, c) for c in chunks[table.name]]
        tasks += [(check_target, table.name, c) for c in target_chunks(table, chunks[table.name])]
    tasks.sort(key=lambda t: -(t[2].hi or 0) + (t[2].lo or 0))
    results = _pool.run(
        [(func, name, chunk) for func, name, chunk in tasks],
        _call,
        _setup,
        (source, schema, target_url, policy, excluded),
        jobs,
        on_progress=on_progress,
    )
    checks = {t.name: TableCheck(t.name) for t in schema.tables}
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
        _setup(state, source, schema, target_url, policy, excluded)
        for check in failed:
            check.differences = find_differences(
                state, schema.table(check.table), chunks[check.table]
            )
    return list(checks.values())


def _call(func: Callable[..., Any], *args: Any) -> Any:
    return func(*args)


def find_differences(st: dict[str, Any], table: Table, chunks: list[Chunk]) -> list[str]:
    """Name the rows that differ: by primary key, or as whole rows when there is none."""
    keys = key_positions(table)
    if not keys:
        src = Counter(row_digest(r) for c in chunks for r in source_rows(st, table, c))
        dst = Counter(row_digest(r) for r in target_rows(st, table))
        missing, extra = sum((src - dst).values()), sum((dst - src).values())
        return [f"{missing} source rows missing or changed, {extra} target rows unexpected"]
    src_map = {_key(r, keys): row_digest(r) for c in chunks for r in source_rows(st, table, c)}
    out: list[str] = []
    for row in target_rows(st, table):
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
    values = [row[i] for i in positions]
    return ", ".join(repr(v) for v in values)
