"""MySQL / MariaDB: change capture from the row-based binary log (python-mysql-replication).

Each batch opens one consistent snapshot on the source and takes its exact binary log position
(MariaDB: `binlog_snapshot_file/position`, consistent with the snapshot by construction; MySQL:
the position read before and after the snapshot starts, equal, else again). The binary log is
read from the last applied position up to that one; the keys its row events touched are then
read in the snapshot by `db migrate`'s own reader (sync/apply.py), so the target lands on
exactly the state the snapshot shows. Only keys are taken from the log: `binlog_row_image`
MINIMAL or NOBLOB is enough (FULL is MySQL's default). A statement that changes a table's
definition (ALTER, CREATE, DROP, RENAME on the app's database) stops the sync; TRUNCATE copies
the table again whole.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import zlib
from dataclasses import dataclass
from typing import Any

import psycopg

from skylift.db.schema import Schema, Table
from skylift.db.sources import Chunk
from skylift.db.sources.mysql import MySQLReader, connect, quote
from skylift.db.sync.changes import Batch, TableChanges, key_text, one_per_row
from skylift.errors import SourceChanged, SourceError

DDL = ("alter", "create", "drop", "rename")
# the library warns about binlog_row_metadata on every stream: keys are read by position here
logging.getLogger("pymysqlreplication").setLevel(logging.ERROR)
OURS = "_skylift_"  # skylift's own statements in the log (the freeze's triggers)


def _pos(file: str, pos: int) -> tuple[int, int]:
    """A binary log position, comparable across files (mysql-bin.000012:4)."""
    return int(file.rsplit(".", 1)[-1]), int(pos)


@dataclass(frozen=True)
class _Keys:
    """A chunk bound that selects rows by key (see KeyedReader)."""

    sql: str


class KeyedReader(MySQLReader):
    """The migration's reader, on a connection already in the batch's snapshot, whose chunks
    may select rows by key: every read path (fast, binary, value by value) builds its query
    with `_select`, so the values are converted exactly as `db migrate` converts them."""

    def __init__(self, params: dict[str, Any], conn: Any) -> None:
        super().__init__(params, None)
        self._conn = conn

    def _select(self, table: Table, chunk: Chunk, select: str, where: str = "") -> str:
        if isinstance(chunk.lo, _Keys):
            conds = [w for w in (where, chunk.lo.sql) if w]
            return f"SELECT {select} FROM {quote(table.name)} WHERE " + " AND ".join(conds)
        return super()._select(table, chunk, select, where)


class MySQLSnapshot:
    def __init__(self, reader: KeyedReader, position: tuple[str, int]) -> None:
        self.reader = reader
        self.position = position

    def chunks(self, table: Table, changes: TableChanges) -> list[Chunk]:
        if changes.whole or not table.primary_key:
            return [Chunk(table.qualified, 0)]
        import json

        conn = self.reader._conn
        cols = ", ".join(quote(c) for c in table.primary_key)
        keys = sorted((tuple(json.loads(k)) for k in one_per_row(changes.keys)), key=repr)
        out: list[Chunk] = []
        for start in range(0, len(keys), 500):
            binary = [table.column(c).extra.get("data_type") in BINARY for c in table.primary_key]
            group = ", ".join(
                "("
                + ", ".join(
                    conn.escape(_source_value(v, b)) for v, b in zip(key, binary, strict=True)
                )
                + ")"
                for key in keys[start : start + 500]
            )
            out.append(Chunk(table.qualified, len(out) + 1, _Keys(f"({cols}) IN ({group})")))
        return out

    def count(self, table: Table) -> int:
        with self.reader._conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {quote(table.name)}")
            return int(cur.fetchone()[0])

    def close(self) -> None:
        self.reader.close()


class MySQLCapture:
    name = "mysql-binlog"

    def __init__(self, source: Any, schema: Schema, conn: psycopg.Connection[Any]) -> None:
        self.source = source
        self.params = source.params
        self.database = self.params["database"]
        self.schema = schema
        self.tables = {t.name: t for t in schema.tables}
        self._referenced = _referenced_columns(schema)
        self._key: str | None = None
        self._mariadb: bool | None = None
        # a replica id of our own per process: the server cuts a stream when another one
        # connects with the same id (a sync and the cutover taking over from it)
        self.server_id = (
            1_000_000 + zlib.crc32(f"{conn.info.dsn}|{os.getpid()}".encode()) % 1_000_000
        )

    # -- checks -------------------------------------------------------------------------------
    def _variables(self, conn: Any) -> dict[str, str]:
        with conn.cursor() as cur:
            cur.execute(
                "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format',"
                " 'binlog_row_image', 'version')"
            )
            return {k.decode() if isinstance(k, bytes) else k: (v.decode() if isinstance(v, bytes) else v)
                    for k, v in cur.fetchall()}  # fmt: skip

    def check(self) -> None:
        """The binary log must be on, row-based, and readable by this user: else say what to
        set, where."""
        conn = connect(self.params)
        try:
            found = self._variables(conn)
            self._mariadb = "mariadb" in found.get("version", "").lower()
            if found.get("log_bin", "OFF").upper() != "ON":
                raise SourceError(
                    "the MySQL source has no binary log",
                    "db sync follows the changes in the row-based binary log",
                    "turn it on (my.cnf [mysqld]: log-bin=mysql-bin, server-id=1,"
                    " binlog_format=ROW; RDS: backups on, which turns it on) and restart the server",
                )
            if found.get("binlog_format", "").upper() != "ROW":
                raise SourceError(
                    f"the binary log is not row-based (binlog_format={found.get('binlog_format')})",
                    "statement-based logs do not say which rows changed",
                    "SET GLOBAL binlog_format = 'ROW' (and binlog_format=ROW in my.cnf, or the"
                    " RDS parameter group), then reconnect the app",
                )
            self._check_grants(conn)
        finally:
            conn.close()

    def _check_grants(self, conn: Any) -> None:
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW BINARY LOGS")
        except Exception as exc:
            raise SourceError(
                "this MySQL user cannot read the binary log",
                str(exc.args[-1] if exc.args else exc),
                "as an admin: GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO"
                f" '{self.params['user']}'@'%' (MariaDB 10.5+: BINLOG MONITOR, REPLICATION SLAVE)",
            ) from None

    def install(self) -> dict[str, Any]:
        """Nothing to add to the source: the position the capture starts from (read before
        the migration's snapshot, so reading from it over-reads, never misses)."""
        self.check()
        conn = connect(self.params)
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW MASTER STATUS")
                row = cur.fetchone()
        finally:
            conn.close()
        return {"file": _text(row[0]), "pos": int(row[1])}

    def remove(self) -> None:
        self.remove_all()

    def remove_all(self) -> list[str]:
        from skylift.db.sync import mysql_freeze

        return mysql_freeze.remove(self.params, self.schema)

    # -- reading ------------------------------------------------------------------------------
    def _snapshot(self) -> MySQLSnapshot:
        """A connection in a consistent snapshot, and the binary log position it shows."""
        for _attempt in range(50):
            conn = connect(self.params)
            with conn.cursor() as cur:
                cur.execute("SHOW MASTER STATUS")
                before = cur.fetchone()
                cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                cur.execute("SHOW STATUS LIKE 'binlog_snapshot_%'")
                snap = {_text(k): _text(v) for k, v in cur.fetchall()}
                cur.execute("SHOW MASTER STATUS")
                after = cur.fetchone()
            if snap.get("binlog_snapshot_file"):  # MariaDB: exact by construction
                where = (snap["binlog_snapshot_file"], int(snap["binlog_snapshot_position"]))
                return MySQLSnapshot(KeyedReader(self.params, conn), where)
            if before[:2] == after[:2]:  # nothing committed while the snapshot started
                return MySQLSnapshot(
                    KeyedReader(self.params, conn), (_text(before[0]), int(before[1]))
                )
            conn.close()
            time.sleep(0.01)
        raise SourceError(
            "cannot take a snapshot of the MySQL source at a known binary log position",
            "commits kept arriving between the two reads of the position (50 tries)",
            "rerun; if the server is very busy, pause the heaviest writer for a moment",
        )

    def snapshot(self) -> MySQLSnapshot:
        return self._snapshot()

    def _at_end(self, position: dict[str, Any]) -> bool:
        conn = connect(self.params)
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW MASTER STATUS")
                row = cur.fetchone()
        finally:
            conn.close()
        return _pos(_text(row[0]), int(row[1])) == _pos(position["file"], position["pos"])

    def poll(self, position: dict[str, Any],
             whole: set[str] | None = None) -> tuple[Batch, MySQLSnapshot] | None:  # fmt: skip
        if not whole and self._at_end(position):
            return None  # nothing committed anywhere on the server since
        snap = self._snapshot()
        try:
            self._check_schema(snap)
            until = snap.position
            for attempt in range(3):
                try:
                    batch = self._read_log(position, until)
                    break
                except SourceError:
                    if attempt == 2:
                        raise
        except BaseException:
            snap.close()
            raise
        for name in whole or ():
            batch.table(name).whole = True
        if not batch.tables:
            if _pos(*until) > _pos(position["file"], position["pos"]):
                batch.changes = 0  # only other databases wrote: move on, nothing to copy
                return batch, snap
            snap.close()
            return None
        return batch, snap

    def _stream(self, position: dict[str, Any]) -> Any:
        from pymysqlreplication import BinLogStreamReader
        from pymysqlreplication.event import QueryEvent, RotateEvent, XidEvent
        from pymysqlreplication.row_event import DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent

        settings = {"host": self.params["host"], "port": self.params["port"],
                    "user": self.params["user"], "passwd": self.params["password"]}  # fmt: skip
        return BinLogStreamReader(
            connection_settings=settings,
            server_id=self.server_id,
            log_file=position["file"],
            log_pos=int(position["pos"]),
            resume_stream=True,
            blocking=False,
            only_events=[
                WriteRowsEvent,
                UpdateRowsEvent,
                DeleteRowsEvent,
                QueryEvent,
                XidEvent,
                RotateEvent,
            ],
            is_mariadb=bool(self._mariadb),
            enable_logging=False,
        )

    def _read_log(self, position: dict[str, Any], until: tuple[str, int]) -> Batch:
        """The keys the log's row events touched between `position` and `until`."""
        from pymysqlreplication.event import QueryEvent, RotateEvent
        from pymysqlreplication.row_event import RowsEvent

        end = _pos(*until)
        batch = Batch({}, {"file": until[0], "pos": until[1]}, 0, unlogged_cascades=True)
        stream = self._stream(position)
        broke = False
        try:
            for event in stream:
                if isinstance(event, RotateEvent):
                    continue
                if _pos(stream.log_file, event.packet.log_pos) > end:
                    broke = True
                    break
                if isinstance(event, QueryEvent):
                    self._query(event, batch)
                    continue
                if not isinstance(event, RowsEvent):
                    continue  # a transaction's end (hasattr(event, "rows") would read its rows)
                self._rows(event, batch)
                batch.commit_at = float(event.timestamp)
            # where the stream stopped: past every event it read, the ones it filtered out too
            reached = end if broke else _pos(stream.log_file or until[0], stream.log_pos or 0)
        finally:
            stream.close()
        if reached < end:
            # the stream ended before the snapshot's position (its connection was cut: a
            # reader with our server id, the server restarting): never skip what was not read
            raise SourceError(
                "the MySQL binary log stream ended early",
                f"it stopped at {reached}, the snapshot is at {until}",
                "rerun: the sync goes on from the last batch it applied",
            )
        return batch

    def _query(self, event: Any, batch: Batch) -> None:
        sql = _text(event.query).strip()
        words = sql.lower().split(None, 3)
        schema = _text(event.schema)
        if not words or words[0] in ("begin", "commit", "savepoint", "rollback", "xa"):
            return
        if OURS in sql or (schema != self.database and f"`{self.database}`" not in sql):
            return
        if words[0] == "truncate":
            name = words[-1].strip("`;").split(".")[-1].strip("`")
            if name in self.tables:
                batch.table(self.tables[name].qualified).whole = True
            return
        if words[0] in DDL:
            raise _schema_changed(self.database, sql)

    def _rows(self, event: Any, batch: Batch) -> None:
        if event.schema != self.database:
            return
        table = self.tables.get(event.table)
        if table is None:
            return
        from pymysqlreplication.row_event import DeleteRowsEvent

        _describe(event, table)
        changes = batch.table(table.qualified)
        if changes.reaching is None:
            changes.reaching = set()  # the log says which rows were deleted or re-keyed
        names = [c.name for c in table.columns]
        positions = [names.index(k) for k in table.primary_key]
        referenced = [names.index(c) for c in self._referenced.get(table.name, ()) if c in names]
        deleted = isinstance(event, DeleteRowsEvent)
        for row in event.rows:
            batch.changes += 1
            changes.changes += 1
            if not positions:
                changes.whole = True
                continue
            keys = []
            for image in ("values", "before_values", "after_values"):
                if image in row:
                    values = list(row[image].values())
                    key = tuple(_key_value(values[i], table.columns[i]) for i in positions)
                    changes.fetch.add(key)
                    keys.append(key_text(list(key)))
            changes.keys.update(keys)
            if deleted or _rekeyed(row, referenced):
                changes.reaching.update(keys)

    def _check_schema(self, snap: MySQLSnapshot) -> None:
        key = self._schema_key(snap.reader._conn)
        if self._key is not None and key != self._key:
            raise _schema_changed(self.database, "(the tables' columns differ)")

    def _schema_key(self, conn: Any) -> str:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, ORDINAL_POSITION FROM"
                " information_schema.COLUMNS WHERE TABLE_SCHEMA = %s ORDER BY 1, 4",
                (self.database,),
            )
            rows = [tuple(_text(v) for v in r) for r in cur.fetchall()]
        return hashlib.sha256(repr(rows).encode()).hexdigest()[:32]

    def schema_key(self) -> str:
        conn = connect(self.params)
        try:
            return self._schema_key(conn)
        finally:
            conn.close()

    def expect_schema(self, key: str) -> None:
        self._key = key

    def changes_for_keys(
        self, snapshot: MySQLSnapshot, table: Table, keys: set[str]
    ) -> TableChanges:
        import json

        return TableChanges(keys=set(keys), fetch={tuple(json.loads(k)) for k in keys})

    def behind(self, position: dict[str, Any]) -> tuple[int, float | None]:
        """Row changes in the log after `position` (in this database) and the oldest's time."""
        from pymysqlreplication.row_event import RowsEvent

        count, oldest = 0, None
        stream = self._stream(position)
        try:
            for event in stream:
                table = self.tables.get(event.table) if isinstance(event, RowsEvent) else None
                if table is not None and event.schema == self.database:
                    _describe(event, table)  # before its rows are read
                    count += len(event.rows)
                    oldest = oldest or float(event.timestamp)
        finally:
            stream.close()
        return count, oldest

    def done(self, position: dict[str, Any]) -> None:
        pass  # the server keeps (and expires) its binary logs itself

    def close(self) -> None:
        pass


def _referenced_columns(schema: Schema) -> dict[str, set[str]]:
    """table -> its columns some foreign key references: only a change of those (or a
    delete) can set off an ON DELETE/UPDATE action on the rows referencing it."""
    out: dict[str, set[str]] = {}
    for table in schema.tables:
        for fk in table.foreign_keys:
            out.setdefault(fk.ref_table, set()).update(fk.ref_columns)
    return out


def _rekeyed(row: dict[str, Any], referenced: list[int]) -> bool:
    """An update that changed a referenced column (by position: MariaDB's log may not name
    the columns)."""
    if "before_values" not in row or not referenced:
        return False
    before, after = list(row["before_values"].values()), list(row["after_values"].values())
    return any(before[i] != after[i] for i in referenced)


RAW = "skylift-raw"  # no such encoding: the library then leaves a string's bytes as they are
BINARY = ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob")


def _describe(event: Any, table: Table) -> None:
    """Tell the library what the log does not say unless `binlog_row_metadata=FULL`: which
    integers are unsigned (18446744073709551615 was read as -1), an enum's labels (it gave
    None) and that strings stay bytes (it decoded every string as UTF-8: a latin1 'café'
    stopped the stream). Before the event's rows are read (they are read on first use)."""
    for col, ours in zip(event.columns, table.columns, strict=False):
        if "unsigned" in ours.source_type.lower():
            col.unsigned = True
        if ours.extra.get("data_type") == "enum":
            col.enum_values = ["", *ours.extra.get("labels", [])]
        if ours.extra.get("charset") or ours.extra.get("data_type") in BINARY:
            col.character_set_name = RAW


def _key_value(value: Any, col: Any) -> Any:
    """A key value from the log in the form the target's key column is searched with:
    bytes of a binary column as bytea text (\\x…), text decoded from the column's charset."""
    if isinstance(value, bytes | bytearray):
        if col.extra.get("data_type") in BINARY:
            return "\\x" + bytes(value).hex()
        from pymysql.charset import charset_by_name

        found = charset_by_name(str(col.extra.get("charset") or "utf8mb4"))
        try:
            return bytes(value).decode(found.encoding if found else "utf-8")
        except (UnicodeDecodeError, LookupError):
            return bytes(value).hex()
    return _plain(value)


def _source_value(value: Any, binary: bool) -> Any:
    """A key value as the source compares it: a binary column's bytes from their bytea text."""
    if binary and isinstance(value, str) and value.startswith("\\x"):
        return bytes.fromhex(value[2:])
    return value


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes | bytearray) else str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(value).hex()
    if isinstance(value, int | str | float) or value is None:
        return value
    return str(value)


def _schema_changed(database: str, sql: str) -> SourceChanged:
    return SourceChanged(
        f"the schema of the MySQL database {database} changed while skylift was syncing it",
        f"the binary log holds: {sql[:200]}",
        "apply the same change to the target (or run `skylift db migrate --restart SOURCE"
        " TARGET` to copy again), then start `skylift db sync` again",
    )
