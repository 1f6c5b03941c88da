"""Capture with triggers in a PostgreSQL database: the target from the cutover on (so that a
rollback can bring every write back), and a PostgreSQL source without logical replication.

Triggers (`skylift_capture` on each table) record the key of every row the app inserts,
updates or deletes on the target into `skylift.changes`, with its transaction id; a TRUNCATE
marks the table for a copy back whole. Triggers rather than logical replication: they need
no server setting (RDS's default `wal_level` is `replica`) and only the owner's rights, which
the migration gave. The freeze of the target (a rollback's first step) is here too.
"""

from __future__ import annotations

from typing import Any

import psycopg

from skylift.db.schema import Schema
from skylift.db.translate import Policy, Translator, quote

SETUP = """
CREATE SCHEMA IF NOT EXISTS skylift;
CREATE TABLE IF NOT EXISTS skylift.changes (
  id bigserial PRIMARY KEY,
  table_name text NOT NULL,
  op "char" NOT NULL,
  old_key jsonb,
  new_key jsonb,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);
ALTER TABLE skylift.changes
  ADD COLUMN IF NOT EXISTS xid xid8 NOT NULL DEFAULT pg_current_xact_id();  -- older installs
CREATE INDEX IF NOT EXISTS changes_xid ON skylift.changes (xid);
CREATE OR REPLACE FUNCTION skylift.key_of(r jsonb, cols text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_agg(r -> c ORDER BY n), '[]'::jsonb)
  FROM unnest(cols) WITH ORDINALITY AS u(c, n)
$$;
CREATE OR REPLACE FUNCTION skylift.capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE cols text[] := TG_ARGV[1:];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO skylift.changes (table_name, op) VALUES (TG_ARGV[0], 'T');
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO skylift.changes (table_name, op, new_key)
    VALUES (TG_ARGV[0], 'I', skylift.key_of(to_jsonb(NEW), cols));
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO skylift.changes (table_name, op, old_key, new_key)
    VALUES (TG_ARGV[0], 'U', skylift.key_of(to_jsonb(OLD), cols), skylift.key_of(to_jsonb(NEW), cols));
  ELSE
    INSERT INTO skylift.changes (table_name, op, old_key)
    VALUES (TG_ARGV[0], 'D', skylift.key_of(to_jsonb(OLD), cols));
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION skylift.frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('skylift.writing', true), '') <> 'on' THEN
    RAISE EXCEPTION USING ERRCODE = 'read_only_sql_transaction', MESSAGE = TG_ARGV[0];
  END IF;
  RETURN NULL;
END $$;
"""
FROZEN_MESSAGE = (
    "skylift: writes are frozen (skylift db rollback moves the data back to the old database)"
)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def install(conn: psycopg.Connection[Any], schema: Schema, policy: Policy) -> None:
    """Start recording the app's writes on the target (idempotent, one transaction)."""
    tr = Translator(schema, policy)
    with conn.transaction():
        conn.execute(SETUP)
        for table in schema.tables:
            args = ", ".join(_lit(a) for a in [table.qualified, *table.primary_key])
            name = tr.t(table)
            conn.execute(f"DROP TRIGGER IF EXISTS skylift_capture ON {name}")
            conn.execute(f"DROP TRIGGER IF EXISTS skylift_capture_truncate ON {name}")
            conn.execute(
                f"CREATE TRIGGER skylift_capture AFTER INSERT OR UPDATE OR DELETE ON {name}"
                f" FOR EACH ROW EXECUTE FUNCTION skylift.capture({args})"
            )
            conn.execute(
                f"CREATE TRIGGER skylift_capture_truncate AFTER TRUNCATE ON {name}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION skylift.capture({args})"
            )


def installed(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT to_regclass('skylift.changes')").fetchone()
    return bool(row and row[0])


def changes(conn: psycopg.Connection[Any], after: int) -> list[tuple[Any, ...]]:
    """(id, table, op, old key, new key) of every recorded write after `after`, in order."""
    return conn.execute(
        "SELECT id, table_name, op, old_key::text, new_key::text FROM skylift.changes"
        " WHERE id > %s ORDER BY id",
        (after,),
    ).fetchall()


FREEZE_ATTEMPTS = 5


def freeze(conn: psycopg.Connection[Any], schema: Schema, policy: Policy,
           keep: list[int] | None = None) -> int:  # fmt: skip
    """Stop the app's writes on the target: new sessions start read-only, a trigger refuses
    any write a session that turned read-only off still tries, and the sessions open now
    (which kept the old default) are ended, but skylift's own (`keep`, backend pids). The
    number of sessions ended."""
    tr = Translator(schema, policy)
    database = conn.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
    # the triggers lock the tables one after the other while the app's statements lock them in
    # their own order (an INSERT into a child, then its foreign key's parent): PostgreSQL may
    # end the freeze's transaction as a deadlock's victim; it rolled back whole, so try again
    for attempt in range(1, FREEZE_ATTEMPTS + 1):
        try:
            with conn.transaction():
                conn.execute(SETUP)
                for table in schema.tables:
                    name = tr.t(table)
                    conn.execute(f"DROP TRIGGER IF EXISTS skylift_frozen ON {name}")
                    conn.execute(
                        f"CREATE TRIGGER skylift_frozen BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE"
                        f" ON {name} FOR EACH STATEMENT EXECUTE FUNCTION skylift.frozen({_lit(FROZEN_MESSAGE)})"
                    )
                conn.execute(
                    f"ALTER DATABASE {quote(database)} SET default_transaction_read_only = on"
                )
            break
        except psycopg.errors.DeadlockDetected:
            if attempt == FREEZE_ATTEMPTS:
                raise
    rows = conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND pid <> ALL(%s)",
        (keep or [],),
    ).fetchall()
    return sum(1 for r in rows if r[0])


def unfreeze(conn: psycopg.Connection[Any], *_unused: Any) -> bool:
    """Writes allowed again (the freeze's triggers dropped, the default reset); False when the
    database was not frozen."""
    database = conn.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
    rows = conn.execute(
        "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'skylift_frozen'"
    ).fetchall()
    setting = conn.execute(
        "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
        " WHERE d.datname = current_database() AND s.setrole = 0"
        " AND 'default_transaction_read_only=on' = ANY(s.setconfig)"
    ).fetchone()
    with conn.transaction():
        for (table,) in rows:
            conn.execute(f"DROP TRIGGER IF EXISTS skylift_frozen ON {table}")
        conn.execute(f"ALTER DATABASE {quote(database)} RESET default_transaction_read_only")
    return bool(rows) or bool(setting and setting[0])


def writable(conn: psycopg.Connection[Any]) -> None:
    """This session may write into a frozen target (skylift's own journal and moves)."""
    conn.execute("SET default_transaction_read_only = off")
    conn.execute("SET skylift.writing = 'on'")


def remove(conn: psycopg.Connection[Any], schema: Schema | None = None) -> list[str]:
    if not installed(conn):
        return []
    rows = conn.execute(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
        " WHERE tgname IN ('skylift_capture', 'skylift_capture_truncate')"
    ).fetchall()
    with conn.transaction():
        for table, trigger in rows:
            conn.execute(f"DROP TRIGGER IF EXISTS {quote(trigger)} ON {table}")
        conn.execute("DROP TABLE IF EXISTS skylift.changes")
    return [f"the target's capture ({len(rows)} triggers and skylift.changes)"]
