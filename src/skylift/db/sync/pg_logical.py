"""PostgreSQL sources with logical replication: a publication and a pgoutput slot.

Where the server allows it (wal_level=logical; a role with REPLICATION, superuser or RDS's
rds_replication; owner of the tables) nothing is added to the app's tables: a publication
names them and a logical replication slot keeps the WAL of every change after its consistent
point. The slot is created before the migration's snapshot (sync/run.py), so every transaction
the snapshot lacks is in the slot; one both hold is read again, which changes nothing (a batch
removes the keys it touched and copies their rows anew: sync/changes.py).

Each batch opens one REPEATABLE READ snapshot, waits for the WAL written before it to be
flushed, and reads the slot up to there with `pg_logical_slot_peek_binary_changes` (pgoutput,
protocol 1; psycopg has no replication protocol). A transaction is in the batch when the
snapshot sees it (its xid), and the position moves past the longest run of such transactions
in commit order, so one the snapshot does not see yet comes again in the next batch. The slot
is told (`pg_replication_slot_advance`) only up to the position the target has committed in
the transaction that applied the rows: after kill -9 at any point the slot still holds every
change after it, and changes at or before it are skipped.

An abandoned slot keeps the server's WAL forever: `db cutover` drops it once the target holds
everything, `db sync --remove` drops it and the publication (sync/pg_slot.py: the checks, the
setup of the tables and the teardown).
"""

from __future__ import annotations

import json
import time
from typing import Any

import psycopg

from skylift.db.schema import Schema, Table
from skylift.db.sources.postgres import table_name as _name
from skylift.db.sync import pgoutput
from skylift.db.sync.changes import Batch, key_text
from skylift.db.sync.pg_slot import drop, replica_identity, slot_lost
from skylift.db.sync.postgres import PgSnapshot, PgTriggerCapture
from skylift.errors import SourceChanged, SourceError

NAME = "postgresql-logical"
MAX_ROWS = 50_000  # messages one batch reads at most (checked at transaction ends)
FLUSH_WAIT = 2.0  # seconds a batch waits for the WAL its snapshot saw to reach the disk
IDLE_CONFIRM = 5.0  # seconds between moving a quiet slot past WAL without the app's changes


class PgLogicalCapture(PgTriggerCapture):
    """The trigger capture's snapshot, reader and schema check; the changes from the slot."""

    name = NAME

    def __init__(self, source: Any, schema: Schema, slot: str, reason: str = "") -> None:
        super().__init__(source, schema)
        self.slot = slot
        self.reason = reason
        self.notes: list[str] = []
        self._slot_conn: psycopg.Connection[Any] | None = None
        self._oids: dict[int, Table] | None = None
        self._key_types: dict[str, list[str]] = {}
        self._catalog: dict[int, list[tuple[str, int, int]]] = {}
        self._can_flush = True
        self._idle_at = 0.0

    def _slots(self) -> psycopg.Connection[Any]:
        if self._slot_conn is None or self._slot_conn.closed:
            self._slot_conn = self._conn()  # writable in a frozen source too
        return self._slot_conn

    # -- install / remove ---------------------------------------------------------------------
    def install(self) -> dict[str, Any]:
        """The publication, the replica identities updates need, then the slot (idempotent)."""
        conn = self._slots()
        try:
            self._publication(conn)
            self.notes += replica_identity(conn, self.schema, self.slot)
            row = conn.execute(
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = %s",
                (self.slot,),
            ).fetchone()
            if row is None:
                row = conn.execute(
                    "SELECT lsn::text FROM pg_create_logical_replication_slot(%s, 'pgoutput')",
                    (self.slot,),
                ).fetchone()
        except psycopg.Error as exc:
            raise SourceError(
                "cannot set up logical replication on the PostgreSQL source",
                str(exc).strip().splitlines()[0],
                "fix what it says, or pass --capture triggers",
            ) from exc
        assert row is not None
        return {"lsn": row[0], "slot": self.slot}

    def _publication(self, conn: psycopg.Connection[Any]) -> None:
        tables = ", ".join(_name(t) for t in self.schema.tables)
        exists = conn.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (self.slot,))
        verb = "ALTER" if exists.fetchone() else "CREATE"
        if tables:
            conn.execute(
                f"{verb} PUBLICATION {self.slot} {'SET' if verb == 'ALTER' else 'FOR'} TABLE {tables}"
            )
        elif verb == "CREATE":
            conn.execute(f"CREATE PUBLICATION {self.slot}")

    def remove_all(self) -> list[str]:
        removed = drop(self.url, self.slot)
        return removed + super().remove_all()

    def release(self) -> list[str]:
        """After the cutover: the target holds everything; the slot would only keep WAL."""
        self.close()
        return drop(self.url, self.slot)

    # -- reading ------------------------------------------------------------------------------
    def poll(self, position: dict[str, Any],
             whole: set[str] | None = None) -> tuple[Batch, PgSnapshot] | None:  # fmt: skip
        self._confirm(position["lsn"])
        snap = self.snapshot()
        try:
            conn = snap.reader._connection()
            self._check_schema(conn)
            txns, read_to = self._read(conn, position["lsn"])
            batch = self._batch(conn, txns, snap.snapshot, position)
        except BaseException:
            snap.close()
            raise
        for name in whole or ():
            batch.table(name).whole = True
        if not batch.tables and batch.position == position:
            snap.close()
            if not txns and read_to is not None:
                self._idle(read_to)
            return None
        return batch, snap

    def _idle(self, read_to: str) -> None:
        """Nothing of the app's committed up to `read_to`: the slot may forget the WAL before
        it (else other databases' writes, vacuum and checkpoints pile up behind a quiet app)."""
        if time.monotonic() - self._idle_at >= IDLE_CONFIRM:
            self._idle_at = time.monotonic()
            self._confirm(read_to)

    def _read(self, snap_conn: psycopg.Connection[Any],
              after: str) -> tuple[list[pgoutput.Transaction], str | None]:  # fmt: skip
        """The committed transactions after `after`, up to what the snapshot can see; and the
        position the slot was read completely to (None: it was not)."""
        row = snap_conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()
        assert row is not None
        upto = row[0]
        conn = self._slots()
        flushed = self._flushed(conn, upto)
        try:
            rows = conn.execute(
                "SELECT data FROM pg_logical_slot_peek_binary_changes(%s, %s::pg_lsn, %s,"
                " 'proto_version', '1', 'publication_names', %s)",
                (self.slot, upto, MAX_ROWS, self.slot),
            ).fetchall()
        except psycopg.errors.UndefinedObject as exc:
            raise slot_lost(self.slot, str(exc)) from exc
        after_lsn = pgoutput.lsn_int(after)
        txns = [t for t in pgoutput.transactions([r[0] for r in rows]) if t.end_lsn > after_lsn]
        return txns, (upto if flushed and len(rows) < MAX_ROWS else None)

    def _flushed(self, conn: psycopg.Connection[Any], upto: str) -> bool:
        """Wait until the WAL up to `upto` is on disk (decoding reads no further). Commits made
        with synchronous_commit = off are visible before that: one small transaction of ours,
        committed synchronously, flushes everything before it at once (else the WAL writer
        does, within wal_writer_delay)."""
        query = "SELECT pg_current_wal_flush_lsn() >= %s::pg_lsn"
        if conn.execute(query, (upto,)).fetchone() == (True,):
            return True
        if self._can_flush:
            try:
                with conn.transaction():
                    conn.execute("SET LOCAL synchronous_commit = on")
                    conn.execute("SELECT pg_logical_emit_message(true, 'skylift-flush', '')")
            except psycopg.Error:
                self._can_flush = False
        deadline = time.monotonic() + FLUSH_WAIT
        while conn.execute(query, (upto,)).fetchone() != (True,):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _batch(self, conn: psycopg.Connection[Any], txns: list[pgoutput.Transaction],
               snapshot: str, position: dict[str, Any]) -> Batch:  # fmt: skip
        """The snapshot's transactions; the position past the run of them in commit order."""
        seen = _Visibility(snapshot)
        batch = Batch({}, dict(position), 0)
        raw: dict[str, set[tuple[str, ...]]] = {}
        prefix = True
        for txn in txns:
            self._check_relations(txn)
            if not seen.visible(txn.xid):
                prefix = False
                continue
            if prefix:
                batch.position = {"lsn": pgoutput.lsn_text(txn.end_lsn), "slot": self.slot}
                batch.changes += len(txn.changes)
                batch.commit_at = txn.commit_at
            self._keys(txn, batch, raw)
        for name, keys in raw.items():
            batch.table(name).keys |= self._json_keys(conn, self.tables[name], keys)
        return batch

    def _keys(self, txn: pgoutput.Transaction, batch: Batch,
              raw: dict[str, set[tuple[str, ...]]]) -> None:  # fmt: skip
        tables = self._tables()
        for change in txn.changes:
            for oid in change.relations:
                table = tables.get(oid)
                if table is None:
                    continue  # a table added to the publication by hand
                changes = batch.table(table.qualified)
                changes.changes += 1
                if change.op == "T" or not table.primary_key:
                    changes.whole = True
                    continue
                for values in (change.old, change.new):
                    if values is None:
                        continue
                    key = self._row_key(txn, oid, table, values)
                    if key is None:
                        changes.whole = True  # the message lacks the key: copy the table
                    else:
                        raw.setdefault(table.qualified, set()).add(key)

    def _row_key(self, txn: pgoutput.Transaction, oid: int, table: Table,
             values: pgoutput.Tuple) -> tuple[str, ...] | None:  # fmt: skip
        rel = txn.relations.get(oid)
        names = [c.name for c in rel.columns] if rel else [c[0] for c in self._columns(oid)]
        picked = [values[names.index(k)] for k in table.primary_key]
        if any(not isinstance(v, str) for v in picked):
            return None  # NULL (a key-only old tuple of another index) or left out (TOASTed)
        return tuple(str(v) for v in picked)

    def _json_keys(self, conn: psycopg.Connection[Any], table: Table,
                   keys: set[tuple[str, ...]]) -> set[str]:  # fmt: skip
        """The keys' text cast to the columns' types and as JSON by the server, which makes
        them exactly what the trigger capture records (`to_jsonb` of the row)."""
        types = self._types(conn, table)
        cols = ", ".join(f"k{i} text" for i in range(len(types)))
        casts = ", ".join(f"x.k{i}::{t}" for i, t in enumerate(types))
        objs = [{f"k{i}": v for i, v in enumerate(key)} for key in keys]
        rows = conn.execute(
            f"SELECT jsonb_build_array({casts})::text FROM jsonb_to_recordset(%s::jsonb) AS x({cols})",
            (json.dumps(objs, ensure_ascii=False),),
        ).fetchall()
        return {key_text(json.loads(r[0])) for r in rows}

    def _types(self, conn: psycopg.Connection[Any], table: Table) -> list[str]:
        if table.qualified not in self._key_types:
            rows = conn.execute(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
                " WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0",
                (_name(table),),
            ).fetchall()
            found = dict(rows)
            self._key_types[table.qualified] = [found[k] for k in table.primary_key]
        return self._key_types[table.qualified]

    def _tables(self) -> dict[int, Table]:
        if self._oids is None:
            conn = self._slots()
            self._oids = {}
            for table in self.schema.tables:
                row = conn.execute("SELECT to_regclass(%s)::oid", (_name(table),)).fetchone()
                if row and row[0] is not None:
                    self._oids[int(row[0])] = table
        return self._oids

    def _check_relations(self, txn: pgoutput.Transaction) -> None:
        """A Relation message describes the table as the change saw it: other columns (or
        types) than the catalog's now mean its definition changed in between."""
        tables = self._tables()
        for oid, rel in txn.relations.items():
            table = tables.get(oid)
            if table is None:
                continue
            sent = [(c.name, c.type_oid, c.typmod) for c in rel.columns]
            if sent != self._columns(oid):
                raise SourceChanged(
                    f"the definition of {table.qualified} changed on the PostgreSQL source while"
                    " skylift was syncing it",
                    "the replication stream describes it with the columns"
                    f" {', '.join(c.name for c in rel.columns)}: syncing on would lose or misplace"
                    " values",
                    "the sync keeps the definitions it started with, so it cannot go on: `skylift"
                    " db migrate --restart SOURCE TARGET` copies the new definition and its rows,"
                    " then start `skylift db sync` again",
                )

    def _columns(self, oid: int) -> list[tuple[str, int, int]]:
        """The table's published columns now (generated ones are not sent)."""
        if oid not in self._catalog:
            rows = (
                self._slots()
                .execute(
                    "SELECT attname, atttypid::int, atttypmod FROM pg_attribute WHERE attrelid = %s"
                    " AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
                    (oid,),
                )
                .fetchall()
            )
            self._catalog[oid] = [(str(n), int(t), int(m)) for n, t, m in rows]
        return self._catalog[oid]

    # -- progress -----------------------------------------------------------------------------
    def _confirm(self, lsn: str) -> None:
        """Let the slot forget what the target has committed (never more)."""
        conn = self._slots()
        row = conn.execute(
            "SELECT confirmed_flush_lsn < %s::pg_lsn, wal_status FROM pg_replication_slots"
            " WHERE slot_name = %s",
            (lsn, self.slot),
        ).fetchone()
        if row is None:
            raise slot_lost(self.slot, "it is not in pg_replication_slots")
        if row[1] == "lost":
            raise slot_lost(
                self.slot, "the server removed WAL it still needed (max_slot_wal_keep_size)"
            )
        if row[0]:
            conn.execute("SELECT pg_replication_slot_advance(%s, %s::pg_lsn)", (self.slot, lsn))

    def done(self, position: dict[str, Any]) -> None:
        self._confirm(position["lsn"])

    def behind(self, position: dict[str, Any]) -> tuple[int, float | None]:
        conn = self._slots()
        upto = conn.execute("SELECT pg_current_wal_flush_lsn()::text").fetchone()
        assert upto is not None
        rows = conn.execute(
            "SELECT data FROM pg_logical_slot_peek_binary_changes(%s, %s::pg_lsn, %s,"
            " 'proto_version', '1', 'publication_names', %s)",
            (self.slot, upto[0], MAX_ROWS, self.slot),
        ).fetchall()
        after = pgoutput.lsn_int(position["lsn"])
        txns = [t for t in pgoutput.transactions([r[0] for r in rows]) if t.end_lsn > after]
        count = sum(len(t.changes) for t in txns)
        return count, (txns[0].commit_at if txns else None)

    def close(self) -> None:
        if self._slot_conn is not None:
            self._slot_conn.close()
            self._slot_conn = None


class _Visibility:
    """Whether a transaction (pgoutput's 32-bit xid) is seen by a `pg_current_snapshot()`."""

    def __init__(self, text: str) -> None:
        xmin, xmax, xip = text.split(":")
        self.xmin, self.xmax = int(xmin), int(xmax)
        self.running = {int(x) for x in xip.split(",") if x}

    def visible(self, xid: int) -> bool:
        full = ((self.xmax >> 32) << 32) | xid
        if full > self.xmax:
            full -= 1 << 32  # from the epoch before
        return full < self.xmin or (full < self.xmax and full not in self.running)
