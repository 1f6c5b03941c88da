"""`skylift generate`, `skylift up`, `skylift down`, `skylift task run`: thin commands over
skylift.render and skylift.run."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from skylift.cli._app import app, err, out, print_json

task_app = typer.Typer(
    help="One-off commands in the app's cloud environment.", no_args_is_help=True
)
app.add_typer(task_app, name="task")

TARGET = typer.Option("local", "--target", help="local (embedded AWS, the default) or aws")
ENV = typer.Option("prod", "--env", help="environment: dev, staging or prod (envs/<env>.tfvars)")


@app.command()
def generate(
    path: Path = typer.Argument(Path("."), help="The app's repository."),
    force: bool = typer.Option(False, "--force", help="Replace files you own (shows no diff)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Write infra/ (Terraform), Dockerfile, .dockerignore and the deploy workflow."""
    from skylift.render import FilesWouldChange
    from skylift.render import generate as do_generate
    from skylift.run.up import load_plan

    bp = load_plan(path, reports=False).blueprint
    try:
        result = do_generate(path, bp, force=force)
    except FilesWouldChange as exc:
        for diff in exc.diffs.values():
            out.print(diff, markup=False, highlight=False, end="")
        raise
    rep = result.report
    if as_json:
        print_json(
            {
                "written": rep.written,
                "unchanged": rep.unchanged,
                "removed": rep.removed,
                "notes": result.notes,
            }
        )
        return
    for rel in rep.written:
        out.print(f"wrote      {rel}", highlight=False)
    for rel in rep.unchanged:
        out.print(f"unchanged  {rel}", highlight=False)
    for rel in rep.removed:
        out.print(f"removed    {rel} (no longer generated)", highlight=False)
    for note in result.notes:
        err.print(f"note: {note}", highlight=False)


@app.command()
def up(
    path: Path = typer.Argument(Path("."), help="The app's repository."),
    target: str = TARGET,
    env: str = ENV,
    source: str = typer.Option(
        None, "--source", help="The database to migrate (default: the app's SQLite file)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    no_app: bool = typer.Option(
        False, "--no-app", help="local: provision and migrate only; do not build and run the app."
    ),
    run_schedules: bool = typer.Option(
        False,
        "--run-schedules",
        help="local: run every schedule once more, even when the app did not change.",
    ),
) -> None:
    """Provision, store secrets, migrate and verify the data, then build and run the app behind
    a load balancer stand-in: a rehearsal on this machine by default."""
    from skylift.errors import AppDidNotRun
    from skylift.run.up import up as do_up

    try:
        with err.status("skylift up") as status:
            result = do_up(
                path,
                target=target,
                environment=env,
                source_url=source,
                log=_progress_line(status),
                ask=_asker(status),
                run_app=not no_app,
                run_schedules=run_schedules,
            )
    except AppDidNotRun as exc:
        if as_json:  # a script still gets the app's state; the exit code says it did not run
            error = {"what": exc.what, "why": exc.why, "fix": exc.fix, "exit_code": exc.exit_code}
            print_json({"app": exc.app, "error": error})
        raise
    if as_json:
        print_json(result.as_dict())
        return
    _print_summary(result)


def _progress_line(status: Any) -> Callable[[str], None]:
    """The spinner's text on a terminal; a line on stderr otherwise (CI logs show progress)."""

    def say(message: str) -> None:
        status.update(message[:100])
        if not err.is_terminal:
            err.print(message, markup=False, highlight=False)

    return say


def _print_summary(result: Any) -> None:
    out.print(
        f"[bold]{result.name}[/bold] on {result.target} ({result.environment}): "
        f"{result.resources} resources ({result.added} added, {result.changed} changed)"
    )
    for key, value in result.endpoints.items():
        out.print(f"  {key:<20} {value}", highlight=False)
    out.print(f"secrets stored: {', '.join(result.secrets_stored) or 'none'}", highlight=False)
    if result.secrets_missing:
        out.print(f"secrets missing: {', '.join(result.secrets_missing)}", highlight=False)
    db = result.database
    if db:
        state = "verified" if db.get("verified") else str(db.get("reason") or db.get("status"))
        out.print(
            f"data: {db.get('tables', 0)} tables, {db.get('rows', 0)} rows, {state}",
            highlight=False,
        )
    if result.switched_off:
        out.print(
            "switched off on the embedded AWS: " + "; ".join(result.switched_off.values()),
            highlight=False,
        )
    if result.monthly_cost is not None:
        out.print(f"monthly cost on AWS: ${result.monthly_cost:,.2f}")
    if result.app:
        _print_app(result.app)
    for i, step in enumerate(result.next_steps, 1):
        out.print(f"{i}. {step}", highlight=False)


def _print_app(app_: dict[str, Any]) -> None:
    state = "healthy" if app_["healthy"] else "NOT healthy"
    smoke = app_.get("smoke") or {}
    out.print(
        f"app: {state} at {app_['url']} (health check {app_['health_path']}, engine "
        f"{app_['engine']}" + (f", GET / -> {smoke['status']}" if smoke else "") + ")",
        highlight=False,
    )
    for s in app_["services"]:
        code = "" if s["exit_code"] is None else f", exit {s['exit_code']}"
        rewritten = f"; rewritten: {', '.join(s['rewritten'])}" if s.get("rewritten") else ""
        out.print(
            f"  {s['kind']:<9} {s['name']:<28} {s['state']}{code}{rewritten}", highlight=False
        )
        for note in s.get("notes") or []:
            out.print(f"            note: {note}", highlight=False)
        for line in (s.get("log_tail") or [])[-3:]:
            out.print(f"            | {line}", highlight=False)


@app.command()
def status(
    path: Path = typer.Argument(Path("."), help="The app's repository."),
    as_json: bool = typer.Option(False, "--json", help="Print the status as JSON."),
) -> None:
    """Whether the rehearsal's app still runs and is healthy (exit 15 when it is not)."""
    from skylift.run.status import status as do_status
    from skylift.run.status import unhealthy

    result = do_status(path, fail=not as_json)
    if as_json:  # the report first, then the exit code says whether it is healthy
        print_json(result)
        if not result["healthy"]:
            raise unhealthy(path)
        return
    _print_app(result)


def _asker(status: Any) -> Callable[[str], str | None] | None:
    """Ask for a secret missing from .env, when someone is at the terminal (input hidden)."""
    if not sys.stdin.isatty():
        return None

    def ask(name: str) -> str | None:
        status.stop()
        try:
            return getpass.getpass(f"{name} is not in .env; value (empty to skip): ") or None
        finally:
            status.start()

    return ask


@app.command()
def down(
    path: Path = typer.Argument(Path("."), help="The app's repository."),
    target: str = TARGET,
    env: str = ENV,
) -> None:
    """Remove what `skylift up` built."""
    from skylift.run.down import down as do_down

    with err.status("skylift down") as spinner:
        result = do_down(path, target=target, environment=env, log=_progress_line(spinner))
    out.print(
        f"removed the {result.target} rehearsal: "
        + (", ".join(result.stopped) or "nothing was running")
    )


@task_app.command("run")
def task_run(
    command: str = typer.Argument(..., help='The command, e.g. "yarn migration:run".'),
    path: Path = typer.Option(Path("."), "--path", help="The app's repository."),
    target: str = TARGET,
    env: str = ENV,
) -> None:
    """Run a one-off command in a new task (what `heroku run` did)."""
    from skylift.run.task import run_task

    result = run_task(path, command, target=target, environment=env)
    if result.log is not None:  # run in the rehearsal's container
        for line in result.log:
            out.print(line, markup=False, highlight=False)
        if result.exit_code != 0:
            from skylift.errors import AppDidNotRun

            raise AppDidNotRun(
                f"the one-off task exited with {result.exit_code}: {command}",
                "its output is above",
                "fix the command or the app, then rerun `skylift task run`",
            )
        err.print("exit code: 0 (in the rehearsal's container)")
        return
    if result.task_arn is None:
        err.print(
            "no rehearsal has built the app's image yet (`skylift up`): this is the request "
            "`--target aws` sends"
        )
        print_json(result.request)
        return
    out.print(f"started {result.task_arn}", highlight=False)
