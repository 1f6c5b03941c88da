"""The MySQL / MariaDB `Source` (top layer): the schema (or the one `start_early` read), the
chunks, a reader per worker, the fingerprint. Types are chosen in `_types.py`, the catalog read in
`_schema.py`, rows streamed in `_rows.py`."""

from __future__ import annotations

import hashlib
from typing import Any

from skylift.db.schema import Schema, Table
from skylift.db.sources import Chunk
from skylift.db.sources.mysql._binary import binary_able
from skylift.db.sources.mysql._connection import binlog_position, connect, mask_password, parse_url
from skylift.db.sources.mysql._early import claim_early
from skylift.db.sources.mysql._rows import MySQLReader, plan_chunks
from skylift.db.sources.mysql._schema import read_schema


class MySQLSource:
    """A MySQL or MariaDB database. Picklable: holds the URL and facts, never a connection."""

    engine = "mysql"
    # rows travel as CSV records in PostgreSQL's output form (_csv), or in binary
    # (copy_format, _binary)
    record_format = "csv"
    CHUNK_ROWS = 100_000

    def __init__(self, url: str, options: dict[str, Any]) -> None:
        self.url = url
        self.options = dict(options)
        self.params = parse_url(url)
        self.display_url = mask_password(url)
        self.start_position: str | None = None  # binlog position when the copy started
        self._conn: Any = None
        self._schema: Schema | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_conn"] = None
        return state

    def _connection(self) -> Any:
        if self._conn is None:
            self._conn = connect(self.params)
        return self._conn

    def read_schema(self) -> Schema:
        if self._schema is None and not self._claim_early():
            self._read_schema()
        assert self._schema is not None
        return self._schema

    def _read_schema(self) -> None:
        conn = self._connection()
        self.start_position = binlog_position(conn)
        self._schema = read_schema(conn, self.params["database"], self.options)

    def _claim_early(self) -> bool:
        """Adopt the schema `start_early` read for the same URL and options, if it did."""
        done = claim_early(self.url, self.options)
        if done is None:
            return False
        self._conn, self._schema, self.start_position = done.conn, done.schema, done.start_position
        return True

    def chunks(self, table: Table) -> list[Chunk]:
        return plan_chunks(self._connection(), table, self.CHUNK_ROWS)

    def copy_format(self, table: Table) -> str:
        """ "binary" for tables the accelerator reads with the binary protocol, else "csv"."""
        return "binary" if binary_able(table) else "csv"

    def reader(self) -> MySQLReader:
        # captured (db sync): changes made during the copy are applied after it anyway
        proven = None if self.options.get("captured") else self.start_position
        return MySQLReader(self.params, proven)

    def fingerprint(self) -> str:
        """Server identity, database, and binlog position: a rerun resumes only unchanged data."""
        conn = self._connection()
        with conn.cursor() as cur:
            cur.execute("SELECT @@hostname, @@port, DATABASE()")
            ident = repr(cur.fetchone())
        position = self.start_position or binlog_position(conn) or "no-binlog"
        return hashlib.sha256(f"mysql|{ident}|{position}".encode()).hexdigest()[:32]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
