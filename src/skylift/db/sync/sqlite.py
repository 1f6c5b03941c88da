"""SQLite: change capture with triggers, and a write freeze with triggers.

skylift adds, to the app's database file, a table `_skylift_changes` and three triggers per
table (`_skylift_ins_<table>`, `_skylift_upd_<table>`, `_skylift_del_<table>`) that record the
rowid and the key of every row inserted, updated or deleted, in the same transaction as the
change: SQLite has one writer at a time, so the changes' sequence numbers are commit order, and
a reader's snapshot sees a prefix of them. They are installed before the migration's snapshot
(so the snapshot says which changes it holds) and `skylift db sync --remove` takes them out.
Safe while the app writes (WAL or rollback journal): installing them waits for the app's write
transaction like any writer (busy timeout), and the app's connections re-prepare their
statements by themselves after a schema change.

The freeze adds `_skylift_frz_*` BEFORE triggers that abort every write with a message the app's
log shows, while `_skylift_state.frozen` is '1'. skylift's own writes back into a frozen file
(a rollback) set it to '0' inside their transaction: no other connection ever sees that.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

from skylift.db.schema import Schema, Table
from skylift.db.sources import Chunk
from skylift.db.sources.sqlite import SqliteReader, open_readonly
from skylift.db.sync.changes import Batch, TableChanges, key_text
from skylift.errors import SourceChanged, SourceError

PREFIX = "_skylift_"
CHANGES = "_skylift_changes"
STATE = "_skylift_state"
FROZEN_MESSAGE = (
    "skylift: writes are frozen for the move to AWS (skylift db cutover); "
    "the database is read-only until the move is done or rolled back"
)
SETUP = f"""
CREATE TABLE IF NOT EXISTS {CHANGES} (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tbl TEXT NOT NULL,
  op TEXT NOT NULL,
  rid INTEGER,
  old_key TEXT,
  new_key TEXT,
  at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS {STATE} (key TEXT PRIMARY KEY, value TEXT);
INSERT OR IGNORE INTO {STATE} VALUES ('note', 'added by skylift db sync to capture changes for
the move to AWS; remove with: skylift db sync --remove SOURCE TARGET');
INSERT OR IGNORE INTO {STATE} VALUES ('frozen', '0');
"""
JULIAN_EPOCH = 2440587.5


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def writer(path: Path) -> sqlite3.Connection:
    """A connection that writes to the app's file, waiting for the app's writers."""
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        raise SourceError(
            f"cannot open {path} for writing", str(exc), "check its permissions"
        ) from exc
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


# key columns whose integers and texts the target holds as they are: a key's JSON finds its
# row there (a text key holding 5 is '5', as the copy writes it)
PLAIN_KEYS = ("int", "text", "numeric", "bool")


def _unaddressable(col: str, kind: str) -> str:
    """SQL true when the target cannot be searched for this key value as SQLite's JSON gives
    it: a BLOB (JSON cannot hold it), a REAL (json_array prints 15 digits: 0.1 + 0.2 is 0.3,
    and infinity as Inf), a number in a date column (the copy made an instant of it)."""
    if kind in PLAIN_KEYS:
        return f"typeof({col}) IN ('blob', 'real')"
    return f"typeof({col}) <> 'text'"


def _key(side: str, table: Table) -> str:
    """The row's key as a JSON array ('[]' without a primary key; NULL when the target cannot
    be searched for it: the table is then copied again whole)."""
    cols = [(f"{side}.{q(c)}", table.column(c).kind) for c in table.primary_key]
    if not cols:
        return "'[]'"
    unsafe = " OR ".join(_unaddressable(c, kind) for c, kind in cols)
    return f"CASE WHEN {unsafe} THEN NULL ELSE json_array({', '.join(c for c, _ in cols)}) END"


def capture_triggers(table: Table) -> list[str]:
    name, tbl = table.name, lit(table.name)
    # SQLite's own rowid (a column may be called rowid: then it is _rowid_ or oid)
    rid = "{}." + table.rowid if table.has_rowid else "NULL"
    insert = f"INSERT INTO {CHANGES} (tbl, op, rid, old_key, new_key, at) VALUES"
    now = "julianday('now')"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {q(PREFIX + 'ins_' + name)} AFTER INSERT ON {q(name)} BEGIN"
        f" {insert} ({tbl}, 'I', {rid.format('NEW')}, NULL, {_key('NEW', table)}, {now}); END",
        f"CREATE TRIGGER IF NOT EXISTS {q(PREFIX + 'upd_' + name)} AFTER UPDATE ON {q(name)} BEGIN"
        f" {insert} ({tbl}, 'U', {rid.format('NEW')}, {_key('OLD', table)},"
        f" {_key('NEW', table)}, {now}); END",
        f"CREATE TRIGGER IF NOT EXISTS {q(PREFIX + 'del_' + name)} AFTER DELETE ON {q(name)} BEGIN"
        f" {insert} ({tbl}, 'D', {rid.format('OLD')}, {_key('OLD', table)}, NULL, {now}); END",
    ]


def _unique_sets(table: Table) -> list[list[str]]:
    """The column sets of the table's UNIQUE constraints and unique indexes, its key left out
    (a row replaced on its own key is the inserted row's key: recorded already)."""
    sets = [list(u) for u in table.uniques]
    sets += [list(i.columns) for i in table.indexes if i.unique and not i.expressions]
    out: list[list[str]] = []
    for cols in sets:
        if cols and set(cols) != set(table.primary_key) and cols not in out:
            out.append(cols)
    return out


def replace_triggers(table: Table) -> list[str]:
    """`INSERT OR REPLACE` (and `UPDATE OR REPLACE`) delete the row holding the new row's
    UNIQUE value without firing a DELETE trigger (SQLite fires them only under
    recursive_triggers). Before the write, the rows it may replace are recorded as changed:
    re-read, a row that is gone is removed from the target, one that stays is copied again."""
    if not table.primary_key or not table.has_rowid:
        return []  # every change copies such a table again whole
    name, tbl = table.name, lit(table.name)
    out = []
    for i, cols in enumerate(_unique_sets(table)):
        match = " AND ".join(f"{q(c)} = NEW.{q(c)}" for c in cols)
        key = _key(q(name), table)
        # an UPDATE only when it changes those columns, and never the updated row itself
        moved = " OR ".join(f"NEW.{q(c)} IS NOT OLD.{q(c)}" for c in cols)
        other = f" AND {table.rowid} <> OLD.{table.rowid}"
        for op, when, skip in (("INSERT", "", ""), ("UPDATE", f" WHEN {moved}", other)):
            out.append(
                f"CREATE TRIGGER IF NOT EXISTS {q(PREFIX + 'rep' + op[0].lower() + str(i) + '_' + name)}"
                f" BEFORE {op} ON {q(name)}{when} BEGIN INSERT INTO {CHANGES}"
                f" (tbl, op, rid, old_key, new_key, at) SELECT {tbl}, 'U', {table.rowid}, {key},"
                f" {key}, julianday('now') FROM {q(name)} WHERE {match}{skip}; END"
            )
    return out


def freeze_triggers(table: Table) -> list[str]:
    when = f"WHEN (SELECT value FROM {STATE} WHERE key = 'frozen') = '1'"
    body = f"BEGIN SELECT RAISE(ABORT, {lit(FROZEN_MESSAGE)}); END"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {q(PREFIX + 'frz_' + op.lower() + '_' + table.name)}"
        f" BEFORE {op} ON {q(table.name)} {when} {body}"
        for op in ("INSERT", "UPDATE", "DELETE")
    ]


def app_schema_key(conn: sqlite3.Connection) -> str:
    """The app's tables as SQLite keeps them (skylift's own objects left out)."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        f" AND substr(name, 1, {len(PREFIX)}) <> '{PREFIX}' ORDER BY name"
    ).fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:32]


def julian_to_epoch(value: float | None) -> float | None:
    return None if value is None else (value - JULIAN_EPOCH) * 86400.0


class SqliteSnapshot:
    """The changes and the rows they touched, read in one read transaction."""

    def __init__(self, reader: SqliteReader) -> None:
        self.reader = reader

    def chunks(self, table: Table, changes: TableChanges) -> list[Chunk]:
        if changes.whole or not table.has_rowid or None in changes.fetch:
            return [Chunk(table.qualified, 0)]
        out: list[Chunk] = []
        for lo, hi in _runs(sorted(changes.fetch)):
            out.append(Chunk(table.qualified, len(out), lo, hi + 1))
        return out

    def count(self, table: Table) -> int:
        return int(self.reader.conn.execute(f"SELECT count(*) FROM {q(table.name)}").fetchone()[0])

    def close(self) -> None:
        self.reader.conn.commit()


def _runs(rowids: list[int]) -> list[tuple[int, int]]:
    """Consecutive rowids as (first, last) ranges: a burst of inserts is one read."""
    runs: list[tuple[int, int]] = []
    for rid in rowids:
        if runs and rid == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], rid)
        elif not runs or rid != runs[-1][1]:
            runs.append((rid, rid))
    return runs


class SqliteCapture:
    name = "sqlite-triggers"

    def __init__(self, path: Path, schema: Schema) -> None:
        self.path = path
        self.schema = schema
        self.tables = {t.name: t for t in schema.tables}
        self.reader: SqliteReader | None = None
        self._version: int | None = None
        self._key: str | None = None

    # -- installing ---------------------------------------------------------------------------
    def install(self) -> dict[str, Any]:
        conn = writer(self.path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            for sql in SETUP.split(";\n"):  # not executescript: it would commit first
                if sql.strip():
                    conn.execute(sql)
            for table in self.schema.tables:
                for sql in capture_triggers(table) + replace_triggers(table):
                    conn.execute(sql)
            seq = conn.execute(f"SELECT coalesce(max(seq), 0) FROM {CHANGES}").fetchone()[0]
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK") if conn.in_transaction else None
            raise SourceError(
                f"cannot add skylift's change capture to {self.path}",
                str(exc),
                "skylift writes a table and triggers into the file: it must be writable",
            ) from exc
        finally:
            conn.close()
        return {"seq": int(seq)}

    def remove(self) -> None:
        self.remove_all()

    def remove_all(self) -> list[str]:
        """Drop every skylift table and trigger from the file; what was removed."""
        conn = writer(self.path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            names = conn.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'table')"
                f" AND substr(name, 1, {len(PREFIX)}) = '{PREFIX}' ORDER BY type DESC"
            ).fetchall()
            for kind, name in names:
                conn.execute(f"DROP {kind.upper()} IF EXISTS {q(name)}")
            conn.execute("COMMIT")
        finally:
            conn.close()
        triggers = sum(1 for kind, _ in names if kind == "trigger")
        tables = [name for kind, name in names if kind == "table"]
        if not names:
            return []
        return [f"{triggers} triggers and the tables {', '.join(tables)} from {self.path}"]

    def installed(self) -> bool:
        conn = open_readonly(self.path)
        try:
            row = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
                (PREFIX + "%",),
            ).fetchone()
        finally:
            conn.close()
        return bool(row[0])

    # -- reading ------------------------------------------------------------------------------
    def _reader(self) -> SqliteReader:
        if self.reader is None:
            self.reader = SqliteReader(self.path)
        return self.reader

    def poll(self, position: dict[str, Any],
             whole: set[str] | None = None) -> tuple[Batch, SqliteSnapshot] | None:  # fmt: skip
        """The changes after `position` (and `whole` tables copied again), in one read."""
        reader = self._reader()
        conn = reader.conn
        conn.execute("BEGIN")
        try:
            self._check_schema(conn)
            # the keys as bytes: a text key that is not UTF-8 must not stop every batch
            rows = conn.execute(
                f"SELECT seq, tbl, op, rid, CAST(old_key AS BLOB), CAST(new_key AS BLOB), at"
                f" FROM {CHANGES} WHERE seq > ? ORDER BY seq",
                (int(position.get("seq", 0)),),
            ).fetchall()
        except BaseException:
            conn.commit()
            raise
        if not rows and not whole:
            conn.commit()
            return None
        batch = self._batch(rows, position)
        for name in whole or ():
            batch.table(name).whole = True
        return batch, SqliteSnapshot(reader)

    def _batch(self, rows: list[tuple[Any, ...]], position: dict[str, Any]) -> Batch:
        if not rows:
            return Batch({}, dict(position), 0)
        batch = Batch({}, {"seq": int(rows[-1][0])}, len(rows), julian_to_epoch(rows[-1][6]))
        for _seq, tbl, op, rid, old_key, new_key, _at in rows:
            table = self.tables.get(tbl)
            if table is None:
                continue  # a table skylift does not sync (its triggers were left behind)
            changes = batch.table(table.qualified)
            changes.changes += 1
            keys = [
                _decoded(k) for k in {"I": [new_key], "U": [old_key, new_key], "D": [old_key]}[op]
            ]
            if not table.primary_key or not table.has_rowid or None in keys:
                changes.whole = True  # no key, or one JSON cannot hold (a BLOB)
                continue
            if op != "D":
                changes.fetch.add(rid)
            changes.keys.update(_norm(k) for k in keys if k is not None)
        return batch

    def _check_schema(self, conn: sqlite3.Connection) -> None:
        """A change of the app's tables stops the sync (checked in the read's snapshot, before
        any row is read with the old column list)."""
        version = conn.execute("PRAGMA schema_version").fetchone()[0]
        if version == self._version:
            return
        key = app_schema_key(conn)
        if self._key is not None and key != self._key:
            raise schema_changed(self.path)
        missing = self._missing_triggers(conn)
        if missing:
            raise SourceError(
                f"skylift's capture triggers were removed from {self.path}: {', '.join(missing[:3])}",
                "changes made since then were not recorded",
                "run `skylift db migrate --restart SOURCE TARGET`, then `skylift db sync` again",
            )
        self._version, self._key = version, key

    def _missing_triggers(self, conn: sqlite3.Connection) -> list[str]:
        have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        return [
            PREFIX + op + "_" + t.name
            for t in self.schema.tables
            for op in ("ins", "upd", "del")
            if PREFIX + op + "_" + t.name not in have
        ]

    def snapshot(self) -> SqliteSnapshot:
        """The source in one read transaction (closed by the snapshot's close())."""
        reader = self._reader()
        reader.conn.execute("BEGIN")
        reader.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the read starts
        return SqliteSnapshot(reader)

    def changes_for_keys(
        self, snapshot: SqliteSnapshot, table: Table, keys: set[str]
    ) -> TableChanges:
        """The rowids holding these keys now (for checks and a rollback's proof)."""
        changes = TableChanges(keys=set(keys))
        if not table.has_rowid or not table.primary_key:
            changes.whole = True
            return changes
        from skylift.db.sync.back_sqlite import key_converter

        conn = snapshot.reader.conn
        where = " AND ".join(f"{q(c)} = ?" for c in table.primary_key)
        sql = f"SELECT {table.rowid} FROM {q(table.name)} WHERE {where}"
        # keys as SQLite holds them (a cutover's) or as the target does (a rollback's proof)
        forms = {tuple(json.loads(k)) for k in keys}
        convert = key_converter(conn, table)
        for key in keys:
            try:
                forms.add(convert(key))
            except (ValueError, TypeError):
                continue  # not a key of the target's form (24:00, an epoch number)
        changes.fetch = {r[0] for key in forms for r in conn.execute(sql, key).fetchall()}
        return changes

    def behind(self, position: dict[str, Any]) -> tuple[int, float | None]:
        conn = open_readonly(self.path)
        try:
            count, oldest = conn.execute(
                f"SELECT count(*), min(at) FROM {CHANGES} WHERE seq > ?",
                (int(position.get("seq", 0)),),
            ).fetchone()
        finally:
            conn.close()
        return int(count), julian_to_epoch(oldest)

    def schema_key(self) -> str:
        conn = open_readonly(self.path)
        try:
            return app_schema_key(conn)
        finally:
            conn.close()

    def expect_schema(self, key: str) -> None:
        self._key = key

    def done(self, position: dict[str, Any]) -> None:
        """Forget applied changes (a small write, done now and then, never in a batch)."""
        conn = writer(self.path)
        try:
            conn.execute(f"DELETE FROM {CHANGES} WHERE seq <= ?", (int(position.get("seq", 0)),))
        finally:
            conn.close()

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None


def _decoded(key: bytes | None) -> str | None:
    """A recorded key, or None when it is not UTF-8 (the table is then copied again whole:
    the copy rejects such a value with its reason)."""
    try:
        return None if key is None else key.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _norm(key: str) -> str:
    import json

    return key_text(json.loads(key))


def schema_changed(path: Path | str) -> SourceChanged:
    return SourceChanged(
        f"the schema of {path} changed while skylift was syncing it",
        "a table was created, altered or dropped on the source; the target still has the old "
        "shape, and syncing on would lose or misplace the new columns' values",
        "apply the same change to the target (or run `skylift db migrate --restart SOURCE "
        "TARGET` to copy again), then start `skylift db sync` again",
    )


def snapshot_seq(snapshot: Path) -> int | None:
    """The last change a migration snapshot holds (it carries the changes table with it)."""
    conn = open_readonly(snapshot)
    try:
        row = conn.execute(f"SELECT coalesce(max(seq), 0) FROM {CHANGES}").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()
    return int(row[0])


# -- the freeze -------------------------------------------------------------------------------
def freeze(path: Path, schema: Schema) -> None:
    """Every write to the app's tables aborts with FROZEN_MESSAGE from now on. The write lock
    is taken first, so a transaction of the app in flight commits before (and is captured)."""
    conn = writer(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for sql in SETUP.split(";\n"):
            if sql.strip():
                conn.execute(sql)
        for table in schema.tables:
            for sql in freeze_triggers(table):
                conn.execute(sql)
        conn.execute(f"UPDATE {STATE} SET value = '1' WHERE key = 'frozen'")
        conn.execute("COMMIT")
    finally:
        conn.close()


def unfreeze(path: Path) -> bool:
    """Writes allowed again; False when the file was not frozen."""
    conn = writer(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
                (PREFIX + "frz_%",),
            )
        ]
        for name in names:
            conn.execute(f"DROP TRIGGER IF EXISTS {q(name)}")
        conn.execute("COMMIT")
    finally:
        conn.close()
    return bool(names)


def is_frozen(path: Path) -> bool:
    conn = open_readonly(path)
    try:
        row = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
            (PREFIX + "frz_%",),
        ).fetchone()
    finally:
        conn.close()
    return bool(row[0])
