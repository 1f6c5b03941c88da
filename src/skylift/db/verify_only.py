"""`skylift db verify`: the verification step on its own, for any source and target."""

from __future__ import annotations

from skylift.db import journal, verify
from skylift.db._ddl import connect
from skylift.db._pool import default_jobs
from skylift.db.pipeline import open_source
from skylift.db.report import MigrationReport, Progress
from skylift.db.urls import check_target, mask


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
    source = open_source(source_url, {"types": types or {}})
    try:
        progress.phase("reading and profiling the source schema")
        schema = source.read_schema()
        with connect(target_url) as conn:
            run = journal.find_run(conn)
            refused = {}
            if run:
                for t in schema.tables:
                    refused[t.qualified] = journal.refused_keys(
                        conn, run["fingerprint"], t.qualified
                    )
        chunks = {t.qualified: source.chunks(t) for t in schema.tables}
        progress.phase("verifying every table on both sides")
        checks = verify.verify_all(
            source, schema, target_url, chunks, jobs or default_jobs(), refused=refused
        )
    finally:
        source.close()
    report = MigrationReport.start(source.display_url, mask(target_url), schema)
    for check in checks:
        report.add_rows(check.table, check.target_rows, 0)
    report.finish(schema)
    report.verification = [c.as_dict() for c in checks]
    return report
