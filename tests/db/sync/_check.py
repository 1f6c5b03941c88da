"""Row sets of the load generator's tables on both sides, compared exactly."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

QUERIES = {
    "accounts": "SELECT id, email, balance FROM accounts",
    "orders": "SELECT id, account_id, status, total FROM orders",
    "items": "SELECT order_id, line, sku, qty FROM items",
    "audit": "SELECT at, what FROM audit",
}


def _norm(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(float(v) if isinstance(v, Decimal | float) else v for v in row)


def sqlite_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {t: sorted(map(_norm, conn.execute(q).fetchall())) for t, q in QUERIES.items()}
    finally:
        conn.close()


def pg_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(url) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        out = {}
        for table, sql in QUERIES.items():
            out[table] = sorted(map(_norm, conn.execute(sql).fetchall()))
        return out


def mysql_rows(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with conn.cursor() as cur:
        for table, sql in QUERIES.items():
            cur.execute(sql)
            out[table] = sorted(map(_norm, cur.fetchall()))
    return out


def assert_same(path: Path | Any, url: str) -> dict[str, int]:
    """The target holds exactly the source's rows (no row lost, none doubled); row counts.
    `path`: a SQLite file, or a MySQL connection."""
    source = sqlite_rows(path) if isinstance(path, Path) else mysql_rows(path)
    target = pg_rows(url)
    for table in QUERIES:
        missing = set(source[table]) - set(target[table])
        extra = set(target[table]) - set(source[table])
        assert not missing and not extra, (table, sorted(missing)[:5], sorted(extra)[:5])
        assert len(source[table]) == len(target[table]), table  # doubled rows
    return {t: len(rows) for t, rows in source.items()}


def assert_pg_same(source_url: str, target_url: str) -> dict[str, int]:
    """Both PostgreSQL databases hold exactly the same rows of the load generator's tables."""
    source, target = pg_rows(source_url), pg_rows(target_url)
    for table in QUERIES:
        assert source[table] == target[table], (table, len(source[table]), len(target[table]))
    return {t: len(rows) for t, rows in source.items()}
