"""Connecting to a PostgreSQL source (bottom layer): the session every connection gets, the URL
with its password masked, and the one query helper the catalog readers share."""

from __future__ import annotations

from typing import Any

import psycopg

from skylift.db.urls import mask
from skylift.errors import SourceError

SESSION = (
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';"
    " SET extra_float_digits = 1; SET bytea_output = 'hex'"
)


def mask_password(url: str) -> str:
    return mask(url)  # every form: user:password@, ?password=, key=value


def connect(url: str) -> psycopg.Connection[Any]:
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        raise SourceError(
            f"cannot connect to PostgreSQL at {mask_password(url)}",
            str(exc).strip().splitlines()[-1] if str(exc).strip() else "connection failed",
            "check the URL (Heroku: heroku config:get DATABASE_URL) and that the server is up",
        ) from None
    conn.execute(SESSION)
    return conn


def rows(conn: Any, sql: str, *args: Any) -> list[dict[str, Any]]:
    """The result of a catalog query, one dict a row."""
    cur = conn.execute(sql, args or None)
    names = [d.name for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
