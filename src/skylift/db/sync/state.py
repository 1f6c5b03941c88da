"""The sync's own journal, kept in the target next to the migration's (schema `skylift`).

One row says where the sync is: the capture in use and its position in the source's change
stream. Every batch of changes is applied in one target transaction that also moves that
position, so after a kill -9 the target holds exactly the batches the row counts: a rerun goes
on from there, nothing applied twice, nothing skipped. `skylift.sync_touched` lists the keys
changed since the last full verification (what a cutover verifies inside its freeze), and
`skylift.sync_steps` is the journal of the cutover and rollback steps, which a caller polls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import psycopg

SETUP = """
CREATE SCHEMA IF NOT EXISTS skylift;
CREATE TABLE IF NOT EXISTS skylift.sync (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  source text NOT NULL,
  capture text NOT NULL,
  position jsonb NOT NULL,
  applied bigint NOT NULL DEFAULT 0,
  batches bigint NOT NULL DEFAULT 0,
  last_commit_at timestamptz,
  applied_at timestamptz,
  verified_at timestamptz,
  phase text NOT NULL DEFAULT 'syncing',
  schema_key text,
  started_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS skylift.sync_touched (
  table_name text NOT NULL,
  key jsonb NOT NULL,
  PRIMARY KEY (table_name, key)
);
CREATE TABLE IF NOT EXISTS skylift.sync_steps (
  operation text NOT NULL,
  step text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz,
  detail jsonb,
  PRIMARY KEY (operation, step)
);
"""
LOCK = "hashtext('skylift-sync')"


@dataclass
class SyncState:
    source: str
    capture: str
    position: dict[str, Any]
    applied: int = 0
    batches: int = 0
    phase: str = "syncing"
    schema_key: str | None = None
    last_commit_at: Any = None
    applied_at: Any = None
    verified_at: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def setup(conn: psycopg.Connection[Any]) -> None:
    conn.execute(SETUP)


def load(conn: psycopg.Connection[Any]) -> SyncState | None:
    if conn.execute("SELECT to_regclass('skylift.sync')").fetchone() == (None,):
        return None
    row = conn.execute(
        "SELECT source, capture, position, applied, batches, phase, schema_key, last_commit_at,"
        " applied_at, verified_at FROM skylift.sync WHERE id = 1"
    ).fetchone()
    return SyncState(*row) if row else None


def start(conn: psycopg.Connection[Any], state: SyncState) -> None:
    """Record a new sync (replacing a removed one)."""
    setup(conn)
    conn.execute(
        "INSERT INTO skylift.sync (source, capture, position, phase, schema_key)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET source = excluded.source,"
        " capture = excluded.capture, position = excluded.position, applied = 0, batches = 0,"
        " phase = excluded.phase, schema_key = excluded.schema_key, started_at = now()",
        (state.source, state.capture, json.dumps(state.position), state.phase, state.schema_key),
    )


def advance(
    conn: psycopg.Connection[Any], position: dict[str, Any], changes: int, commit_at: float | None
) -> None:
    """Move the position; called inside the transaction that applied the batch."""
    conn.execute(
        "UPDATE skylift.sync SET position = %s, applied = applied + %s, batches = batches + 1,"
        " applied_at = now(), last_commit_at = coalesce(to_timestamp(%s), last_commit_at)"
        " WHERE id = 1",
        (json.dumps(position), changes, commit_at),
    )


def set_phase(conn: psycopg.Connection[Any], phase: str) -> None:
    conn.execute("UPDATE skylift.sync SET phase = %s WHERE id = 1", (phase,))


def set_schema_key(conn: psycopg.Connection[Any], key: str) -> None:
    conn.execute("UPDATE skylift.sync SET schema_key = %s WHERE id = 1", (key,))


def touch(conn: psycopg.Connection[Any], table: str, keys: list[str]) -> None:
    """Remember keys changed since the last full verification (JSON arrays of key values)."""
    if keys:
        conn.execute(
            "INSERT INTO skylift.sync_touched (table_name, key)"
            " SELECT %s, k::jsonb FROM unnest(%s::text[]) AS k ON CONFLICT DO NOTHING",
            (table, keys),
        )


def touched(conn: psycopg.Connection[Any]) -> dict[str, list[str]]:
    rows = conn.execute("SELECT table_name, key::text FROM skylift.sync_touched").fetchall()
    out: dict[str, list[str]] = {}
    for table, key in rows:
        out.setdefault(table, []).append(key)
    return out


def verified(conn: psycopg.Connection[Any]) -> None:
    """A full verification passed at the current position: the touched keys start afresh."""
    conn.execute("TRUNCATE skylift.sync_touched")
    conn.execute("UPDATE skylift.sync SET verified_at = now() WHERE id = 1")


def try_lock(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(f"SELECT pg_try_advisory_lock({LOCK})").fetchone()
    return bool(row and row[0])


def unlock(conn: psycopg.Connection[Any]) -> None:
    conn.execute(f"SELECT pg_advisory_unlock({LOCK})")


# -- the journal of steps ---------------------------------------------------------------------
def step_done(conn: psycopg.Connection[Any], operation: str, step: str) -> dict[str, Any] | None:
    """The detail of a finished step, or None when it has not finished."""
    if conn.execute("SELECT to_regclass('skylift.sync_steps')").fetchone() == (None,):
        return None
    row = conn.execute(
        "SELECT detail FROM skylift.sync_steps WHERE operation = %s AND step = %s"
        " AND done_at IS NOT NULL",
        (operation, step),
    ).fetchone()
    return (row[0] or {}) if row else None


def step_begin(conn: psycopg.Connection[Any], operation: str, step: str) -> None:
    conn.execute(
        "INSERT INTO skylift.sync_steps (operation, step) VALUES (%s, %s)"
        " ON CONFLICT (operation, step) DO NOTHING",
        (operation, step),
    )


def step_end(
    conn: psycopg.Connection[Any], operation: str, step: str, detail: dict[str, Any]
) -> None:
    conn.execute(
        "UPDATE skylift.sync_steps SET done_at = now(), detail = %s"
        " WHERE operation = %s AND step = %s",
        (json.dumps(detail, default=str), operation, step),
    )


def steps(conn: psycopg.Connection[Any], operation: str) -> list[dict[str, Any]]:
    """Every step of an operation, in the order they started (for a caller polling it)."""
    if conn.execute("SELECT to_regclass('skylift.sync_steps')").fetchone() == (None,):
        return []
    rows = conn.execute(
        "SELECT step, started_at, done_at, detail FROM skylift.sync_steps WHERE operation = %s"
        " ORDER BY started_at, step",
        (operation,),
    ).fetchall()
    keys = ("step", "started_at", "done_at", "detail")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def forget_steps(conn: psycopg.Connection[Any], operation: str) -> None:
    conn.execute("DELETE FROM skylift.sync_steps WHERE operation = %s", (operation,))
