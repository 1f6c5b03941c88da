"""`skylift cutover` and `skylift rollback`: thin commands over skylift.cutover."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from skylift.cli._app import app, err, out, print_json
from skylift.errors import UsageError

TARGET = typer.Option("local", "--target", help="local (the rehearsal, the default) or aws")
ENV = typer.Option("prod", "--env", help="environment: dev, staging or prod")
SOURCE = typer.Option(
    None, "--source", help="The old database (default: as `skylift up` found it)."
)


def _steps(text: str) -> list[int]:
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise UsageError(f"--steps {text!r}", "steps are whole percentages",
                         "e.g. --steps 10,50,100") from None  # fmt: skip


@app.command()
def cutover(
    path: Path = typer.Argument(Path("."), help="The app's repository."),
    target: str = TARGET,
    env: str = ENV,
    steps: str = typer.Option("10,50,100", "--steps", help="Percent of the traffic on AWS, step by step."),
    single: bool = typer.Option(False, "--single", help="One switch: all the traffic at once."),
    soak: float = typer.Option(300.0, "--soak", min=0, help="Seconds each step is held, alarms read."),
    max_lag: float = typer.Option(5.0, "--max-lag", min=0, help="Most seconds a running db sync may lag."),
    prepare: bool = typer.Option(False, "--prepare", help="Only lower the DNS TTL (a day before)."),
    check_dns: bool = typer.Option(False, "--check-dns", help="Resolve the domain, say where it points."),
    old_host: str | None = typer.Option(None, "--old-host", help="IP or name the domain points at today."),
    source: str | None = SOURCE,
    health_url: str | None = typer.Option(None, "--health-url", help="Also check this URL answers."),
    freeze_command: str | None = typer.Option(None, "--freeze-command", help="Stop the app's writes this way (maintenance mode)."),
    forward_command: str | None = typer.Option(None, "--forward-command", help="Puts the forwarder in place on the old host."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:  # fmt: skip
    """Move the app to AWS: preflight, the database, then the traffic step by step."""
    from skylift.cli._progress import RichProgress
    from skylift.cutover import Options, from_repo
    from skylift.cutover import cutover as do_cutover

    setup = from_repo(path, target=target, environment=env, source=source, old_host=old_host,
                      health_url=health_url)  # fmt: skip
    if check_dns:
        _check_dns(setup, as_json)
        return
    options = Options(steps=_steps(steps), single=single, soak=soak, max_lag=max_lag,
                      prepare=prepare, freeze_command=freeze_command,
                      forward_command=forward_command)  # fmt: skip
    result = do_cutover(setup, options, say=lambda m: err.print(f"  {m}", highlight=False),
                        progress=RichProgress(err))  # fmt: skip
    _show(result.as_dict(), as_json)


@app.command()
def rollback(
    path: Path = typer.Argument(Path("."), help="The app's repository."),
    target: str = TARGET,
    env: str = ENV,
    source: str | None = SOURCE,
    unforward_command: str | None = typer.Option(None, "--unforward-command", help="Takes the forwarder out on the old host."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:  # fmt: skip
    """Traffic back to the old host, every write made on AWS back into the old database."""
    from skylift.cli._progress import RichProgress
    from skylift.cutover import Options, from_repo
    from skylift.cutover import rollback as do_rollback

    setup = from_repo(path, target=target, environment=env, source=source)
    result = do_rollback(setup, Options(unforward_command=unforward_command),
                         say=lambda m: err.print(f"  {m}", highlight=False),
                         progress=RichProgress(err))  # fmt: skip
    _show(result.as_dict(), as_json)


def _check_dns(setup: Any, as_json: bool) -> None:
    from skylift.cutover import dns

    if not setup.domain:
        raise UsageError("the app has no domain", "app.domain is not set in skylift.toml",
                         "set it, then `skylift plan .` and rerun")  # fmt: skip
    lb = setup.front.dns_name if setup.front else ""
    label = setup.front.label if setup.front else "the load balancer"
    found = dns.check(setup.domain, lb, [setup.old_host] if setup.old_host else [])
    if as_json:
        print_json(found.as_dict())
        return
    where = label if found.on_aws else (
        "the old host" if found.on_old else f"neither {label} nor the old host")  # fmt: skip
    out.print(f"{setup.domain} resolves to {', '.join(found.addresses) or 'nothing'}: {where}",
              highlight=False)  # fmt: skip
    out.print(f"  {label} {lb}: {', '.join(found.front) or 'no address'}", highlight=False)


def _show(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    for step in result["steps"]:
        out.print(f"  [green]✓[/] {step['step']}", highlight=False)
    fwd = result.get("forwarder")
    if fwd and result["operation"] == "cutover":
        out.print(f"forwarder on the old host: {fwd['kind']} — {fwd['why']}", highlight=False)
        for line in fwd["commands"] + fwd.get("notes", []):
            out.print(f"  {line}", highlight=False)
    for i, line in enumerate(result.get("dns_steps") or [], 1):
        out.print(f"DNS {i}. {line}", highlight=False)
    if result.get("traffic"):
        t = result["traffic"]
        out.print(f"traffic: {t['aws']}% on AWS, {t['old']}% on the old host", highlight=False)
    if result.get("frozen_seconds") is not None:
        out.print(f"writes were frozen for {result['frozen_seconds']:.2f}s", highlight=False)
    for note in result.get("notes") or []:
        err.print(f"note: {note}", highlight=False)
    state = "finished" if result["finished"] else "stopped before its end (rerun to go on)"
    out.print(f"{result['operation']} {state}", highlight=False)
