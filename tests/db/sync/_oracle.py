"""The oracle of the hostile sync tests: a synced target must hold exactly what a fresh
`db migrate` of the source makes of it now (every value, as PostgreSQL prints it, and every
reject), and `db verify` must say so."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from skylift.db import migrate, verify_databases


def contents(url: str) -> dict[str, Any]:
    """Every app table's rows as PostgreSQL prints them, and the rejects (no chunk, no id)."""
    with psycopg.connect(url) as conn:
        conn.execute("SET TimeZone = 'UTC'; SET extra_float_digits = 3")
        tables = conn.execute(
            "SELECT quote_ident(relname) FROM pg_class c JOIN pg_namespace n"
            " ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND relkind IN ('r', 'p')"
        ).fetchall()
        out: dict[str, Any] = {}
        for (name,) in tables:
            rows = conn.execute(f"SELECT t::text FROM {name} AS t").fetchall()
            out[name] = sorted(r[0] for r in rows)
        rejects = conn.execute(
            "SELECT table_name, row_key, column_name, raw_value, reason FROM skylift.rejects"
        ).fetchall()
        out["(rejects)"] = sorted(rejects, key=repr)
        return out


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    name = f"o_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(admin_url)._replace(path="/" + name).geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))  # fmt: skip


def assert_as_migrate_copies(source: str, target: str, admin_url: str, workdir: Path) -> None:
    """`target` (synced) holds exactly what a fresh migration of `source` holds, and `db
    verify` finds no difference."""
    checks = verify_databases(source, target).verification
    bad = [c for c in checks if not c["ok"]]
    with fresh_database(admin_url) as other:
        migrate(source, other, workdir=workdir / "oracle")
        want, got = contents(other), contents(target)
    for table in sorted(set(want) | set(got)):
        missing = sorted(set(want.get(table, [])) - set(got.get(table, [])), key=repr)
        extra = sorted(set(got.get(table, [])) - set(want.get(table, [])), key=repr)
        assert not missing and not extra, (table, "missing:", missing[:6], "extra:", extra[:6])
        assert len(want.get(table, [])) == len(got.get(table, [])), (table, "doubled rows")
    assert not bad, bad
