"""`skylift db ...`: migrate and verify databases."""

from __future__ import annotations

from skylift.cli._app import db_app  # noqa: F401
