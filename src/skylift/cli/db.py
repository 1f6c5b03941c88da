"""`skylift db ...`: migrate and verify databases."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from skylift.cli._app import db_app, err, out, print_json
from skylift.errors import RowsRejected, UsageError, VerificationFailed

if TYPE_CHECKING:  # the engine is imported when a command runs: `skylift --help` stays fast
    from skylift.db.report import MigrationReport


@db_app.command("migrate")
def migrate_cmd(
    source: str = typer.Argument(
        ..., help="sqlite:///path/app.db (or a bare path), mysql://..., postgresql://..."
    ),
    target: str | None = typer.Argument(
        None, help="postgresql://... (default: an embedded PostgreSQL under .skylift/)"
    ),
    report: Path | None = typer.Option(
        None, "--report", help="Write the full report as JSON to this file."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the translated schema; touch nothing."
    ),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", min=1, help="Worker processes (default: CPUs, max 4)."
    ),
    types: list[str] = typer.Option(
        [], "--type", help="Override a column type: TABLE.COLUMN=TYPE (repeatable)."
    ),
    identifiers: str = typer.Option(
        "preserve", "--identifiers", help="preserve (quoted, exact case) or lower."
    ),
    restart: bool = typer.Option(
        False, "--restart", help="Drop what a previous run created in TARGET and start over."
    ),
    workdir: Path = typer.Option(
        Path(".skylift"), "--workdir", help="Where snapshots and the embedded PostgreSQL live."
    ),
) -> None:
    """Copy a database into PostgreSQL, then verify every table. Rerun to resume."""
    from skylift.db import early

    if identifiers not in ("preserve", "lower"):
        raise UsageError(f"--identifiers {identifiers!r}", "it takes preserve or lower", "")
    _check_arguments(target, report)  # before anything starts: a typo costs no minutes
    if not dry_run:
        _prepare_workdir(source, target, workdir)
        early.begin(source, workdir, target, types)  # works while the engine is imported
    from skylift.cli._progress import RichProgress
    from skylift.db import pipeline as _migrate

    progress = RichProgress(err)
    try:
        result = _migrate.migrate(
            source,
            target,
            jobs=jobs,
            types=early.parse_types(types),
            identifiers="lower" if identifiers == "lower" else "preserve",
            restart=restart,
            dry_run=dry_run,
            workdir=workdir,
            progress=progress,
        )
    finally:
        progress.stop()  # the bars end before an error is printed
    embedded = workdir / "postgres" if target is None and not dry_run else None
    _emit(result, report, json_out, embedded)


@db_app.command("verify")
def verify_cmd(
    source: str = typer.Argument(..., help="The database migrated from."),
    target: str = typer.Argument(..., help="The postgresql:// database migrated to."),
    report: Path | None = typer.Option(
        None, "--report", help="Write the result as JSON to this file."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1),
    types: list[str] = typer.Option([], "--type", help="The --type overrides the migration used."),
) -> None:
    """Compare row counts and content checksums of every table; name the rows that differ."""
    _check_arguments(target, report)
    from skylift.cli._progress import RichProgress
    from skylift.db.early import parse_types
    from skylift.db.verify_only import verify_databases

    progress = RichProgress(err)
    try:
        result = verify_databases(source, target, jobs=jobs, types=parse_types(types),
                                  progress=progress)  # fmt: skip
    finally:
        progress.stop()
    _emit(result, report, json_out)


@db_app.command("stop")
def stop_cmd(
    workdir: Path = typer.Option(
        Path(".skylift"), "--workdir", help="The work folder of the migration."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
) -> None:
    """Stop the embedded PostgreSQL of a work folder (its data is kept; migrate starts it again)."""
    from skylift.cloud import embedded_pg

    data_dir = workdir / "postgres"
    stopped = embedded_pg.stop(data_dir)
    if json_out:
        print_json({"stopped": stopped, "data_dir": str(data_dir)})
    elif stopped:
        out.print(f"stopped the embedded PostgreSQL of {workdir} (its data stays in {data_dir}; "
                  "`skylift db migrate` starts it again)", highlight=False, markup=False)  # fmt: skip
    else:
        out.print(f"no embedded PostgreSQL runs for {workdir}", highlight=False, markup=False)


def _prepare_workdir(source: str, target: str | None, workdir: Path) -> None:
    """The work folder, private and kept out of git, when this migration uses it: for the
    embedded target, or a SQLite source's snapshot."""
    from skylift.db.early import snapshot_folder
    from skylift.db.urls import scheme_of
    from skylift.workdir import make_dirs, prepare

    if target is None or scheme_of(source) == "sqlite":
        prepare(workdir)
        make_dirs(snapshot_folder(workdir))


def _check_arguments(target: str | None, report: Path | None) -> None:
    from skylift.db.urls import check_target

    if target is not None:
        check_target(target)
    if report is None:
        return
    folder = report.parent if str(report.parent) else Path(".")
    why = ""
    if report.is_dir():
        why = "it is a folder"
    elif not folder.is_dir():
        why = f"the folder {folder} does not exist"
    elif not os.access(folder, os.W_OK | os.X_OK) or (
        report.exists() and not os.access(report, os.W_OK)
    ):
        why = "you may not write there"
    if why:
        raise UsageError(
            f"cannot write the report to {report}",
            why,
            "give --report a file in a folder that exists and that you may write",
        )


def _write_report(path: Path, data: dict[str, object]) -> None:
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n"
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(text)
        partial.replace(path)  # a reader never sees half a report
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(
            f"cannot write the report to {path}",
            exc.strerror or str(exc),
            "free space or pick another --report file, then rerun: the migration itself is "
            "done, so the rerun only verifies",
        ) from exc


def _embedded(data_dir: Path, database: str | None) -> dict[str, str] | None:
    """Where the embedded server is, how to connect and how to stop it (no password shown)."""
    from skylift.cloud import embedded_pg
    from skylift.db.urls import mask

    server = embedded_pg.running(data_dir)
    if server is None:
        return None
    db = database or "postgres"
    return {
        "url": mask(server.url(db)),
        "password_file": str(embedded_pg.password_file(server.data_dir)),
        "psql": server.psql(db),
        "stop": shlex.join(["skylift", "db", "stop", "--workdir", str(data_dir.parent)]),
    }


def _emit(result: MigrationReport, report: Path | None, json_out: bool,
          embedded_dir: Path | None = None) -> None:  # fmt: skip
    from skylift.db.urls import database_name

    data = result.as_dict()
    embedded = _embedded(embedded_dir, database_name(result.target or "")) if embedded_dir else None
    if embedded:
        data["embedded_postgres"] = embedded
    if report:
        _write_report(report, data)
    if json_out:
        print_json(data)
    else:
        from skylift.cli._render_db import render_embedded, render_report

        render_report(out, result)
        if embedded:
            render_embedded(out, embedded)
    if result.dry_run:
        return
    if not result.verified:
        bad = [v["table"] for v in result.verification if not v["ok"]]
        raise VerificationFailed(
            f"verification failed for {', '.join(bad)}",
            "the target's rows differ from the source's (see the differences above)",
            "rerun with --restart to copy again; if it persists, report it with --report FILE.json",
        )
    if result.rejected:
        raise RowsRejected(
            f"migrated and verified, but {result.rejected} rows were kept in skylift.rejects",
            "their values cannot be stored as they are (reasons above)",
            "review them: SELECT * FROM skylift.rejects; fix the source, or override a column "
            "type with --type TABLE.COLUMN=TYPE, then migrate again with --restart",
        )
