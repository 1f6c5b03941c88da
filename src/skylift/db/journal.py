"""The migration journal, kept in the target itself (schema `skylift`).

Each chunk is copied in one transaction that also writes its row in skylift.progress, so after a
kill -9 the target holds exactly the chunks marked done: a rerun skips them and copies the rest.
Rejected values live in skylift.rejects with their reason, next to the data they belong to.
skylift.objects lists what each run found in the target (created = false) and what it created
there (created = true): `--restart` drops exactly the latter, whichever source it came from.
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
CREATE TABLE IF NOT EXISTS skylift.objects (
  fingerprint text NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  created boolean NOT NULL,
  PRIMARY KEY (fingerprint, kind, name)
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


# the rejects of rows PostgreSQL refused (a source reader does not leave them out, so every
# check must); a NUL byte is one of them, said in words of its own (copy._refused)
NUL_REFUSED = "NUL byte in text (PostgreSQL text cannot hold it)"
REFUSED_BY_TARGET = f"(reason LIKE 'PostgreSQL refused%%' OR reason = '{NUL_REFUSED}')"


def refused_keys(conn: psycopg.Connection[Any], fingerprint: str, table: str) -> set[str]:
    """Keys of rows PostgreSQL itself refused (they are not excluded by the source's rules)."""
    rows = conn.execute(
        "SELECT row_key FROM skylift.rejects WHERE fingerprint = %s AND table_name = %s "
        f"AND {REFUSED_BY_TARGET}",
        (fingerprint, table),
    ).fetchall()
    return {r[0] for r in rows}


# what a run can create in the target: relations, enum and domain types, functions, schemas
# (indexes, constraints and row types go with their tables; extensions' members are theirs)
CATALOG = """
SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                      WHEN 'S' THEN 'sequence' ELSE 'table' END,
       format('%I.%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {schema}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
UNION ALL
SELECT 'type', format('%I.%I', n.nspname, t.typname)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype IN ('e', 'd') AND {schema}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
UNION ALL
SELECT 'function', format('%I.%I(%s)', n.nspname, p.proname,
                          pg_get_function_identity_arguments(p.oid))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE {schema}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'schema', quote_ident(n.nspname) FROM pg_namespace n WHERE {schema}
  AND n.nspname <> 'public'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = n.oid AND d.deptype = 'e')
""".format(
    schema="n.nspname NOT IN ('pg_catalog', 'information_schema', 'skylift') "
    "AND n.nspname NOT LIKE 'pg\\_%'"
)
DROP_ORDER = ("view", "materialized view", "table", "sequence", "function", "type", "schema")


def catalog(conn: psycopg.Connection[Any]) -> set[tuple[str, str]]:
    """Every object of the target a run could have created: (kind, quoted name)."""
    return {(kind, name) for kind, name in conn.execute(CATALOG).fetchall()}


def record_objects(conn: psycopg.Connection[Any], fingerprint: str,
                   objects: set[tuple[str, str]], created: bool) -> None:  # fmt: skip
    if not objects:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO skylift.objects (fingerprint, kind, name, created) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [(fingerprint, kind, name, created) for kind, name in sorted(objects)],
        )


def record_created(conn: psycopg.Connection[Any], fingerprint: str) -> None:
    """Record what the run created since it began (views and the like come after the copy).
    A run begun before skylift.objects existed has no record of what was there before it:
    nothing is recorded then (a --restart must never drop what the user made)."""
    exists = conn.execute("SELECT to_regclass('skylift.objects')").fetchone()
    if not exists or exists[0] is None:
        return
    found = {
        (k, n)
        for k, n in conn.execute(
            "SELECT kind, name FROM skylift.objects WHERE fingerprint = %s", (fingerprint,)
        ).fetchall()
    }
    if found:
        record_objects(conn, fingerprint, catalog(conn) - found, True)


def created_objects(conn: psycopg.Connection[Any]) -> list[tuple[str, str]] | None:
    """What every run recorded in the target created, in an order they can be dropped in;
    None when the journal predates skylift.objects."""
    exists = conn.execute("SELECT to_regclass('skylift.objects')").fetchone()
    if not exists or exists[0] is None:
        return None
    rows = conn.execute("SELECT DISTINCT kind, name FROM skylift.objects WHERE created").fetchall()
    return sorted(((k, n) for k, n in rows), key=lambda o: DROP_ORDER.index(o[0]))
