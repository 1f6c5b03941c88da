"""MySQL / MariaDB source (`mysql://user:pass@host:port/db`, also `mariadb://`), read over the
classic protocol in one consistent snapshot (docs/sources.md says what becomes of each type).

The rest of skylift imports this package only. Its modules import in one direction, each from
those above it in this list (tests/db/test_import_layers.py checks it):

- `_connection`  the URL and its TLS options, connecting, the binary log position, the
                 catalog query helper
- `_wire`        row packets straight off the socket, as raw bytes
- `_types`       MySQL type -> PostgreSQL type and the kind verification compares (data)
- `_values`      each value's check and conversion, for COPY and for verification
- `_sql`         identifiers, defaults, views, routines and triggers in PostgreSQL's SQL
- `_grants`      refusing a user who may read only part of the database
- `_schema`      the catalog read into the portable Schema, profiled
- `_early`       `start_early`: the schema read in a thread while the CLI imports the engine
- `_fast`, `_csv`, `_binary`  a table's rows as records (server-built CSV, or binary COPY
                 records from the binary protocol through the C accelerator)
- `_rows`        `MySQLReader`: a chunk's good rows, its rejects, its canonical rows
- `_source`      `MySQLSource`: the schema (adopting the early one), the chunks, a reader

`start_early`, `connect`, `binlog_position` and `quote` load with the package; `MySQLSource` and
`MySQLReader` on first use (`__getattr__` below), so `db/early.py` starts the schema read as
soon as what it needs is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from skylift.db.sources.mysql._connection import binlog_position, connect
from skylift.db.sources.mysql._early import start_early
from skylift.db.sources.mysql._sql import quote

if TYPE_CHECKING:
    from skylift.db.sources.mysql._rows import MySQLReader
    from skylift.db.sources.mysql._source import MySQLSource

__all__ = ["MySQLReader", "MySQLSource", "binlog_position", "connect", "quote", "start_early"]

_LAZY = {"MySQLReader": "_rows", "MySQLSource": "_source"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
