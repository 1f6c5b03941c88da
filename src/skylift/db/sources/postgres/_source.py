"""PostgreSQL source (`postgresql://...`, `postgres://...`: a Heroku DATABASE_URL works as is).

PostgreSQL to PostgreSQL keeps every type as it is: the schema is read from the catalogs with
the server's own deparsers (pg_get_indexdef, pg_get_constraintdef, ...), like pg_dump, without
owners, grants and host-specific objects (Heroku's roles and its `heroku_ext` schema: extensions
living there are created in the target's default schema). Reading is in `_catalog.py`,
streaming in `_rows.py`.

One snapshot for the whole copy: the source opens a REPEATABLE READ transaction, exports its
snapshot (pg_export_snapshot) and holds it open until `close()`; every worker's reader imports it
(SET TRANSACTION SNAPSHOT), so all chunks of all tables see the same instant, like `pg_dump -j`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg

from skylift.db import overrides
from skylift.db.schema import Schema, Table
from skylift.db.sources import Chunk
from skylift.db.sources.postgres._catalog import read_schema
from skylift.db.sources.postgres._connection import connect, mask_password
from skylift.db.sources.postgres._rows import PostgresReader, binary_able, plan_chunks


class PostgresSource:
    """A PostgreSQL database. Picklable: the URL and the exported snapshot id, no connection."""

    engine = "postgresql"
    CHUNK_ROWS = 200_000

    def __init__(self, url: str, options: dict[str, Any]) -> None:
        self.url = url
        self.options = dict(options)
        self.display_url = mask_password(url)
        self.snapshot_id: str | None = None  # not `snapshot`: the engine reads that as a file
        self._conn: psycopg.Connection[Any] | None = None
        self._schema: Schema | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_conn"] = None
        return state

    def _connection(self) -> psycopg.Connection[Any]:
        """The connection holding the exported snapshot (open until close())."""
        if self._conn is None:
            conn = connect(self.url)
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            row = conn.execute("SELECT pg_export_snapshot()").fetchone()
            self.snapshot_id = row[0] if row else None
            self._conn = conn
        return self._conn

    def read_schema(self) -> Schema:
        if self._schema is None:
            schema = read_schema(self._connection(), self.options)
            # --type: the target column gets exactly that type; rows travel as PostgreSQL's
            # text, compared by the source's kind (a type that prints them differently fails
            # verification, naming the rows)
            for table, col, pg_type in overrides.apply(schema, self.options.get("types") or {}):
                schema.note(
                    f"{table.qualified}.{col.name}", f"{col.pg_type} replaced by {pg_type} (--type)"
                )
                col.pg_type = pg_type
                col.extra["binary"] = False  # another type on the target: its text travels
            self._schema = schema
        return self._schema

    def copy_format(self, table: Table) -> str:
        """ "binary" (records passed through as the source sends them) or "rows" (text)."""
        return "binary" if binary_able(table) else "rows"

    def chunks(self, table: Table) -> list[Chunk]:
        return plan_chunks(self._connection(), table, self.CHUNK_ROWS)

    def reader(self) -> PostgresReader:
        return PostgresReader(self.url, self.snapshot_id)

    def fingerprint(self) -> str:
        """The database and its schema. Data changes are not in it: a source that changed
        between a killed run and its rerun is caught by verification, which reads it afresh."""
        row = (
            self._connection()
            .execute(
                "SELECT current_database(), (SELECT oid FROM pg_database"
                " WHERE datname = current_database()), current_setting('server_version_num')"
            )
            .fetchone()
        )
        schema = self.read_schema()
        shape = [(t.qualified, [(c.name, c.pg_type) for c in t.columns]) for t in schema.tables]
        return hashlib.sha256(f"postgresql|{self.display_url}|{row}|{shape}".encode()).hexdigest()[
            :32
        ]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
