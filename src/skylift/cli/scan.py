"""`skylift scan [PATH]`: what the app is, with the file and line behind every fact."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from skylift.cli._app import app, out, print_json

if TYPE_CHECKING:  # the scanner (and sqlglot) load when `scan` runs: other commands start faster
    from skylift.scan.model import AppProfile, Evidence, Fact

_SEVERITY_STYLE = {"blocker": "bold red", "change": "yellow", "info": "dim"}


@app.command()
def scan(
    path: Path = typer.Argument(
        Path("."), help="The app's repository (default: the current folder)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the AppProfile as JSON for scripts."),
) -> None:
    """Read the app's repository: runtime, framework, port, commands, host, database, cache, jobs,
    environment variables, services, and the code changes the move needs."""
    from skylift.scan import scan as scan_repo

    profile = scan_repo(path)
    if as_json:
        print_json(profile.as_dict())
        return
    render(profile)


def _where(evidence: list[Evidence], limit: int = 2) -> str:
    shown = ", ".join(str(e) for e in evidence[:limit])
    more = len(evidence) - limit
    return f"{shown} (+{more})" if more > 0 else shown


def _value(fact: Fact) -> str:
    v = fact.value
    if isinstance(v, dict):
        return " ".join(str(x) for x in v.values())
    return str(v)


def render(profile: AppProfile) -> None:
    """The readable summary: facts, databases, jobs, environment, findings."""
    # everything read from the repository is escaped: `[...]` in it is text, not Rich markup
    title = f"[bold]{escape(profile.name)}[/bold]  {escape(profile.root)}"
    if profile.apps:
        title += f"  (app folder: {escape(profile.apps[0])})"
    out.print(title, highlight=False)
    facts = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    facts.add_column("fact", no_wrap=True)
    facts.add_column("value", overflow="fold")  # piped output is 80 columns: fold, never cut
    facts.add_column("confidence", no_wrap=True)
    facts.add_column("evidence", overflow="fold")
    rows = [
        ("runtime", profile.runtime),
        ("framework", profile.framework),
        ("port", profile.port),
        ("build", profile.build_command),
        ("start", profile.start_command),
        ("release", profile.release_command),
        ("runs on", profile.current_host),
        ("domain", profile.domain),
        ("cache", profile.cache),
        ("health", profile.health_path),
    ]
    for label, fact in rows:
        if fact is not None:
            facts.add_row(label, Text(_value(fact)), fact.confidence, Text(_where(fact.evidence)))
    if (image := profile.dockerfile) is not None:
        value = image.value
        stage = f", stage {value['target']}" if value["target"] else ""
        text = f"{value['path']} (context {value['context']}{stage}): {value['why']}"
        facts.add_row("image", Text(text), image.confidence, Text(_where(image.evidence)))
    for db in profile.databases:
        detail = " ".join(x for x in (db.engine, db.driver, db.orm and f"via {db.orm}") if x)
        if db.extensions:
            detail += f" (extensions: {', '.join(db.extensions)})"
        facts.add_row("database", Text(detail), db.confidence, Text(_where(db.evidence)))
        for f in db.files:
            facts.add_row("  data", Text(f), "", "")
        if db.migration_tool:
            facts.add_row("  migrations", Text(db.migration_tool), "", "")
    for kind, items in (("service", profile.services), ("calls", profile.outbound_apis)):
        for fact in items:
            facts.add_row(kind, Text(_value(fact)), fact.confidence, Text(_where(fact.evidence)))
    out.print(facts)
    _jobs(profile)
    _env(profile)
    _findings(profile)


def _jobs(profile: AppProfile) -> None:
    if not profile.jobs:
        return
    out.print()
    out.print(f"[bold]jobs[/bold] ({len(profile.jobs)})")
    for j in profile.jobs:
        when = f" ({j.schedule})" if j.schedule else ""
        line = f"  {j.kind:<8} {escape(j.name + when)}: {escape(j.command)}"
        out.print(f"{line}  [dim]{escape(_where(j.evidence, 1))}[/dim]", highlight=False)


def _env(profile: AppProfile) -> None:
    if not profile.env:
        return
    secrets = [e.name for e in profile.env if e.kind == "secret"]
    config = [e.name for e in profile.env if e.kind == "config"]
    out.print()
    out.print(
        f"[bold]environment[/bold]  secrets ({len(secrets)}): {', '.join(secrets) or '-'}",
        highlight=False,
    )
    out.print(f"             config ({len(config)}): {', '.join(config) or '-'}", highlight=False)


def _findings(profile: AppProfile) -> None:
    out.print()
    if not profile.findings:
        out.print("[green]No code changes needed.[/green]")
        return
    out.print(f"[bold]findings[/bold] ({len(profile.findings)})")
    for f in profile.findings:
        style = _SEVERITY_STYLE.get(f.severity, "")
        out.print(
            f"  [{style}]{f.severity:<7}[/{style}] {escape(f.title)}  [dim]{f.code}[/dim]",
            highlight=False,
        )
        if f.evidence:
            out.print(f"          at {escape(_where(f.evidence, 3))}", highlight=False)
        out.print(f"          fix: {escape(f.suggestion)}", highlight=False)
