"""The migration journal, kept in the target itself (schema `skylift`).

Each chunk is copied in one transaction that also writes its row in skylift.progress, so after a
kill -9 the target holds exactly the chunks marked done: a rerun skips them and copies the rest.
Rejected values live in skylift.rejects with their reason, next to the data they belong to.
"""

from __future__ import annotations

from typing import Any

import psycopg

from skylift.db.records import reject_json
from skylift.db.sources import Reject

SETUP = """
CREATE SCHEMA IF NOT EXISTS skylift;
CREATE TABLE IF NOT EXISTS skylift.runs (
  fingerprint text PRIMARY KEY,
  source text NOT NULL,
  snapshot text,
  started_at timestamptz NOT NULL DEFAULT now(),
  loaded_at timestamptz,
  finished_at timestamptz
);
CREATE TABLE IF NOT EXISTS skylift.progress (
  fingerprint text NOT NULL,
  chunk text NOT NULL,
  table_name text NOT NULL,
  rows bigint NOT NULL,
  rejected bigint NOT NULL,
  digest numeric(20) NOT NULL DEFAULT 0,
  done_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (fingerprint, chunk)
);
CREATE TABLE IF NOT EXISTS skylift.rejects (
  id bigserial PRIMARY KEY,
  fingerprint text NOT NULL,
  table_name text NOT NULL,
  row_key text,
  column_name text,
  raw_value text,
  reason text NOT NULL,
  row_data jsonb,
  chunk text,
  at timestamptz NOT NULL DEFAULT now()
);
"""


def setup(conn: psycopg.Connection[Any]) -> None:
    conn.execute(SETUP)


def find_run(conn: psycopg.Connection[Any]) -> dict[str, Any] | None:
    """The latest run recorded in the target, or None when skylift never wrote there."""
    exists = conn.execute("SELECT to_regclass('skylift.runs')").fetchone()
    if not exists or exists[0] is None:
        return None
    row = conn.execute(
        "SELECT fingerprint, source, snapshot, loaded_at, finished_at FROM skylift.runs "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    keys = ("fingerprint", "source", "snapshot", "loaded_at", "finished_at")
    return dict(zip(keys, row, strict=True))


def start_run(
    conn: psycopg.Connection[Any], fingerprint: str, source: str, snapshot: str | None
) -> None:
    conn.execute(
        "INSERT INTO skylift.runs (fingerprint, source, snapshot) VALUES (%s, %s, %s) "
        "ON CONFLICT (fingerprint) DO NOTHING",
        (fingerprint, source, snapshot),
    )


def mark(conn: psycopg.Connection[Any], fingerprint: str, column: str) -> None:
    assert column in ("loaded_at", "finished_at")
    conn.execute(f"UPDATE skylift.runs SET {column} = now() WHERE fingerprint = %s", (fingerprint,))


def done_chunks(conn: psycopg.Connection[Any], fingerprint: str) -> dict[str, tuple[int, int, int]]:
    """chunk id -> (rows copied, rows rejected, digest of the copied rows)."""
    rows = conn.execute(
        "SELECT chunk, rows, rejected, digest FROM skylift.progress WHERE fingerprint = %s",
        (fingerprint,),
    ).fetchall()
    return {chunk: (n, r, int(d)) for chunk, n, r, d in rows}


def chunk_done(conn: psycopg.Connection[Any], fingerprint: str, chunk: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM skylift.progress WHERE fingerprint = %s AND chunk = %s", (fingerprint, chunk)
    ).fetchone()
    return row is not None


def record_chunk(
    conn: psycopg.Connection[Any],
    fingerprint: str,
    chunk: str,
    table: str,
    counts: tuple[int, int, int],
) -> None:
    """Mark a chunk done: (rows copied, rows rejected, digest of the copied rows)."""
    rows, rejected, digest = counts
    conn.execute(
        "INSERT INTO skylift.progress (fingerprint, chunk, table_name, rows, rejected, digest) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (fingerprint, chunk, table, rows, rejected, digest),
    )


def record_rejects(
    conn: psycopg.Connection[Any], fingerprint: str, chunk: str, rejects: list[Reject]
) -> None:
    if not rejects:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO skylift.rejects (fingerprint, table_name, row_key, column_name, raw_value, "
            "reason, row_data, chunk) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [_reject_row(fingerprint, chunk, r) for r in rejects],
        )


def _reject_row(fingerprint: str, chunk: str, r: Reject) -> tuple[Any, ...]:
    return (fingerprint, r.table, r.key, r.column, r.raw, r.reason, reject_json(r.row), chunk)


def reject_summary(conn: psycopg.Connection[Any], fingerprint: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT table_name, column_name, reason, count(*), min(row_key), min(raw_value) "
        "FROM skylift.rejects WHERE fingerprint = %s GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        (fingerprint,),
    ).fetchall()
    keys = ("table", "column", "reason", "count", "example_key", "example_value")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def refused_keys(conn: psycopg.Connection[Any], fingerprint: str, table: str) -> set[str]:
    """Keys of rows PostgreSQL itself refused (they are not excluded by the source's rules)."""
    rows = conn.execute(
        "SELECT row_key FROM skylift.rejects WHERE fingerprint = %s AND table_name = %s "
        "AND reason LIKE 'PostgreSQL refused%%'",
        (fingerprint, table),
    ).fetchall()
    return {r[0] for r in rows}
