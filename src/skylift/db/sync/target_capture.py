"""Capture on the target after a cutover, so that a rollback can bring every write back."""

from __future__ import annotations

from typing import Any

import psycopg


def installed(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT to_regclass('skylift.changes')").fetchone()
    return bool(row and row[0])


def remove(conn: psycopg.Connection[Any]) -> list[str]:
    if not installed(conn):
        return []
    return []
