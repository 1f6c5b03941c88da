"""The data step of `up`: migrate the app's database with the `skylift db` engine into the
target's PostgreSQL, and verify it (counts and checksums on both sides)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skylift.plan.blueprint import Blueprint
from skylift.run._targets import Target

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def source_url(root: Path, bp: Blueprint, given: str | None) -> str | None:
    """The database to move: --source, $SKYLIFT_SOURCE_DATABASE_URL, or a SQLite file in the repo."""
    if given or os.environ.get("SKYLIFT_SOURCE_DATABASE_URL"):
        return given or os.environ["SKYLIFT_SOURCE_DATABASE_URL"]
    for rel in (bp.database or {}).get("source_files") or []:
        path = root / rel
        if path.suffix in SQLITE_SUFFIXES and path.is_file():
            return f"sqlite:///{path}"
    return None


def target_url(tgt: Target, bp: Blueprint, say: Callable[[str], None]) -> str | None:
    """local: a database on the embedded PostgreSQL standing in for RDS. aws: RDS sits in
    private subnets, so its URL comes from $SKYLIFT_TARGET_DATABASE_URL (e.g. through an SSM
    port-forwarding tunnel)."""
    name = str((bp.database or {}).get("name") or bp.app.replace("-", "_"))
    if tgt.name == "local":
        from skylift.cloud import embedded_pg

        say("starting the embedded PostgreSQL (stands in for RDS)")
        server = embedded_pg.start(tgt.state_dir / "postgres")
        return embedded_pg.ensure_database(server, name)
    return os.environ.get("SKYLIFT_TARGET_DATABASE_URL") or None


def migrate(
    root: Path,
    tgt: Target,
    bp: Blueprint,
    outputs: dict[str, Any],
    given: str | None,
    say: Callable[[str], None],
) -> dict[str, Any] | None:
    if not bp.database:
        return None
    source = source_url(root, bp, given)
    if source is None:
        return {
            "status": "skipped",
            "verified": False,
            "reason": "no source database found: pass --source URL (or set "
            "SKYLIFT_SOURCE_DATABASE_URL) to migrate one",
        }
    target = target_url(tgt, bp, say)
    if target is None:
        return {
            "status": "skipped",
            "verified": False,
            "reason": "RDS is private: open a tunnel and set SKYLIFT_TARGET_DATABASE_URL",
        }
    from skylift.db import migrate as db_migrate
    from skylift.db.urls import mask

    say(f"migrating {mask(source)} -> {mask(target)}")
    report = db_migrate(source, target, workdir=tgt.state_dir / "db")
    tables = report.tables
    return {
        "status": report.status,
        "verified": report.verified,
        "source": mask(source),
        "target": mask(target),
        "tables": len(tables),
        "rows": sum(int(t.get("rows") or 0) for t in tables),
        "rejected": report.rejected,
    }
