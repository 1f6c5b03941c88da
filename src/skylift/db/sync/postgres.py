"""PostgreSQL sources: logical replication where the server allows it, triggers otherwise."""

from __future__ import annotations

from typing import Any

import psycopg

from skylift.db.schema import Schema
from skylift.db.sync.changes import Capture
from skylift.errors import UsageError


def pg_capture(source: Any, schema: Schema, conn: psycopg.Connection[Any], choice: str) -> Capture:
    raise UsageError("PostgreSQL sources cannot be synced yet", "", "")
