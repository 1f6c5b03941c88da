"""`skylift db verify`: the verification step on its own, for any source and target."""

from __future__ import annotations

from typing import Any

import psycopg

from skylift.db import journal, verify
from skylift.db._ddl import connect
from skylift.db._failures import target_failure
from skylift.db._pool import default_jobs
from skylift.db.pipeline import open_source, require_tables
from skylift.db.report import MigrationReport, Progress
from skylift.db.schema import Schema
from skylift.db.translate import Policy, Translator
from skylift.db.urls import check_target, mask
from skylift.errors import TargetError


def verify_databases(
    source_url: str,
    target_url: str,
    *,
    jobs: int | None = None,
    types: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> MigrationReport:
    """Compare every table of source and target: counts, checksums, differing keys."""
    progress = progress or Progress()
    check_target(target_url)
    connect(target_url).close()  # a wrong TARGET is told before the source is read
    source = open_source(source_url, {"types": types or {}})
    try:
        progress.phase("reading and profiling the source schema")
        schema = source.read_schema()
        require_tables(schema, source)
        try:
            with connect(target_url) as conn:
                policy = _names_used(conn, schema, mask(target_url))
                refused = _refused(conn, schema)
            chunks = {t.qualified: source.chunks(t) for t in schema.tables}
            progress.phase("verifying every table on both sides")
            checks = verify.verify_all(source, schema, target_url, chunks, jobs or default_jobs(),
                                       policy, refused=refused)  # fmt: skip
        except psycopg.Error as exc:
            raise target_failure(exc, mask(target_url), "verifying") from exc
    finally:
        source.close()
    report = MigrationReport.start(source.display_url, mask(target_url), schema)
    for check in checks:
        report.add_rows(check.table, check.target_rows, 0)
    report.finish(schema)
    report.verification = [c.as_dict() for c in checks]
    return report


def _names_used(conn: psycopg.Connection[Any], schema: Schema, where: str) -> Policy:
    """How the migration named the tables (exactly, or folded with --identifiers lower): the
    policy under which the target has them all. None: say which tables it lacks."""
    missing: list[str] = []
    policies: tuple[Policy, ...] = ("preserve", "lower")
    for policy in policies:
        names = Translator(schema, policy)
        lacking = [
            t.qualified
            for t in schema.tables
            if conn.execute("SELECT to_regclass(%s)", (names.t(t),)).fetchone() == (None,)
        ]
        if not lacking:
            return policy
        missing = missing or lacking
    raise TargetError(
        f"the target has no table named {', '.join(missing[:5])}"
        + (f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""),
        f"{where} does not hold the source's tables: it was not migrated, or into another "
        "database or schema",
        "check the TARGET URL, or migrate first: skylift db migrate SOURCE TARGET",
    )


def _refused(conn: psycopg.Connection[Any], schema: Schema) -> dict[str, set[str]]:
    run = journal.find_run(conn)
    if not run:
        return {}
    return {t.qualified: journal.refused_keys(conn, run["fingerprint"], t.qualified)
            for t in schema.tables}  # fmt: skip
