"""SQLite source: a file read from a consistent snapshot, its values profiled, rows streamed.

The rest of skylift imports this package only. Its modules import in one direction, each from
those above it in this list (tests/db/test_import_layers.py checks it):

- `_snapshot`  the URL, opening the file read-only, the snapshot (backup, fingerprint, durable
               copy) and `start_early`; the standard library only
- `_types`     declared SQLite type -> PostgreSQL type and kind, before looking at the values
- `_dates`     the ISO-8601 and epoch forms SQLite apps store dates in
- `_ddl`       views, CHECKs, indexes, triggers and generated columns through sqlglot
- `_defaults`  column defaults ("now", literals, random ids; expressions through `_ddl`)
- `_profile`   one aggregate pass per table settles each column's type and read `Plan`
- `_csv`, `_binary`  the rows of a plan as PostgreSQL CSV or binary COPY records
- `_read`      `SqliteReader`: a chunk's good rows, its rejects, its canonical rows
- `_source`    `SqliteSource`: the schema, the chunks, a reader per worker

`start_early` and `open_readonly` load with the package; every other name loads on first use
(`__getattr__` below), so `db/early.py` starts copying the database before the rest of the
engine (psycopg, sqlglot) is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from skylift.db.sources.sqlite._snapshot import open_readonly, start_early

if TYPE_CHECKING:
    from skylift.db.sources.sqlite._read import SqliteReader
    from skylift.db.sources.sqlite._source import SqliteSource
    from skylift.db.sources.sqlite._types import map_type

__all__ = ["SqliteReader", "SqliteSource", "map_type", "open_readonly", "start_early"]

_LAZY = {"SqliteReader": "_read", "SqliteSource": "_source", "map_type": "_types"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
