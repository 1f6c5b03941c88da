"""The server side of PostgreSQL's logical capture (sync/pg_logical.py): whether the source
allows it, the publication's replica identities, and taking the slot and publication away.

A published table without a usable replica identity refuses the app's UPDATE and DELETE, and an
abandoned slot keeps the server's WAL forever: both are set up and taken down here, nothing
else touches them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import psycopg

from skylift.db.schema import Schema
from skylift.db.sources.postgres import connect
from skylift.db.sources.postgres import table_name as _name
from skylift.db.sync import target_capture
from skylift.errors import SourceError


def slot_name(target: psycopg.Connection[Any]) -> str:
    """One slot (and publication) per target database: two syncs of one source do not mix.
    The name is kept in the sync's position too (the one a sync started with wins)."""
    from skylift.db.sync import state

    found = state.load(target)
    if found is not None and found.position.get("slot"):
        return str(found.position["slot"])
    info = target.info
    where = f"{info.host}:{info.port}/{info.dbname}"
    return "skylift_" + hashlib.sha256(where.encode()).hexdigest()[:16]


def why_not(conn: psycopg.Connection[Any], schema: Schema, slot: str) -> str | None:
    """Why this source cannot be captured by logical replication (None: it can)."""
    row = conn.execute(
        "SELECT current_setting('wal_level'), current_setting('server_version_num')::int,"
        " (SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user),"
        " coalesce((SELECT pg_has_role('rds_replication', 'member') FROM pg_roles"
        "           WHERE rolname = 'rds_replication'), false),"
        " has_database_privilege(current_database(), 'CREATE'),"
        " (SELECT count(*) FROM pg_replication_slots) < current_setting('max_replication_slots')::int"
        "   OR EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = %s)",
        (slot,),
    ).fetchone()
    assert row is not None
    wal_level, version, replication, rds, create, free = row
    if wal_level != "logical":
        return (
            f"wal_level is {wal_level}, logical decoding needs logical (self-hosted: wal_level ="
            " logical in postgresql.conf and a restart; RDS: rds.logical_replication = 1 in the"
            " parameter group and a reboot; Heroku Postgres: not available)"
        )
    if version < 130000:
        return "PostgreSQL 13 or later is needed for logical capture"
    if not (replication or rds):
        return (
            "the user has no REPLICATION attribute (as a superuser: ALTER ROLE ... REPLICATION;"
            " RDS: GRANT rds_replication TO ...)"
        )
    if not create:
        return "the user cannot create a publication (GRANT CREATE ON DATABASE ... TO ...)"
    if not free:
        return (
            "every replication slot is taken (raise max_replication_slots, or drop an unused slot)"
        )
    return _tables_why_not(conn, schema)


def _tables_why_not(conn: psycopg.Connection[Any], schema: Schema) -> str | None:
    not_owned, owners, unlogged = [], set(), []
    for table in schema.tables:
        row = conn.execute(
            "SELECT pg_has_role(relowner, 'USAGE'), relpersistence, relowner::regrole::text"
            " FROM pg_class WHERE oid = to_regclass(%s)",
            (_name(table),),
        ).fetchone()
        if row is not None and not row[0]:
            not_owned.append(table.qualified)
            owners.add(str(row[2]))
        if row is not None and row[1] == "u":
            unlogged.append(table.qualified)
    if not_owned:
        # CREATE PUBLICATION ... FOR TABLE needs the owner's rights (FOR ALL TABLES a
        # superuser's): membership in the owning role gives them without moving the tables
        user = _current_user(conn)
        more = f" and {len(not_owned) - 3} more" if len(not_owned) > 3 else ""
        return (
            f"the user {user} does not own {', '.join(not_owned[:3])}{more} (a publication needs"
            f" the owner's rights): as a superuser, GRANT {', '.join(sorted(owners))} TO {user}"
            f" (or ALTER TABLE ... OWNER TO {user})"
        )
    if unlogged:
        return f"{', '.join(unlogged[:3])} is UNLOGGED: its changes are not in the WAL"
    return None


def _current_user(conn: psycopg.Connection[Any]) -> str:
    row = conn.execute("SELECT quote_ident(current_user)").fetchone()
    return str(row[0]) if row else "the user"


def trigger_grants(conn: psycopg.Connection[Any], schema: Schema) -> str | None:
    """What the trigger capture lacks, as the statements that give it (None: nothing):
    TRIGGER on every table and CREATE on the database (for the schema `skylift`)."""
    names = [_name(t) for t in schema.tables]
    missing = [
        n for n in names
        if conn.execute("SELECT has_table_privilege(%s, 'TRIGGER')", (n,)).fetchone() != (True,)
    ]  # fmt: skip
    row = conn.execute(
        "SELECT has_database_privilege(current_database(), 'CREATE'), quote_ident(current_database())"
    ).fetchone()
    user, grants = _current_user(conn), []
    if missing:
        grants.append(f"GRANT TRIGGER ON {', '.join(missing)} TO {user}")
    if row is not None and not row[0]:
        grants.append(f"GRANT CREATE ON DATABASE {row[1]} TO {user}")
    return "; ".join(grants) or None


def replica_identity(conn: psycopg.Connection[Any], schema: Schema, publication: str) -> list[str]:
    """A published table without a primary key (or with REPLICA IDENTITY NOTHING) refuses the
    app's UPDATE and DELETE: such tables get REPLICA IDENTITY FULL (recorded in the
    publication's comment, so that `--remove` puts DEFAULT back). What was set, as notes."""
    notes, changed = [], []
    for table in schema.tables:
        row = conn.execute(
            "SELECT relreplident, EXISTS (SELECT 1 FROM pg_index WHERE indrelid = c.oid AND"
            " indisprimary) FROM pg_class c WHERE oid = to_regclass(%s)",
            (_name(table),),
        ).fetchone()
        if row is None or not (row[0] == "n" or (row[0] == "d" and not row[1])):
            continue  # FULL, an index, or the primary key: the old row's key is logged
        conn.execute(f"ALTER TABLE {_name(table)} REPLICA IDENTITY FULL")
        changed.append(_name(table))
        notes.append(
            f"{table.qualified} has no primary key: set REPLICA IDENTITY FULL on it (its updates"
            " and deletes are refused on a published table otherwise); `db sync --remove` sets"
            " it back to DEFAULT"
        )
    if changed:
        before = _recorded(conn, publication)
        text = json.dumps({"replica_identity_full": sorted(set(before) | set(changed))})
        literal = "'" + text.replace("'", "''") + "'"
        conn.execute(f"COMMENT ON PUBLICATION {publication} IS {literal}")
    return notes


def _recorded(conn: psycopg.Connection[Any], publication: str) -> list[str]:
    row = conn.execute(
        "SELECT obj_description(oid, 'pg_publication') FROM pg_publication WHERE pubname = %s",
        (publication,),
    ).fetchone()
    try:
        return list(json.loads(row[0]).get("replica_identity_full", [])) if row and row[0] else []
    except ValueError:
        return []


def drop(url: str, slot: str) -> list[str]:
    """The slot and the publication skylift made (and the replica identities it set)."""
    removed = []
    with connect(url) as conn:
        target_capture.writable(conn)
        found = conn.execute(
            "SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s", (slot,)
        ).fetchone()
        if found is not None:
            if found[0] is not None:
                conn.execute("SELECT pg_terminate_backend(%s)", (found[0],))
            conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
            removed.append(f"the logical replication slot {slot} (it kept the source's WAL)")
        if conn.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (slot,)).fetchone():
            for name in _recorded(conn, slot):
                if conn.execute("SELECT to_regclass(%s)", (name,)).fetchone() != (None,):
                    conn.execute(f"ALTER TABLE {name} REPLICA IDENTITY DEFAULT")
                    removed.append(f"REPLICA IDENTITY FULL of {name} (back to DEFAULT)")
            conn.execute(f"DROP PUBLICATION {slot}")
            removed.append(f"the publication {slot}")
    return removed


def slot_lost(slot: str, why: str) -> SourceError:
    return SourceError(
        f"the replication slot {slot} on the PostgreSQL source is gone",
        f"{why}: the changes since the last batch can no longer be read",
        "run `skylift db sync --remove SOURCE TARGET`, then `skylift db migrate --restart"
        " SOURCE TARGET` and sync again",
    )
