"""One-line checks of the SQLite type map and default translation (no database needed)."""

from __future__ import annotations

import pytest

from skylift.db.sources.sqlite import map_type
from skylift.db.sources.sqlite._ddl import expression
from skylift.db.sources.sqlite._defaults import column_default


@pytest.mark.parametrize(
    ("declared", "pg_type"),
    [
        ("INTEGER", "bigint"),
        ("int", "bigint"),
        ("BIGINT", "bigint"),
        ("REAL", "double precision"),  # never float4: pgloader's mistake
        ("FLOAT", "double precision"),
        ("DOUBLE", "double precision"),
        ("BOOLEAN", "boolean"),
        ("DATETIME", "timestamptz"),
        ("TIMESTAMP", "timestamptz"),
        ("DATE", "date"),
        ("JSON", "jsonb"),
        ("BLOB", "bytea"),
        ("NUMERIC(10,2)", "numeric(10,2)"),
        ("DECIMAL(8, 3)", "numeric(8,3)"),
        ("VARCHAR(32)", "varchar(32)"),
        ("TEXT", "text"),
        ("CLOB", "text"),
        ("NVARCHAR", "text"),
        ("UUID", "uuid"),
        ("", ""),  # no type: decided by the values
        ("STRING", ""),  # NUMERIC affinity: decided by the values
    ],
)
def test_type_map(declared: str, pg_type: str) -> None:
    assert map_type(declared)[0] == pg_type


def check_default(sql: str, kind: str, expected: str | None) -> None:
    pg_type = {"int": "bigint", "float": "double precision", "bool": "boolean"}.get(kind, kind)
    assert column_default(sql, kind, pg_type).sql == expected


def test_defaults() -> None:
    check_default("datetime('now')", "timestamptz", "now()")
    check_default("(datetime('now'))", "timestamptz", "now()")
    check_default("CURRENT_TIMESTAMP", "timestamptz", "now()")
    check_default("(date('now'))", "date", "(now() AT TIME ZONE 'UTC')::date")
    check_default(
        "CURRENT_TIMESTAMP", "text", "to_char((now() AT TIME ZONE 'UTC'), 'YYYY-MM-DD HH24:MI:SS')"
    )
    check_default("(strftime('%s','now'))", "int", "extract(epoch FROM now())::bigint")
    check_default("(strftime('%Y-%m-%dT%H:%M:%fZ','now'))", "timestamptz", "now()")
    check_default("0", "bool", "false")
    check_default("1", "bool", "true")
    check_default("'x''y'", "text", "'x''y'")
    check_default("-1", "int", "-1")
    check_default("NULL", "text", None)
    check_default("(random())", "float", "RANDOM()")
    check_default("(julianday('now'))", "float", None)  # reported, never dropped silently


def test_expressions() -> None:
    assert expression("length(name) > 3") == "LENGTH(name) > 3"
    assert expression("x GLOB 'a*'") is None
    assert expression("ifnull(a, 0) >= 0") == "COALESCE(a, 0) >= 0"
