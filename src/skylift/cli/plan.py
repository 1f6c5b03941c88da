"""`skylift plan [PATH]`: write skylift.toml and the migration plan with its cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from skylift.cli._app import app, err, out, print_json


@app.command("plan")
def plan_command(
    path: Path = typer.Argument(Path("."), help="The app's repository (default: here)."),
    tier: str | None = typer.Option(None, "--tier", help="starter | production"),
    compute: str | None = typer.Option(None, "--compute", help="fargate | lambda"),
    nat: str | None = typer.Option(
        None, "--nat", help="gateway | instance (lambda) | none: the private subnets' way out"
    ),
    region: str | None = typer.Option(None, "--region", help="AWS region, e.g. us-east-1"),
    domain: str | None = typer.Option(None, "--domain", help="e.g. api.example.com"),
    name: str | None = typer.Option(None, "--name", help="App name used in AWS resource names"),
    out_dir: Path | None = typer.Option(
        None, "--out", help="Folder for MIGRATION.md and migration.html (default: PATH)"
    ),
    config: Path | None = typer.Option(
        None, "--config", help="skylift.toml to read and update (default: PATH/skylift.toml)"
    ),
    force: bool = typer.Option(False, "--force", help="Replace plan files skylift did not write"),
    as_json: bool = typer.Option(False, "--json", help="Print the Blueprint and cost as JSON"),
) -> None:
    """Write skylift.toml (the decisions) and the plan: MIGRATION.md + migration.html.

    Which value wins: a command-line option (written back into skylift.toml) > skylift.toml >
    skylift's default for the app and tier.
    """
    from skylift.plan import plan

    cli: dict[str, Any] = {
        "app.tier": tier,
        "app.compute": compute,
        "app.region": region,
        "app.domain": domain,
        "app.name": name,
        "nat": nat,
    }
    result = plan(
        path,
        {k: v for k, v in cli.items() if v is not None},
        config_path=config,
        out_dir=out_dir,
        force=force,
    )
    if result.config_created:
        err.print(f"wrote {result.config_path} (edit it, then rerun skylift plan)")
    elif result.config_changed:
        err.print(f"updated {result.config_path}: {', '.join(result.config_changed)}")
    for p in result.written:
        err.print(f"wrote {p}")
    if as_json:
        print_json(result.as_dict())
        return
    _render(result)


def _render(result: Any) -> None:
    bp, est = result.plan.blueprint, result.plan.estimate
    out.print(f"[bold]{bp.app}[/bold]: {bp.tier} tier, {bp.compute}, {bp.region}")
    table = Table(title=f"Monthly cost (prices checked {est.prices_retrieved})")
    table.add_column("Resource")
    table.add_column("Item")
    table.add_column("Quantity x unit price", justify="right")
    table.add_column("Monthly", justify="right")
    for line in est.lines:
        table.add_row(
            line.resource,
            line.item,
            f"{line.quantity:g} x ${line.unit_price:g}/{line.unit}",
            f"${line.monthly:,.2f}",
        )
    table.add_row("", "[bold]Total[/bold]", "", f"[bold]${est.total:,.2f}[/bold]")
    out.print(table)
    if est.current:
        today = f"Today: ${est.current['monthly']:,.2f} a month ({est.current['source']})"
        out.print(today, markup=False, highlight=False)
    _render_designs(result.plan)


def _render_designs(plan: Any) -> None:
    """The designs side by side, why this one, and the budget warning."""
    if plan.designs:
        table = Table(title="Designs side by side (skylift plan --compute/--tier/--nat)")
        table.add_column("Design")
        table.add_column("Monthly", justify="right")
        table.add_column("")
        for d in plan.designs:
            name = f"[bold]{d['name']} (this plan)[/bold]" if d["chosen"] else d["name"]
            table.add_row(name, f"${d['monthly']:,.2f}", d["note"])
        out.print(table)
        out.print(plan.choice, markup=False, highlight=False)
    for w in plan.warnings:
        err.print(f"[bold red]warning:[/bold red] {w}", highlight=False)
