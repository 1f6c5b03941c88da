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
MIGRATED = "_migrated"  # local target: the verified copy (see target_url)


def source_url(
    root: Path, bp: Blueprint, given: str | None, tgt: Target | None = None
) -> str | None:
    """The database to move: --source, $SKYLIFT_SOURCE_DATABASE_URL, a SQLite file in the repo,
    or (rehearsal only) a PostgreSQL dump in the repo, loaded into a scratch database that stands
    in for the current host's."""
    if given or os.environ.get("SKYLIFT_SOURCE_DATABASE_URL"):
        return given or os.environ["SKYLIFT_SOURCE_DATABASE_URL"]
    files = [root / rel for rel in (bp.database or {}).get("source_files") or []]
    for path in files:
        if path.suffix in SQLITE_SUFFIXES and path.is_file():
            return f"sqlite:///{path}"
    engine = (bp.database or {}).get("source_engine")
    dump = next((p for p in files if p.suffix == ".sql" and p.is_file()), None)
    if tgt is None or tgt.name != "local" or dump is None:
        return None
    if engine in ("postgresql", "postgres"):
        return _load_dump(tgt, bp, dump)
    if engine in ("mysql", "mariadb"):
        from skylift.cloud import embedded_mysql

        name = str((bp.database or {}).get("name") or bp.app).replace("-", "_") + "_current"
        return embedded_mysql.load(tgt.state_dir / "mysql", name, dump)
    return None


def _load_dump(tgt: Target, bp: Blueprint, dump: Path) -> str:
    """Load a PostgreSQL dump once into `<name>_current` on the embedded server."""
    import subprocess

    import psycopg

    from skylift.cloud import embedded_pg
    from skylift.errors import SourceError

    server = embedded_pg.start(tgt.state_dir / "postgres")
    url = embedded_pg.ensure_database(
        server, str((bp.database or {}).get("name") or bp.app) + "_current"
    )
    with psycopg.connect(url) as conn:
        loaded = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
    if loaded and loaded[0]:
        return url
    psql = embedded_pg.binary("psql")
    done = subprocess.run([str(psql), "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(dump)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode:
        raise SourceError(f"cannot load {dump.name} into the rehearsal's source database",
                          done.stderr.strip()[-600:], "check that the dump is a PostgreSQL plain-SQL dump")  # fmt: skip
    return url


def target_url(tgt: Target, bp: Blueprint, say: Callable[[str], None]) -> str | None:
    """local: a database on the embedded PostgreSQL standing in for RDS. aws: RDS sits in
    private subnets, so its URL comes from $SKYLIFT_TARGET_DATABASE_URL (e.g. through an SSM
    port-forwarding tunnel).

    On the local target the migration lands in `<name>_migrated`: the app's database `<name>`
    is a copy of it, made afresh for each rehearsal deploy (skylift.rehearse.database), so what
    the app writes never makes the next run's verification differ."""
    name = str((bp.database or {}).get("name") or bp.app.replace("-", "_"))
    if tgt.name == "local":
        from skylift.cloud import embedded_pg

        say("starting the embedded PostgreSQL (stands in for RDS)")
        server = embedded_pg.start(tgt.state_dir / "postgres")
        return embedded_pg.ensure_database(server, name + MIGRATED)
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
    source = source_url(root, bp, given, tgt)
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
