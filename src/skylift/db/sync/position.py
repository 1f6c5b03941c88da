"""Where the source was when `db migrate` took its snapshot, and whether it moved on since.

A rerun of a finished migration re-verifies the target against the digests recorded at copy
time: on its own that says nothing about the source *now*. So the copy records, next to its
journal, the source's position just before the snapshot — SQLite: the file's identity, size,
modification times and its WAL header; MySQL: the binary log position the readers' snapshot
was proven at; PostgreSQL: the WAL position and the tables' insert/update/delete counters —
and a rerun compares. Equal: nothing was written since. Different (or unknown): the live
source is compared with the target table by table, and a difference is reported with what to
run (exit 14), never as verified.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import psycopg

from skylift.db import verify
from skylift.db.schema import Schema
from skylift.db.sources import Source
from skylift.db.translate import Policy
from skylift.errors import SourceChanged

SETUP = """
CREATE TABLE IF NOT EXISTS skylift.snapshot_position (
  fingerprint text PRIMARY KEY,
  engine text NOT NULL,
  position jsonb,
  taken_at timestamptz NOT NULL DEFAULT now()
)
"""


def sqlite_key(path: Path) -> dict[str, Any]:
    """The file's state as the OS shows it: any commit changes the main file or its WAL (a
    WAL reused after a checkpoint gets new salts in its header)."""
    out: dict[str, Any] = {}
    for suffix in ("", "-wal"):
        part = path.with_name(path.name + suffix)
        try:
            st = part.stat()
        except OSError:
            out[suffix or "db"] = None
            continue
        with part.open("rb") as fh:
            header = hashlib.sha256(fh.read(100 if not suffix else 32)).hexdigest()[:16]
        out[suffix or "db"] = [st.st_ino, st.st_size, st.st_mtime_ns, header]
    return out


def _pg_key(source: Any) -> dict[str, Any]:
    with psycopg.connect(source.url, autocommit=True) as conn:
        lsn = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        counts = conn.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint,"
            " current_setting('track_counts') FROM pg_stat_user_tables"
            " WHERE schemaname NOT IN ('skylift')"
        ).fetchone()
    return {"lsn": lsn[0] if lsn else None, "changes": int(counts[0]) if counts else None,
            "track_counts": counts[1] if counts else None}  # fmt: skip


def before_snapshot(source: Source) -> dict[str, Any] | None:
    """The source's position, read before its snapshot is taken (best effort: None)."""
    try:
        if source.engine == "sqlite":
            return {"file": sqlite_key(Path(source.path))}  # type: ignore[attr-defined]
        if source.engine == "postgresql":
            return _pg_key(source)
    except (OSError, psycopg.Error):
        return None
    return {}


def record(conn: psycopg.Connection[Any], fingerprint: str, source: Source,
           before: dict[str, Any] | None) -> None:  # fmt: skip
    """Keep the position with the run (inside the transaction that starts it)."""
    position = dict(before) if before is not None else None
    if position is not None and source.engine == "mysql":
        position["binlog"] = getattr(source, "start_position", None)
    conn.execute(SETUP)
    conn.execute(
        "INSERT INTO skylift.snapshot_position (fingerprint, engine, position) VALUES (%s, %s, %s)"
        " ON CONFLICT (fingerprint) DO NOTHING",
        (fingerprint, source.engine, json.dumps(position) if position is not None else None),
    )


def recorded(conn: psycopg.Connection[Any], fingerprint: str) -> dict[str, Any] | None:
    if conn.execute("SELECT to_regclass('skylift.snapshot_position')").fetchone() == (None,):
        return None
    row = conn.execute(
        "SELECT position FROM skylift.snapshot_position WHERE fingerprint = %s", (fingerprint,)
    ).fetchone()
    return row[0] if row else None


def unchanged(source: Source, position: dict[str, Any] | None) -> bool:
    """True only when the source provably has not changed since `position`."""
    if not position:
        return False
    try:
        if source.engine == "sqlite":
            return position.get("file") == sqlite_key(Path(source.path))  # type: ignore[attr-defined]
        if source.engine == "mysql":
            from skylift.db.sources.mysql import binlog_position, connect

            conn = connect(source.params)  # type: ignore[attr-defined]
            try:
                now = binlog_position(conn)
            finally:
                conn.close()
            return position.get("binlog") is not None and now == position.get("binlog")
        if source.engine == "postgresql":
            key = _pg_key(source)
            if key["lsn"] == position.get("lsn"):
                return True
            counted = position.get("track_counts") == "on" == key["track_counts"]
            return counted and key["changes"] == position.get("changes")
    except Exception:  # unreachable now, or anything else: cannot tell, so compare
        return False
    return False


def after_run(source: Source, conn: psycopg.Connection[Any], schema: Schema, target_url: str,
              jobs: int, policy: Policy, fingerprint: str, resumed: bool) -> str | None:  # fmt: skip
    """After a verified migration. A rerun (`resumed`) raises SourceChanged when the live
    source no longer equals the target; a first run returns a warning when the source moved
    on during the copy (the target holds the snapshot, which is what was verified)."""
    if conn.execute("SELECT to_regclass('skylift.sync')").fetchone() != (None,):
        # a sync follows this target: it applies what changed (and a synced target was just
        # verified against the live source)
        return None
    position = recorded(conn, fingerprint)
    live = _live(source)
    try:
        if unchanged(live, position):
            return None
        if not resumed and source.engine == "mysql" and not (position or {}).get("binlog"):
            return (
                "skylift cannot tell whether the source changed while it was copied: the MySQL"
                " server keeps no binary log (log_bin is OFF); the target holds (and verified)"
                " its snapshot, and `skylift db verify SOURCE TARGET` compares it with the"
                " source as it is now"
            )
        if not resumed:
            return (
                "the source changed while it was copied: the target holds (and verified) its"
                " snapshot; `skylift db sync SOURCE TARGET` applies the changes made since"
            )
        _compare(live, schema, target_url, jobs, policy, conn, fingerprint)
    finally:
        if live is not source:
            live.close()
    return None


def synced_live(source: Source, conn: psycopg.Connection[Any]) -> Source | None:
    """The live source when `db sync` moved the target past the copy's snapshot (the copy's
    digests then describe an older state: verification reads the source as it is now)."""
    if not _synced(conn):
        return None
    live = _live(source)
    if hasattr(live, "start_position"):
        live.start_position = None
    return live


def _synced(conn: psycopg.Connection[Any]) -> bool:
    """A sync applied changes past the copy (not: a sync that is running this very copy)."""
    if conn.execute("SELECT to_regclass('skylift.sync')").fetchone() == (None,):
        return False
    row = conn.execute("SELECT phase FROM skylift.sync").fetchone()
    return row is not None and not str(row[0]).startswith("migrating")


def _live(source: Source) -> Source:
    """The source as it is now (a SQLite migration reads its snapshot file)."""
    if source.engine != "sqlite":
        return source
    from skylift.db.pipeline import open_source

    return open_source(source.display_url, dict(getattr(source, "options", {})))


def _compare(live: Source, schema: Schema, target_url: str, jobs: int, policy: Policy,
             conn: psycopg.Connection[Any], fingerprint: str) -> None:  # fmt: skip
    from skylift.db import journal
    from skylift.db.urls import mask

    refused = {
        t.qualified: journal.refused_keys(conn, fingerprint, t.qualified) for t in schema.tables
    }
    if hasattr(live, "start_position"):
        live.start_position = None  # the live source may move while it is read
    chunks = {t.qualified: live.chunks(t) for t in schema.tables}
    checks = verify.verify_all(live, schema, target_url, chunks, jobs, policy, refused=refused)
    differ = [c.table for c in checks if not c.ok]
    if not differ:
        return
    row = conn.execute(
        "SELECT to_char(taken_at, 'YYYY-MM-DD HH24:MI:SS TZ') FROM skylift.snapshot_position"
        " WHERE fingerprint = %s",
        (fingerprint,),
    ).fetchone()
    when = f" at {row[0]}" if row and row[0] else ""
    raise SourceChanged(
        f"the source changed since it was copied{when}",
        f"{len(differ)} tables differ from the target now ({', '.join(differ[:5])}): the target"
        " holds the snapshot's rows, and calling them verified would be stale",
        f"run `skylift db sync {live.display_url} {mask(target_url)} --once` to apply the"
        " changes (without --once it keeps the target in step until `skylift db cutover`), or"
        " `skylift db migrate --restart` to copy again",
    )
