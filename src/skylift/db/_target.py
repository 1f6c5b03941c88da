"""Checks and clean-up on the target before a run writes to it: is it the source itself, and
what does `--restart` drop (exactly what skylift created there, recorded in skylift.objects)."""

from __future__ import annotations

import contextlib
from typing import Any

import psycopg

from skylift.db import journal
from skylift.db.schema import Schema
from skylift.db.translate import Translator

# the target's own session, as PostgreSQL lists it to every user
ME = "SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()"
SEEN = (
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE pid = %s AND backend_start = %s AND datname = current_database()"
)


def same_database(conn: psycopg.Connection[Any], source_url: str) -> bool:
    """True when `source_url` names the target's very database (whatever host name or port
    spelling it uses): the source's connection then sees the target's session in its own
    database. Reading and dropping the same tables would wait on itself for ever."""
    me = conn.execute(ME).fetchone()
    if me is None:
        return False
    try:
        with psycopg.connect(source_url, connect_timeout=10) as src:
            row = src.execute(SEEN, me).fetchone()
    except psycopg.Error:
        return False  # the source reports its own connection problems
    return bool(row and row[0])


def drop_created(conn: psycopg.Connection[Any], schema: Schema, translator: Translator) -> None:
    """`--restart`: drop what earlier runs created in the target, then the journal. A journal
    older than skylift.objects knows no list: the tables of this schema are dropped then."""
    if journal.find_run(conn) is None:
        return  # skylift never wrote here: nothing of its own to drop
    objects = journal.created_objects(conn)
    if objects is None:
        _drop_by_name(conn, schema, translator)
    else:
        for kind, name in objects:
            _drop(conn, kind, name)
    conn.execute("DROP SCHEMA IF EXISTS skylift CASCADE")


def _drop(conn: psycopg.Connection[Any], kind: str, name: str) -> None:
    keyword = kind.upper()
    if kind == "schema":  # only when empty: what the user put there stays
        with contextlib.suppress(psycopg.errors.DependentObjectsStillExist), conn.transaction():
            conn.execute(f"DROP SCHEMA IF EXISTS {name}")
        return
    conn.execute(f"DROP {keyword} IF EXISTS {name} CASCADE")


def _drop_by_name(conn: psycopg.Connection[Any], schema: Schema, translator: Translator) -> None:
    for view in schema.views:
        conn.execute(f"DROP VIEW IF EXISTS {translator.n(view.name)} CASCADE")
    for table in schema.tables:
        conn.execute(f"DROP TABLE IF EXISTS {translator.t(table)} CASCADE")
    for enum in schema.enums:
        conn.execute(f"DROP TYPE IF EXISTS {translator.enum(enum)}")
