"""PostgreSQL sources: the write freeze, the sequences, and a rollback's copy back.

The freeze is target_capture.freeze's: `ALTER DATABASE ... SET default_transaction_read_only`
for new sessions, statement triggers that refuse a write from a session that turned read-only
off again (`SET default_transaction_read_only = off` or `BEGIN READ WRITE` — the setting is a
default, not a lock), and the sessions open now ended (they keep the old default: a pooled
connection would otherwise write on). Ending another role's sessions needs pg_signal_backend
or the same role; the report says how many were ended.
"""

from __future__ import annotations

from typing import Any

import psycopg

from skylift.db.schema import Schema, Table
from skylift.db.sources.postgres import connect
from skylift.db.sources.postgres import table_name as _name
from skylift.db.sync import target_capture
from skylift.db.sync.postgres import key_filter
from skylift.db.translate import quote
from skylift.errors import SourceError


def _writable(url: str) -> psycopg.Connection[Any]:
    conn = connect(url)
    target_capture.writable(conn)
    return conn


def freeze(url: str, schema: Schema) -> dict[str, Any]:
    with _writable(url) as conn:
        try:
            ended = target_capture.freeze(conn, schema, "preserve")
        except psycopg.Error as exc:
            raise SourceError(
                "cannot freeze the PostgreSQL source's writes",
                str(exc).strip().splitlines()[0],
                "connect as the database's owner, or pass --freeze-command (maintenance mode)",
            ) from exc
    return {"by": "default_transaction_read_only + triggers", "sessions_ended": ended}


def unfreeze(url: str) -> bool:
    with _writable(url) as conn:
        return target_capture.unfreeze(conn)


def write_back(
    url: str, schema: Schema, plan: list[tuple[Table, list[str], list[Any], bool]]
) -> None:
    """One transaction: per table (children first) the touched keys deleted, then (parents
    first) the target's rows copied in as PostgreSQL text; replica mode holds off the app's
    triggers and foreign keys (and the freeze's) for it; sequences moved past the new ids."""
    with _writable(url) as conn, conn.transaction():
        try:
            with conn.transaction():
                conn.execute("SET LOCAL session_replication_role = replica")
        except psycopg.errors.InsufficientPrivilege:
            for table, *_rest in plan:
                conn.execute(f"ALTER TABLE {_name(table)} DISABLE TRIGGER USER")
        for table, keys, _rows, whole in reversed(plan):
            if whole or not table.primary_key:
                conn.execute(f"DELETE FROM ONLY {_name(table)}")
            elif keys:
                conn.execute(
                    f"DELETE FROM ONLY {_name(table)} WHERE {key_filter(table, set(keys))}"
                )
        for table, _keys, rows, _whole in plan:
            cols = ", ".join(quote(c.name) for c in table.columns)
            with conn.cursor() as cur, cur.copy(f"COPY {_name(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            _sequences(conn, table)
        if conn.execute("SHOW session_replication_role").fetchone() != ("replica",):
            for table, *_rest in plan:
                conn.execute(f"ALTER TABLE {_name(table)} ENABLE TRIGGER USER")


def _sequences(conn: psycopg.Connection[Any], table: Table) -> None:
    for col in table.columns:
        row = conn.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", (_name(table), col.name)
        ).fetchone()
        if row and row[0]:
            conn.execute(
                f"SELECT setval(%s, greatest((SELECT last_value FROM {row[0]}),"
                f" (SELECT coalesce(max({quote(col.name)}), 1) FROM {_name(table)})))",
                (row[0],),
            )
