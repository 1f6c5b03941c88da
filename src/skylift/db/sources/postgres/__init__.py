"""PostgreSQL source (`postgresql://...`, `postgres://...`): every type kept as it is, the schema
read from the catalogs with the server's own deparsers, rows streamed in one exported snapshot.

The rest of skylift imports this package only. Its modules import in one direction, each from
those above it in this list (tests/db/test_import_layers.py checks it):

- `_connection`  connecting (the session's settings, the password masked) and the catalog
                 query helper
- `_sql`         verbatim SQL of what the engine does not model (domains, sequences,
                 functions, partitioned tables, views, triggers)
- `_catalog`     the catalogs read into the portable Schema (types and value kinds included)
- `_rows`        `PostgresReader` and the chunks: rows as PostgreSQL's text or binary COPY
- `_source`      `PostgresSource`: the snapshot held open, the schema, the chunks, a reader
"""

from __future__ import annotations

from skylift.db.sources.postgres._connection import connect
from skylift.db.sources.postgres._rows import PostgresReader, table_name
from skylift.db.sources.postgres._source import PostgresSource

__all__ = ["PostgresReader", "PostgresSource", "connect", "table_name"]
