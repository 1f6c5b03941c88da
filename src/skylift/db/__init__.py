"""The database migration engine: SQLite, MySQL/MariaDB and PostgreSQL into PostgreSQL.

The engine is imported on first use (`skylift.db.migrate`, ...): `skylift.db.early` runs first,
while the rest is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skylift.db.pipeline import migrate
    from skylift.db.report import MigrationReport, Progress
    from skylift.db.verify_only import verify_databases

__all__ = ["MigrationReport", "Progress", "migrate", "verify_databases"]
_HOMES = {
    "migrate": "skylift.db.pipeline",
    "MigrationReport": "skylift.db.report",
    "Progress": "skylift.db.report",
    "verify_databases": "skylift.db.verify_only",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'skylift.db' has no attribute {name!r}")
