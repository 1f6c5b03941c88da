"""PostgreSQL source (`postgresql://...`, `postgres://...`: a Heroku DATABASE_URL works as is).

PostgreSQL to PostgreSQL keeps every type as it is: the schema is read from the catalogs with
the server's own deparsers (pg_get_indexdef, pg_get_constraintdef, ...), like pg_dump, without
owners, grants and host-specific objects (Heroku's roles and its `heroku_ext` schema: extensions
living there are created in the target's default schema). Reading is in `_pg_catalog.py`,
streaming in `_pg_rows.py`.

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
from skylift.db.urls import mask
from skylift.errors import SourceError

# pg type (pg_type.typname of the column's base type) -> value kind compared by verification.
# Anything else (arrays, enums, vector, uuid, interval, dates that may be infinite, ...) is
# compared by its text output, which is exact for every type on both sides.
KIND_BY_TYPE: dict[str, str] = {
    "int2": "int",
    "int4": "int",
    "int8": "int",
    "float4": "float",
    "float8": "float",
    "numeric": "numeric",
    "bool": "bool",
    "text": "text",
    "varchar": "text",
    "bpchar": "text",
    "name": "text",
    "bytea": "bytes",
    "json": "json",
    "jsonb": "json",
}
# schemas that belong to the host, never to the app
HOST_SCHEMAS = {"heroku_ext", "pg_catalog", "information_schema", "pg_toast"}
SESSION = (
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';"
    " SET extra_float_digits = 1; SET bytea_output = 'hex'"
)


def mask_password(url: str) -> str:
    return mask(url)  # every form: user:password@, ?password=, key=value


def connect(url: str) -> psycopg.Connection[Any]:
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        raise SourceError(
            f"cannot connect to PostgreSQL at {mask_password(url)}",
            str(exc).strip().splitlines()[-1] if str(exc).strip() else "connection failed",
            "check the URL (Heroku: heroku config:get DATABASE_URL) and that the server is up",
        ) from None
    conn.execute(SESSION)
    return conn


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
        from skylift.db.sources._pg_catalog import read_schema

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
            self._schema = schema
        return self._schema

    def chunks(self, table: Table) -> list[Chunk]:
        from skylift.db.sources._pg_rows import plan_chunks

        return plan_chunks(self._connection(), table, self.CHUNK_ROWS)

    def reader(self) -> Any:
        from skylift.db.sources._pg_rows import PostgresReader

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
