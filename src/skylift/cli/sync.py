"""`skylift db sync`, `db cutover`, `db rollback`: follow a source's changes, move, come back."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from skylift.cli._app import db_app, err, out, print_json
from skylift.errors import Interrupted, UsageError

SOURCE_HELP = "sqlite:///path/app.db (or a bare path), mysql://..., postgresql://..."
TARGET_HELP = "postgresql://... (default: the embedded PostgreSQL under --workdir)"


def _options(workdir: Path, jobs: int | None, types: list[str], identifiers: str,
             capture: str = "auto") -> Any:  # fmt: skip
    from skylift.db.early import parse_types
    from skylift.db.sync.run import Options

    if identifiers not in ("preserve", "lower"):
        raise UsageError(f"--identifiers {identifiers!r}", "it takes preserve or lower", "")
    if capture not in ("auto", "triggers", "logical"):
        raise UsageError(f"--capture {capture!r}", "it takes auto, triggers or logical", "")
    return Options(workdir=workdir, jobs=jobs, types=parse_types(types),
                   identifiers="lower" if identifiers == "lower" else "preserve",
                   capture=capture)  # fmt: skip


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """SIGTERM and SIGINT end the loop: between batches, or at the next chunk of a batch in
    progress (whose transaction then rolls back whole: the rerun applies it again)."""
    stop = threading.Event()
    seen: list[int] = []

    def handler(signum: int, _frame: Any) -> None:
        seen.append(signum)
        stop.set()

    before = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for signum, old in before.items():
            signal.signal(signum, old)
    if seen:
        raise Interrupted(
            "the sync stopped",
            "it was asked to (Ctrl-C or SIGTERM); every change it applied is in the target",
            "rerun the same command to continue from there",
        )


def _line(status: Any) -> None:
    err.print(
        f"  {status.state}: {status.applied:,} changes applied, lag {status.lag_seconds:.1f}s /"
        f" {status.lag_changes:,} changes behind",
        highlight=False,
    )


@db_app.command("sync")
def sync_cmd(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    target: str | None = typer.Argument(None, help=TARGET_HELP),
    json_out: bool = typer.Option(
        False, "--json", help="Print each status (and the last) as JSON."
    ),
    once: bool = typer.Option(False, "--once", help="Stop as soon as the target is caught up."),
    status_only: bool = typer.Option(
        False, "--status", help="Print the status a running sync wrote; change nothing."
    ),
    remove: bool = typer.Option(
        False, "--remove", help="Take skylift's triggers/slot/publication out of the source."
    ),
    capture: str = typer.Option(
        "auto",
        "--capture",
        help="PostgreSQL sources: auto (logical replication where the source allows it, else"
        " triggers), logical or triggers.",
    ),
    interval: float = typer.Option(0.1, "--interval", min=0.01, help="Seconds between polls."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1),
    types: list[str] = typer.Option([], "--type", help="The --type overrides of the migration."),
    identifiers: str = typer.Option("preserve", "--identifiers"),
    workdir: Path = typer.Option(Path(".skylift"), "--workdir"),
) -> None:
    """Migrate when needed, then apply every change of SOURCE to TARGET until stopped."""
    from skylift.cli._progress import RichProgress
    from skylift.db.sync import run, status

    options = _options(workdir, jobs, types, identifiers, capture)
    if status_only:
        if target is None:
            raise UsageError(
                "--status needs the TARGET", "", "skylift db sync --status SOURCE TARGET"
            )
        data = status.read(workdir, target)
        if data is None:
            raise UsageError("no sync ever ran for this target under this --workdir", "", "")
        print_json(data)
        return
    if remove:
        removed = run.remove(source, target, options=options)
        for line in removed or ["nothing: skylift had added nothing there"]:
            out.print(f"removed {line}", highlight=False)
        return
    emit = (lambda s: print_json(s.as_dict())) if json_out else _line
    with _stop_on_signals() as stop:
        final = run.sync(source, target, options=options, stop=stop, once=once,
                         interval=interval, progress=RichProgress(err), on_status=emit)  # fmt: skip
    if json_out:
        print_json(final.as_dict())
    else:
        _line(final)
    if final.rejected:
        raise run.rejected_error(final.rejected)


def _outcome(outcome: Any, json_out: bool) -> None:
    if json_out:
        print_json(outcome.as_dict())
        return
    for check in outcome.checks:
        mark = "[green]✓[/]" if check["ok"] else "[red]✗[/]"
        compared = check["keys_compared"]
        out.print(
            f"  {mark} {check['table']}: {compared} keys compared, {check['target_count']} rows",
            highlight=False,
        )
    if getattr(outcome, "recopied", None):
        err.print(
            f"[yellow]warning:[/] {', '.join(outcome.recopied)} differed after the last changes;"
            " their changed keys were copied again from the frozen source and verified (please"
            " report it: the capture missed a change)",
            highlight=False,
        )
    window = outcome.frozen_seconds
    out.print(
        f"{outcome.operation} done: {outcome.changes:,} changes applied; writes were frozen for"
        f" {window:.2f}s"
        + (" (the source stays frozen)" if outcome.operation == "cutover" else ""),
        highlight=False,
    )


@db_app.command("cutover")
def cutover_cmd(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    target: str | None = typer.Argument(None, help=TARGET_HELP),
    freeze_command: str | None = typer.Option(
        None,
        "--freeze-command",
        help="Run this to stop the app's writes instead (maintenance mode).",
    ),
    unfreeze: bool = typer.Option(
        False, "--unfreeze", help="Lift the source's freeze (the app may write there again)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the steps and checks as JSON."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1),
    types: list[str] = typer.Option([], "--type", help="The --type overrides of the migration."),
    identifiers: str = typer.Option("preserve", "--identifiers"),
    workdir: Path = typer.Option(Path(".skylift"), "--workdir"),
) -> None:
    """Freeze the source's writes, apply the last changes, verify, start capture on TARGET."""
    from skylift.cli._progress import RichProgress
    from skylift.db.sync import cutover

    options = _options(workdir, jobs, types, identifiers)
    if unfreeze:
        lifted = cutover.unfreeze(source, target, options=options)
        out.print("the source takes writes again" if lifted else "the source was not frozen")
        return
    outcome = cutover.cutover(source, target, options=options, freeze_command=freeze_command,
                              progress=RichProgress(err))  # fmt: skip
    _outcome(outcome, json_out)


@db_app.command("rollback")
def rollback_cmd(
    source: str = typer.Argument(..., help=SOURCE_HELP),
    target: str | None = typer.Argument(None, help=TARGET_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the steps and checks as JSON."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1),
    types: list[str] = typer.Option([], "--type", help="The --type overrides of the migration."),
    identifiers: str = typer.Option("preserve", "--identifiers"),
    workdir: Path = typer.Option(Path(".skylift"), "--workdir"),
) -> None:
    """Freeze TARGET, copy every write made on it since the cutover back, unfreeze SOURCE."""
    from skylift.cli._progress import RichProgress
    from skylift.db.sync import cutover

    options = _options(workdir, jobs, types, identifiers)
    outcome = cutover.rollback(source, target, options=options, progress=RichProgress(err))
    _outcome(outcome, json_out)
