"""The SQLite `Source` (top layer): reads the schema, plans chunks, hands out readers.

The declared type gives each column's PostgreSQL type (`_types.py`); profiling the actual values
(`_profile.py`) then widens it where that is harmless, converts what has one clear meaning
(epoch numbers in a DATETIME column, '' in a number column) and sends the rest to the reject
table. `_read.py` streams the rows.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from skylift.db import overrides
from skylift.db.schema import Column, ForeignKey, Index, Schema, Table, Trigger, View
from skylift.db.sources import Chunk
from skylift.db.sources.sqlite import _ddl as ddl
from skylift.db.sources.sqlite._binary import binary_able
from skylift.db.sources.sqlite._profile import profile_tables, rowid_bounds
from skylift.db.sources.sqlite._read import SqliteReader
from skylift.db.sources.sqlite._snapshot import (
    Sync,
    backup,
    claim_early,
    corrupt,
    durable,
    fingerprint,
    open_readonly,
    parse_url,
    snapshot_path,
)
from skylift.db.sources.sqlite._types import map_type
from skylift.errors import SourceError

CHUNK_ROWS = 50_000  # small enough that the last chunks of two workers end together


class SqliteSource:
    engine = "sqlite"
    # rows travel as CSV records in PostgreSQL's output form, or in binary (copy_format)
    record_format = "csv"

    def __init__(self, url: str, options: dict[str, Any]) -> None:
        self.path = parse_url(url).expanduser().resolve()
        self.display_url = f"sqlite:///{self.path}"
        self.options = options
        self.snapshot: Path | None = None
        self._fingerprint: str | None = None
        self._conn: sqlite3.Connection | None = None
        self._syncing: Sync | None = None
        self._nocase_keys: dict[str, list[tuple[list[str], list[str]]]] = {}
        self._generated: dict[str, tuple[list[Any], dict[str, tuple[str, str | None]]]] = {}
        self._check_file()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_conn"] = None
        state["_syncing"] = None
        return state

    # -- opening -------------------------------------------------------------------------------
    def _check_file(self) -> None:
        if not self.path.exists():
            raise SourceError(
                f"no such database file: {self.path}",
                "the SOURCE path does not exist",
                "check the path, or give a URL such as sqlite:///path/app.db",
            )
        if self.path.is_dir():
            raise SourceError(
                f"{self.path} is a folder, not a SQLite file", "", "point at the .db file"
            )
        with self.path.open("rb") as fh:
            header = fh.read(16)
        if header and header != b"SQLite format 3\x00":
            raise SourceError(
                f"{self.path} is not a SQLite database",
                "its first bytes are not the SQLite header ('SQLite format 3')",
                "check that this is the app's database file (not a dump or a WAL file)",
            )
        try:  # fail on a damaged file now, before anything is written anywhere
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise corrupt(self.path, exc) from exc

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = open_readonly(self.snapshot or self.path)
        return self._conn

    def take_snapshot(self, folder: Path) -> Path:
        """Copy the database with SQLite's online backup: a consistent image even while the app
        writes. The copy is read for the whole migration (and again on resume). It is written
        unsynced; a thread syncs it to disk while the schema is profiled, then marks it durable
        (`wait_snapshot` waits for that before the target records the snapshot). Only a copy
        marked durable is reused: one torn by a power cut is taken again."""
        folder.mkdir(parents=True, exist_ok=True)
        self._fingerprint = self.fingerprint()
        target = snapshot_path(folder, self._fingerprint)
        early = claim_early(target)  # begun by `start_early` while the engine was imported
        if not (target.exists() and durable(target).exists()):
            if not early:
                backup(self.path, target)
            self._syncing = Sync(target)
        self.snapshot = target.resolve()
        self._conn = None
        return target

    def wait_snapshot(self) -> None:
        """Block until the snapshot is on disk (no-op when it was reused)."""
        if self._syncing is not None:
            self._syncing.wait()
            self._syncing = None

    def use_snapshot(self, snapshot: Path, fingerprint: str) -> None:
        """Resume: read the snapshot the interrupted run took, under its fingerprint."""
        if claim_early(snapshot):  # copied again early (same state): on disk before use
            Sync(snapshot).wait()
        self.snapshot, self._fingerprint, self._conn = snapshot, fingerprint, None

    # -- Source protocol -----------------------------------------------------------------------
    def fingerprint(self) -> str:
        if self._fingerprint:
            return self._fingerprint
        return fingerprint(self.path)

    def read_schema(self) -> Schema:
        try:
            return self._read_schema()
        except sqlite3.DatabaseError as exc:
            raise corrupt(self.path, exc) from exc

    def _read_schema(self) -> Schema:
        schema = Schema()
        rows = self.conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            " AND substr(name, 1, 9) <> '_skylift_' ORDER BY rowid"  # skylift's sync capture
        ).fetchall()
        sequences = self._sequences()
        for kind, name, tbl, sql in rows:
            if kind == "table" and sql and not sql.upper().startswith("CREATE VIRTUAL"):
                schema.tables.append(self._table(name, sql, sequences.get(name)))
            elif kind == "table":
                schema.note(name, "virtual table (FTS or extension) not migrated", "manual", sql)
            elif kind == "view":
                schema.views.append(View(name, ddl.view_select(sql)))
            elif kind == "trigger":
                schema.triggers.append(Trigger(name, tbl, sql))
        jobs = int(self.options.get("jobs") or 2)
        path = self.snapshot or self.path
        overrides.apply(schema, self.options.get("types") or {})
        profile_tables(lambda: open_readonly(path), schema.tables, schema, jobs)
        ddl.translate_objects(schema)
        for table in schema.tables:
            _nocase_notes(schema, table, self._nocase_keys.get(table.name, []))
            _generated(schema, table, *self._generated.get(table.name, ([], {})))
        return schema

    def _sequences(self) -> dict[str, int]:
        try:
            return dict(self.conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
        except sqlite3.OperationalError:
            return {}

    def _table(self, name: str, sql: str, seq: int | None) -> Table:
        info = self.conn.execute(f"PRAGMA table_xinfo({_q(name)})").fetchall()
        pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        without_rowid = bool(re.search(r"WITHOUT\s+ROWID\s*;?\s*$", sql, re.I))
        columns = [
            Column(
                name=r[1],
                source_type=r[2] or "",
                nullable=not r[3] and r[1] not in pk,
                default=r[4],
            )
            for r in info
            if r[6] == 0  # hidden: generated or virtual-table columns
        ]
        table = Table(name, columns, primary_key=pk, has_rowid=not without_rowid)
        # a column may be called rowid: SQLite's own rowid is then _rowid_ or oid
        taken = {c.name.lower() for c in columns}
        alias = next((a for a in ("rowid", "_rowid_", "oid") if a not in taken), None)
        table.rowid, table.has_rowid = alias or "rowid", table.has_rowid and alias is not None
        if (
            len(pk) == 1
            and not without_rowid
            and table.column(pk[0]).source_type.upper() == "INTEGER"
        ):
            col = table.column(pk[0])
            col.identity = True  # the rowid alias: SQLite hands out ids; so will PostgreSQL
            col.extra["sequence_start"] = seq
            col.nullable = False
        table.foreign_keys = self._foreign_keys(name)
        table.uniques, table.indexes = self._indexes(name)
        for col_name in ddl.nocase_columns(sql):
            if col_name in {c.name for c in table.columns}:
                table.column(col_name).extra["nocase"] = True
        table.checks = ddl.checks(sql)
        hidden = [r for r in info if r[6] in (2, 3)]  # generated: VIRTUAL (2), STORED (3)
        if hidden:
            self._generated[name] = (hidden, ddl.generated_columns(sql))
        table.row_estimate = self._estimate(table)  # exact once profiled (_profile.py)
        return table

    def _estimate(self, table: Table) -> int:
        """Rows a rowid table spans, read off both ends of its b-tree at once (a count reads
        every page: 0.1 s on a million rows, before anything else can start). Rowids may be
        sparse (FTS5's shadow tables, random or time-based 64-bit ids): no table holds more
        rows than the file has room for, so the span is capped there; a span of 2^62 taken
        as a row count made the sampled profile probe 2^56 rowids (it never ended)."""
        if table.has_rowid:
            lo, hi = rowid_bounds(self.conn, table.name, table.rowid)
            return 0 if lo is None else min(hi - lo + 1, self._room())
        return int(self.conn.execute(f"SELECT count(*) FROM {_q(table.name)}").fetchone()[0])

    def _room(self) -> int:
        """The most rows the file can hold: a table b-tree cell takes at least 4 bytes (its
        2-byte pointer, a payload size, a rowid, a record header)."""
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        size = self.conn.execute("PRAGMA page_size").fetchone()[0]
        return max(1, int(pages) * int(size) // 4)

    def _foreign_keys(self, name: str) -> list[ForeignKey]:
        groups: dict[int, ForeignKey] = {}
        for r in self.conn.execute(f"PRAGMA foreign_key_list({_q(name)})").fetchall():
            fk = groups.setdefault(r[0], ForeignKey([], r[2], [], on_delete=r[6], on_update=r[5]))
            fk.columns.append(r[3])
            if r[4] is not None:
                fk.ref_columns.append(r[4])
        for fk in groups.values():
            if not fk.ref_columns:  # REFERENCES parent: the parent's primary key
                info = self.conn.execute(f"PRAGMA table_info({_q(fk.ref_table)})").fetchall()
                fk.ref_columns = [
                    r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])
                ]
        return list(groups.values())

    def _indexes(self, name: str) -> tuple[list[list[str]], list[Index]]:
        uniques: list[list[str]] = []
        indexes: list[Index] = []
        for _, idx, unique, origin, _partial in self.conn.execute(
            f"PRAGMA index_list({_q(name)})"
        ).fetchall():
            keys = [
                r for r in self.conn.execute(f"PRAGMA index_xinfo({_q(idx)})").fetchall() if r[5]
            ]  # key columns only
            cols = [r[2] for r in keys]
            if unique:
                nocase = [r[2] for r in keys if r[2] and str(r[4]).upper() == "NOCASE"]
                if nocase:
                    self._nocase_keys.setdefault(name, []).append((cols, nocase))
            if origin == "u" and None not in cols:
                uniques.append(cols)
            elif origin == "c":
                row = self.conn.execute(
                    "SELECT sql FROM sqlite_master WHERE type='index' AND name=?", (idx,)
                ).fetchone()
                indexes.append(ddl.index(idx, bool(unique), cols, row[0] if row else None))
        return uniques, indexes

    def chunks(self, table: Table) -> list[Chunk]:
        if not table.has_rowid or table.row_estimate <= CHUNK_ROWS:
            return [Chunk(table.qualified, 0)]
        lo, hi = rowid_bounds(self.conn, table.name, table.rowid)
        step = max(CHUNK_ROWS, (hi - lo + 1) * CHUNK_ROWS // max(table.row_estimate, 1))
        bounds = list(range(lo, hi + 1, step))
        return [
            Chunk(
                table.qualified, i, b if i else None, bounds[i + 1] if i + 1 < len(bounds) else None
            )
            for i, b in enumerate(bounds)
        ]

    def reader(self) -> SqliteReader:
        return SqliteReader(self.snapshot or self.path)

    def copy_format(self, table: Table) -> str:
        return "binary" if binary_able(table) else "csv"

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _generated(schema: Schema, table: Table, hidden: list[Any],
               exprs: dict[str, tuple[str, str | None]]) -> None:  # fmt: skip
    """Generated columns are computed, not copied: PostgreSQL computes them after the load,
    when their expression translates; else they are work for a human."""
    for row in hidden:
        name, declared = row[1], row[2] or ""
        source, pg_expr = exprs.get(name, ("?", None))
        where = f"{table.name}.{name}"
        pg_type = map_type(declared)[0] or "text"
        if pg_expr is None:
            schema.note(where, "generated column not created: its expression uses SQLite-only"
                        " SQL; add it by hand", "manual", source)  # fmt: skip
            continue
        table.generated.append((name, pg_type, pg_expr))
        schema.note(where, f"generated column computed by PostgreSQL (STORED): {pg_expr}")


def _nocase_notes(schema: Schema, table: Table, keys: list[tuple[list[str], list[str]]]) -> None:
    """COLLATE NOCASE: SQLite compares those values without case; PostgreSQL exactly. A UNIQUE
    on them then lets 'Ada@x' and 'ada@x' both in, and lookups miss: say so, and how to keep it."""
    for cols, nocase in keys:
        first = nocase[0]
        schema.note(
            f"{table.name}.{first}",
            f"UNIQUE ({', '.join(cols)}) compares {', '.join(nocase)} without case in SQLite"
            " (COLLATE NOCASE); PostgreSQL compares exactly, so 'Ada@x' and 'ada@x' become two"
            " keys and lookups become case-sensitive. To keep SQLite's rule, migrate with"
            f" --type {table.name}.{first}=citext (skylift creates the citext extension), or add"
            f" CREATE UNIQUE INDEX ON {table.name} (lower({first})) after the migration",
            "warning",
        )
    keyed = {c for _, nocase in keys for c in nocase}
    for col in table.columns:
        if col.extra.get("nocase") and col.name not in keyed and col.kind == "text":
            schema.note(
                f"{table.name}.{col.name}",
                "COLLATE NOCASE: SQLite compares its values without case, PostgreSQL exactly"
                f" (WHERE {col.name} = 'X' no longer finds 'x'); --type"
                f" {table.name}.{col.name}=citext keeps SQLite's rule",
            )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
