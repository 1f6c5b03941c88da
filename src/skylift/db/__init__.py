"""The database migration engine: SQLite, MySQL/MariaDB and PostgreSQL into PostgreSQL."""

from __future__ import annotations

from skylift.db.pipeline import migrate
from skylift.db.report import MigrationReport, Progress
from skylift.db.verify_only import verify_databases

__all__ = ["MigrationReport", "Progress", "migrate", "verify_databases"]
