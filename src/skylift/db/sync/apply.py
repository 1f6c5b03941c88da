"""Apply a batch of changes to the target: one transaction, verified before it commits.

For each table (parents before children), every touched key is removed, then the rows the
source holds now for those keys are read through `db migrate`'s reader and written with
`db migrate`'s COPY (binary or CSV records, the same rejects, a refused row isolated into
`skylift.rejects`). The rows are then read back from the target inside the same transaction
and their digest compared with the digest of what was sent — the check `db migrate` makes of
every chunk — and the position moves in that transaction too. The target's own triggers and
foreign keys are held off for the batch (`session_replication_role = replica`, what logical
replication does): a batch is a consistent state of the source, not a sequence of statements.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from skylift.db import copy, journal, verify
from skylift.db.copy import BINARY, CSV_OPTIONS, WRITERS, copy_format
from skylift.db.records import HEADER, TRAILER, SlowPath
from skylift.db.schema import ForeignKey, Schema, Table
from skylift.db.sources import Chunk, Reject
from skylift.db.sync import faults, state
from skylift.db.sync.changes import Batch, Snapshot, TableChanges, key_text
from skylift.db.translate import Policy, Translator
from skylift.db.values import MASK, digest_lines, digest_records, digest_rows
from skylift.errors import TargetError, VerificationFailed

WHOLE = '"*"'  # the touched-key mark of a table copied again whole


@dataclass
class Written:
    rows: int = 0
    rejected: int = 0
    deleted: int = 0
    tables: dict[str, int] = field(default_factory=dict)


@dataclass
class Rows:
    """A chunk read for the target: items in `mode`'s form (as db/copy.py writes them)."""

    mode: str
    items: list[Any]
    rejects: list[Reject]


class TargetTable:
    """How one table is addressed in the target: its name, key columns and their types."""

    def __init__(self, conn: psycopg.Connection[Any], tr: Translator, table: Table) -> None:
        self.table = table
        self.name = tr.t(table)
        self.copy = copy.copy_statement(tr, table)
        names = [c.name for c in table.columns]
        self.key_positions = [names.index(k) for k in table.primary_key]
        types = {
            name: (kind, typtype)
            for name, kind, typtype in conn.execute(
                "SELECT attname, format_type(atttypid, atttypmod), typtype FROM pg_attribute"
                " JOIN pg_type ON pg_type.oid = atttypid"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                (tr.regclass(table),),
            ).fetchall()
        }
        self.key_columns = [tr.n(k) for k in table.primary_key]
        found = [types[k.strip('"').replace('""', '"')] for k in self.key_columns]
        # an enum key is searched by its label: a source value that is no label (MySQL's ''
        # error value, kept in skylift.rejects) matches no row, where a cast would fail
        self.key_types = [("text" if typtype == "e" else kind) for kind, typtype in found]
        self._searched = [
            f"{c}::text" if typtype == "e" else c
            for c, (_kind, typtype) in zip(self.key_columns, found, strict=True)
        ]

    @property
    def keyed(self) -> bool:
        return bool(self.key_positions)

    def row_key(self, row: tuple[Any, ...] | list[Any]) -> str:
        return key_text([_plain(row[i]) for i in self.key_positions])

    def where(self, keys: Iterable[str]) -> str:
        """` WHERE (key columns) IN (the keys)`, the keys as one JSON literal."""
        objs = [{f"k{i}": v for i, v in enumerate(json.loads(k))} for k in keys]
        literal = "'" + json.dumps(objs, ensure_ascii=False).replace("'", "''") + "'"
        cols = ", ".join(f"k{i} {t}" for i, t in enumerate(self.key_types))
        picks = ", ".join(f"x.k{i}" for i in range(len(self.key_types)))
        return (
            f" WHERE ({', '.join(self._searched)}) IN"
            f" (SELECT {picks} FROM jsonb_to_recordset({literal}::jsonb) AS x({cols}))"
        )


def _plain(value: Any) -> Any:
    """A key value as JSON holds it (the forms the captures report keys in)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()  # bytea's text form: where() finds the row by it
    return value


def read_rows(reader: Any, table: Table, chunk: Chunk, normalize: Any) -> Rows:
    """One chunk through the migration's reader, in the form db/copy.py writes it."""
    for _attempt in range(3):
        try:
            return _read_once(reader, table, chunk, normalize)
        except SlowPath:
            continue  # the reader now reads this table value by value
    return _read_once(reader, table, chunk, normalize)


def _read_once(reader: Any, table: Table, chunk: Chunk, normalize: Any) -> Rows:
    mode = copy_format(reader, table)
    items: list[Any]
    if mode == "binary":
        items = [
            p for recs, rows in reader.binary_batches(table, chunk) for p in zip(recs, rows, strict=True)
        ]  # fmt: skip
    elif mode == "csv":
        items = [
            p
            for sent, checked in reader.csv_batches(table, chunk, normalize)
            for p in zip(sent, checked, strict=True)
        ]
    else:
        items = [row for batch in copy.batches(reader, table, chunk) for row in batch]
    return Rows(mode, items, list(reader.rejects(table, chunk)))


class Stopped(Exception):
    """The sync was asked to stop in the middle of a batch: its transaction rolls back, the
    position stays where the last committed batch left it, and a rerun applies it again."""


class Applier:
    """Writes batches into the target; one per sync, on its own connection."""

    # set by the sync's loop: asked to stop (Ctrl-C, SIGTERM, a cutover taking over), a batch
    # ends at its next chunk instead of running on for minutes
    stop: threading.Event | None = None

    def __init__(self, target_url: str, schema: Schema, policy: Policy, fingerprint: str) -> None:
        self.target_url = target_url
        self.schema = schema
        self.tr = Translator(schema, policy)
        self.fingerprint = fingerprint
        self.conn = copy.connect(target_url, autocommit=True)
        self.tables = {t.qualified: TargetTable(self.conn, self.tr, t) for t in schema.tables}
        self.order = _parents_first(schema)
        self.children = _referencing(schema)
        self._st: dict[str, Any] = {"target_url": target_url, "translator": self.tr}
        self._replica: bool | None = None

    def apply(self, batch: Batch, snapshot: Snapshot, *, touch: bool = True) -> Written:
        """Write the batch and move the position, in one transaction."""
        written = Written()
        names = [n for n in self.order if n in batch.tables]
        unknown = set(batch.tables) - set(self.order)
        if unknown:
            raise TargetError(
                f"changes arrived for tables the target does not have: {', '.join(sorted(unknown))}",
                "a table was created on the source after the copy",
                "run `skylift db migrate --restart` to copy again, then start the sync again",
            )
        with self.conn.transaction():
            if batch.unlogged_cascades:
                names = [n for n in self.order if n in self._cascade(batch)]
            self._hold_off_triggers(names)
            for name in reversed(names):  # children first: no key is in the way of a parent
                written.deleted += self._delete(self.tables[name], batch.tables[name])
            for name in names:  # parents first
                rows, rejected = self._write(self.tables[name], batch.tables[name], snapshot, touch)
                written.rows += rows
                written.rejected += rejected
                written.tables[name] = rows
            if self._replica is False:
                for name in names:
                    self.conn.execute(f"ALTER TABLE {self.tables[name].name} ENABLE TRIGGER USER")
            state.advance(self.conn, batch.position, batch.changes, batch.commit_at)
            faults.point("batch-written")  # everything written, nothing committed
        return written

    def check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Stopped

    def _cascade(self, batch: Batch) -> dict[str, TableChanges]:
        """Add the child rows an ON DELETE/UPDATE action reached (CASCADE, SET NULL, SET
        DEFAULT) to the batch, found in the target, which still holds the parents' old rows:
        they are removed and read again like any changed row. Down every level of the chain."""
        todo = list(batch.tables)
        while todo:
            self.check_stop()
            parent = todo.pop()
            changes = batch.tables[parent]
            for child, fk in self.children.get(parent, []):
                meta = self.tables[child]
                if changes.whole or not meta.keyed:
                    if not batch.table(child).whole:
                        batch.table(child).whole = True
                        todo.append(child)
                    continue
                reaching = changes.may_reach()  # an insert or a plain update reaches no child
                if not reaching:
                    continue
                found = self._children(meta, self.tables[parent], fk, reaching)
                theirs = batch.table(child)
                new = found - theirs.keys
                if new:
                    theirs.keys |= new
                    if theirs.reaching is not None:  # a cascaded row may cascade further
                        theirs.reaching |= new
                    todo.append(child)
        return batch.tables

    def _children(self, child: TargetTable, parent: TargetTable, fk: ForeignKey,
                  keys: set[str]) -> set[str]:  # fmt: skip
        cols = ", ".join(self.tr.n(c) for c in fk.columns)
        refs = ", ".join(self.tr.n(c) for c in fk.ref_columns)
        picks = ", ".join(child.key_columns)
        rows = self.conn.execute(
            f"SELECT {picks} FROM {child.name} WHERE ({cols}) IN"
            f" (SELECT {refs} FROM {parent.name}{parent.where(keys)})"
        ).fetchall()
        return {key_text([_plain(v) for v in row]) for row in rows}

    def _hold_off_triggers(self, names: list[str]) -> None:
        """The target's triggers (the translated `updated_at` ones) would change the values the
        source holds, and its foreign keys would refuse a child whose parent comes later in the
        batch. As logical replication does: replica mode. Without the privilege for it, the
        user triggers of the batch's tables are disabled inside the transaction instead."""
        if self._replica is not False:
            try:
                with self.conn.transaction():
                    self.conn.execute("SET LOCAL session_replication_role = replica")
                self._replica = True
                return
            except psycopg.errors.InsufficientPrivilege:
                self._replica = False
        for name in names:
            self.conn.execute(f"ALTER TABLE {self.tables[name].name} DISABLE TRIGGER USER")

    def _delete(self, meta: TargetTable, changes: TableChanges) -> int:
        if changes.whole or not meta.keyed:
            cur = self.conn.execute(f"DELETE FROM {meta.name}")
        elif changes.keys:
            cur = self.conn.execute(f"DELETE FROM {meta.name}{meta.where(changes.keys)}")
        else:
            return 0
        return cur.rowcount

    def _write(self, meta: TargetTable, changes: TableChanges, snapshot: Snapshot,
               touch: bool) -> tuple[int, int]:  # fmt: skip
        table = meta.table
        whole = changes.whole or not meta.keyed
        loaded: list[Any] = []
        rejects: list[Reject] = []
        mode = "rows"
        for chunk in snapshot.chunks(table, changes):
            self.check_stop()
            got = read_rows(snapshot.reader, table, chunk, copy.normalizer(self._st))
            mode = got.mode
            self.check_stop()
            loaded += self._copy(meta, got, rejects)
            rejects += got.rejects
        keys = (
            set() if whole else changes.keys | {meta.row_key(_row(mode, i, table)) for i in loaded}
        )
        sent = len(loaded), _digest(mode, loaded, table, snapshot.reader)
        self._check(meta, mode, sent, None if whole else keys)
        self._rejects(meta, keys, rejects, whole)
        if touch:
            state.touch(self.conn, table.qualified, [WHOLE] if whole else sorted(keys))
        return len(loaded), len(rejects)

    def _copy(self, meta: TargetTable, got: Rows, rejects: list[Reject]) -> list[Any]:
        if not got.items:
            return []
        sql = meta.copy + {"binary": BINARY, "csv": CSV_OPTIONS}.get(got.mode, "")
        frame = (HEADER, TRAILER) if got.mode == "binary" else (b"", b"")
        return copy._bisect(
            self.conn, sql, got.items, WRITERS[got.mode],
            lambda item, exc: rejects.append(copy._refused(meta.table, item, exc, got.mode)),
            frame,
        )  # fmt: skip

    def _check(self, meta: TargetTable, mode: str, sent: tuple[int, int],
               keys: set[str] | None) -> None:  # fmt: skip
        """The target now holds, for the batch's keys, exactly the rows sent (count and digest
        of the records, as db/migrate verifies every chunk); otherwise the batch rolls back."""
        if keys is not None and not keys:
            return
        got = self.target_digest(meta, mode, keys)
        if got != sent:
            raise VerificationFailed(
                f"the target's rows of {meta.table.qualified} differ from the rows just sent",
                f"{sent[0]} rows sent, {got[0]} read back, checksums {sent[1]:016x} and {got[1]:016x}",
                "nothing of this batch was kept; report it with --traceback",
            )

    def target_digest(self, meta: TargetTable, mode: str, keys: set[str] | None) -> tuple[int, int]:
        """Count and digest of the target's rows for `keys` (None: the whole table), in the
        form verification compares for `mode`."""
        where = "" if keys is None else meta.where(keys)
        self._st["conn"] = self.conn
        if mode == "binary":
            return verify._check_target_binary(self._st, meta.table, where)
        if mode == "csv":
            return verify._check_target_csv(self._st, meta.table, where)
        total = count = 0
        for batch in verify.target_batches(self._st, meta.table, where):
            count += len(batch)
            total += digest_rows(batch)
        return count, total & MASK

    def source_digest(self, meta: TargetTable, changes: TableChanges,
                      snapshot: Snapshot) -> tuple[str, int, int]:  # fmt: skip
        """(mode, count, digest) of the source's rows for `changes`, as they would be sent
        (rows the source's rules refuse are not counted: they are not in the target). A row's
        key is computed only when some were refused: on a whole table of 300,000 rows that
        was a third of the comparison's time."""
        mode, rows, total = "rows", 0, 0
        for chunk in snapshot.chunks(meta.table, changes):
            got = read_rows(snapshot.reader, meta.table, chunk, copy.normalizer(self._st))
            mode = got.mode
            refused = self._refused(meta, got)
            items = got.items
            if refused:
                items = [i for i in items if meta.row_key(_row(mode, i, meta.table)) not in refused]
            rows += len(items)
            total += _digest(mode, items, meta.table, snapshot.reader)
        return mode, rows, total & MASK

    def _refused(self, meta: TargetTable, got: Rows) -> set[str]:
        """Keys of rows PostgreSQL refused (kept in skylift.rejects: not in the target)."""
        if not meta.keyed or not got.items:
            return set()
        rows = self.conn.execute(
            "SELECT row_key FROM skylift.rejects WHERE table_name = ANY(%s)"
            f" AND {journal.REFUSED_BY_TARGET}",
            ([meta.table.name, meta.table.qualified],),
        ).fetchall()
        return {key_text(json.loads(r[0])) for r in rows if r[0]}

    def _rejects(
        self, meta: TargetTable, keys: set[str], rejects: list[Reject], whole: bool
    ) -> None:
        """The reject table says what the source holds now: a row fixed since is no longer
        there, a row that became unstorable is."""
        names = [meta.table.name, meta.table.qualified]
        if whole:
            self.conn.execute("DELETE FROM skylift.rejects WHERE table_name = ANY(%s)", (names,))
        elif keys:
            self.conn.execute(
                "DELETE FROM skylift.rejects WHERE table_name = ANY(%s) AND row_key = ANY(%s)",
                (names, sorted(keys)),
            )
        # a row with two bad values has a reject for each, as `db migrate` records them
        journal.record_rejects(
            self.conn, self.fingerprint, "sync", [v for r in rejects for v in r.each()]
        )

    def count(self, meta: TargetTable) -> int:
        """The table's rows, and the source rows kept in skylift.rejects instead."""
        row = self.conn.execute(
            f"SELECT (SELECT count(*) FROM {meta.name}) + (SELECT count(DISTINCT row_key)"
            " FROM skylift.rejects WHERE table_name = ANY(%s))",
            ([meta.table.name, meta.table.qualified],),
        ).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.conn.close()
        if "norm" in self._st:
            self._st["norm"].close()


def _row(mode: str, item: Any, table: Table) -> Any:
    if mode == "binary":
        return item[1]
    if mode == "csv":
        return copy.parse_record(table, item[0])
    return item


def _digest(mode: str, loaded: list[Any], table: Table, reader: Any) -> int:
    """The digest verification compares: of the records sent (binary, CSV), or of the rows'
    canonical forms (db/values.py)."""
    if mode == "binary":
        return digest_records(item[0] for item in loaded)
    if mode == "csv":
        return digest_lines("\n".join(item[1] for item in loaded).encode()) if loaded else 0
    canonical = getattr(reader, "canonical", None)
    return digest_rows(canonical(table, loaded) if canonical else loaded)


ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT")


def _referencing(schema: Schema) -> dict[str, list[tuple[str, ForeignKey]]]:
    """parent table -> (child table, its foreign key) for keys with an ON DELETE/UPDATE action."""
    by_name = {t.name: t for t in schema.tables}
    out: dict[str, list[tuple[str, ForeignKey]]] = {}
    for table in schema.tables:
        for fk in table.foreign_keys:
            parent = by_name.get(fk.ref_table)
            actions = (str(fk.on_delete).upper(), str(fk.on_update).upper())
            if parent is not None and any(a in ACTIONS for a in actions):
                out.setdefault(parent.qualified, []).append((table.qualified, fk))
    return out


def _parents_first(schema: Schema) -> list[str]:
    """Tables ordered so that a referenced table comes before the tables referencing it
    (cycles and self-references are left where they fall)."""
    by_name = {t.name: t for t in schema.tables}
    done: list[str] = []
    seen: set[str] = set()

    def visit(table: Table, path: set[str]) -> None:
        if table.qualified in seen or table.qualified in path:
            return
        for fk in table.foreign_keys:
            parent = by_name.get(fk.ref_table)
            if parent is not None and parent is not table:
                visit(parent, path | {table.qualified})
        seen.add(table.qualified)
        done.append(table.qualified)

    for table in schema.tables:
        visit(table, set())
    return done
