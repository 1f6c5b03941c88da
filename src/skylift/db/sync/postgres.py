"""PostgreSQL sources: change capture by triggers (sync/target_capture.py's, installed in the
source), which every PostgreSQL with an owner's rights allows — Heroku Postgres included, which
gives no logical replication to outside subscribers. Where the source allows logical
replication, `pg_capture` chooses sync/pg_logical.py's slot instead (nothing on the app's tables).

Commit order without a commit sequence: each change row carries its transaction id; a batch
opens one REPEATABLE READ snapshot, takes the changes of every transaction the previous batch's
snapshot did not see (`pg_visible_in_snapshot`), and re-reads their keys in the same snapshot
through `db migrate`'s reader (values as PostgreSQL's own text, exactly as copied). The
position is that snapshot. A transaction still running is in no batch until it commits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import psycopg

from skylift.db.schema import Schema, Table
from skylift.db.sources import Chunk
from skylift.db.sources.postgres import PostgresReader, connect
from skylift.db.sources.postgres import table_name as _name
from skylift.db.sync import target_capture
from skylift.db.sync.changes import Batch, Capture, TableChanges, key_text, one_per_row
from skylift.db.translate import quote
from skylift.errors import SourceChanged, SourceError, UsageError


@dataclass(frozen=True)
class _Keys:
    sql: str


class KeyedReader(PostgresReader):
    """The migration's reader on a connection already in the batch's snapshot; a chunk may
    select rows by key."""

    def __init__(self, url: str, conn: psycopg.Connection[Any]) -> None:
        super().__init__(url, None)
        self._conn = conn

    def copy_format(self, table: Table) -> str:
        return "rows"  # keys are read back from the rows: PostgreSQL's text, as captured

    def _select(self, table: Table, chunk: Chunk) -> str:
        if isinstance(chunk.lo, _Keys):
            cols = ", ".join(quote(c.name) for c in table.columns)
            return f"SELECT {cols} FROM ONLY {_name(table)} WHERE {chunk.lo.sql}"
        return super()._select(table, chunk)


def key_filter(table: Table, keys: set[str]) -> str:
    """`(key columns) IN (the keys)`, the keys as one JSON literal in the columns' types."""
    objs = [{f"k{i}": v for i, v in enumerate(json.loads(k))} for k in keys]
    literal = "'" + json.dumps(objs, ensure_ascii=False).replace("'", "''") + "'"
    types = [table.column(c).pg_type for c in table.primary_key]
    cols = ", ".join(f"k{i} {t}" for i, t in enumerate(types))
    picks = ", ".join(f"x.k{i}" for i in range(len(types)))
    names = ", ".join(quote(c) for c in table.primary_key)
    return f"({names}) IN (SELECT {picks} FROM jsonb_to_recordset({literal}::jsonb) AS x({cols}))"


class PgSnapshot:
    def __init__(self, reader: KeyedReader, snapshot: str) -> None:
        self.reader = reader
        self.snapshot = snapshot

    def chunks(self, table: Table, changes: TableChanges) -> list[Chunk]:
        if changes.whole or not table.primary_key:
            return [Chunk(table.qualified, 0)]
        keys = one_per_row(changes.keys)
        return [
            Chunk(table.qualified, n + 1, _Keys(key_filter(table, set(keys[i : i + 1000]))))
            for n, i in enumerate(range(0, len(keys), 1000))
        ]

    def count(self, table: Table) -> int:
        row = (
            self.reader._connection()
            .execute(f"SELECT count(*) FROM ONLY {_name(table)}")
            .fetchone()
        )
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.reader.close()


class PgTriggerCapture:
    name = "postgresql-triggers"

    def __init__(self, source: Any, schema: Schema, reason: str = "") -> None:
        self.url = source.url
        self.reason = reason
        self.schema = schema
        self.tables = {t.qualified: t for t in schema.tables}
        self._key: str | None = None

    def _conn(self) -> psycopg.Connection[Any]:
        conn = connect(self.url)
        target_capture.writable(conn)  # a frozen source: skylift still forgets what it applied
        return conn

    def install(self) -> dict[str, Any]:
        with self._conn() as conn:
            try:
                target_capture.install(conn, self.schema, "preserve")
            except psycopg.Error as exc:
                raise self._refused(exc) from exc
            row = conn.execute("SELECT pg_current_snapshot()::text").fetchone()
        return {"snapshot": row[0] if row else None}

    def _refused(self, exc: psycopg.Error) -> SourceError:
        """Why the triggers could not be made, and the exact grants that fix it."""
        from skylift.db.sync import pg_slot

        fix = (
            "skylift creates a schema `skylift` and triggers on the app's tables: connect as the"
            " tables' owner (Heroku: the app's credentials are)"
        )
        try:
            with connect(self.url) as conn:
                grants = pg_slot.trigger_grants(conn, self.schema)
        except psycopg.Error:
            grants = None
        if grants:
            fix = f"as the tables' owner or a superuser: {grants}; or connect as the owner"
        why = str(exc).strip().splitlines()[0]
        if self.reason:
            why += f" (and {self.reason.removeprefix('no logical replication: ')})"
        return SourceError("cannot add skylift's change capture to the PostgreSQL source", why, fix)

    def remove(self) -> None:
        self.remove_all()

    def remove_all(self) -> list[str]:
        with self._conn() as conn:
            removed = target_capture.remove(conn)
            if conn.execute("SELECT to_regnamespace('skylift')").fetchone() != (None,):
                target_capture.unfreeze(conn, self.schema, "preserve")
                conn.execute("DROP SCHEMA skylift CASCADE")
        return removed

    def snapshot(self) -> PgSnapshot:
        conn = connect(self.url)
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = conn.execute("SELECT pg_current_snapshot()::text").fetchone()
        return PgSnapshot(KeyedReader(self.url, conn), row[0] if row else "")

    def poll(self, position: dict[str, Any],
             whole: set[str] | None = None) -> tuple[Batch, PgSnapshot] | None:  # fmt: skip
        snap = self.snapshot()
        try:
            conn = snap.reader._connection()
            self._check_schema(conn)
            rows = conn.execute(
                "SELECT table_name, op, old_key::text, new_key::text, extract(epoch FROM at)"
                " FROM skylift.changes WHERE xid >= pg_snapshot_xmin(%s::pg_snapshot)"
                " AND NOT pg_visible_in_snapshot(xid, %s::pg_snapshot) ORDER BY id",
                (position["snapshot"], position["snapshot"]),
            ).fetchall()
        except BaseException:
            snap.close()
            raise
        if not rows and not whole:
            snap.close()
            return None
        batch = Batch({}, {"snapshot": snap.snapshot}, len(rows))
        for table_name, op, old, new, at in rows:
            changes = batch.table(table_name)
            changes.changes += 1
            batch.commit_at = float(at)
            if op == "T" or not self.tables[table_name].primary_key:
                changes.whole = True
            for key in (old, new):
                if key is not None:
                    changes.keys.add(key_text(json.loads(key)))
        for name in whole or ():
            batch.table(name).whole = True
        return batch, snap

    def changes_for_keys(self, snapshot: PgSnapshot, table: Table, keys: set[str]) -> TableChanges:
        return TableChanges(keys=set(keys))

    def _schema_key(self, conn: psycopg.Connection[Any]) -> str:
        rows = conn.execute(
            "SELECT c.oid::regclass::text, a.attname, format_type(a.atttypid, a.atttypmod)"
            " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped"
            " AND n.nspname NOT IN ('skylift', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
            " ORDER BY 1, a.attnum"
        ).fetchall()
        return hashlib.sha256(repr(rows).encode()).hexdigest()[:32]

    def _check_schema(self, conn: psycopg.Connection[Any]) -> None:
        if self._key is not None and self._schema_key(conn) != self._key:
            raise SourceChanged(
                "the schema of the PostgreSQL source changed while skylift was syncing it",
                "a table was created, altered or dropped: syncing on would lose or misplace the"
                " new columns' values",
                "the sync keeps the definitions it started with (the same change made on the"
                " target does not resume it): `skylift db migrate --restart SOURCE TARGET` copies"
                " the new definition and its rows, then start `skylift db sync` again",
            )

    def schema_key(self) -> str:
        with self._conn() as conn:
            return self._schema_key(conn)

    def expect_schema(self, key: str) -> None:
        self._key = key

    def behind(self, position: dict[str, Any]) -> tuple[int, float | None]:
        with self._conn() as conn:
            row = conn.execute(
                "SELECT count(*), extract(epoch FROM min(at)) FROM skylift.changes"
                " WHERE xid >= pg_snapshot_xmin(%s::pg_snapshot)"
                " AND NOT pg_visible_in_snapshot(xid, %s::pg_snapshot)",
                (position["snapshot"], position["snapshot"]),
            ).fetchone()
        return (int(row[0]), float(row[1]) if row[1] is not None else None) if row else (0, None)

    def done(self, position: dict[str, Any]) -> None:
        with self._conn() as conn:
            conn.execute(
                "DELETE FROM skylift.changes WHERE pg_visible_in_snapshot(xid, %s::pg_snapshot)",
                (position["snapshot"],),
            )

    def close(self) -> None:
        pass


LOGICAL = "the source has wal_level=logical and this user may replicate"


def pg_capture(source: Any, schema: Schema, conn: psycopg.Connection[Any], choice: str) -> Capture:
    """Logical replication where the source allows it, else triggers; a sync keeps the one it
    started with. The capture's `reason` says why it was chosen."""
    from skylift.db.sync import pg_logical, pg_slot, state

    slot = pg_slot.slot_name(conn)
    found = state.load(conn)
    started = found.capture if found is not None else None
    ours = started in (PgTriggerCapture.name, pg_logical.NAME)
    if ours and choice != "auto" and not str(started).endswith(choice):
        raise UsageError(
            f"this sync captures with {str(started).split('-')[1]}, not {choice}",
            "a sync keeps the capture it started with",
            "rerun with --capture auto, or `skylift db sync --remove` and start again",
        )
    if started == pg_logical.NAME:
        return pg_logical.PgLogicalCapture(source, schema, slot, LOGICAL)
    if choice == "triggers" and started is None:
        return PgTriggerCapture(source, schema, "--capture triggers")
    with connect(source.url) as sconn:
        why = pg_slot.why_not(sconn, schema, slot)
    if started == PgTriggerCapture.name:
        return PgTriggerCapture(source, schema, f"the sync started with them; {why or 'kept'}")
    if why is None:
        return pg_logical.PgLogicalCapture(source, schema, slot, LOGICAL)
    if choice == "logical":
        raise SourceError(
            "the PostgreSQL source cannot be captured by logical replication", why,
            "fix that, or use --capture triggers (what --capture auto falls back to)",
        )  # fmt: skip
    return PgTriggerCapture(source, schema, f"no logical replication: {why}")


def remove_all(source: Any, conn: psycopg.Connection[Any]) -> list[str]:
    """Both captures' objects: the slot and publication, the triggers and schema `skylift`."""
    from skylift.db.sync import pg_slot

    removed = pg_slot.drop(source.url, pg_slot.slot_name(conn))
    return removed + PgTriggerCapture(source, Schema()).remove_all()
