"""Human rendering of a MigrationReport (the JSON form is MigrationReport.as_dict)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from skylift.db.report import MigrationReport

SEVERITY_STYLE = {"info": "dim", "warning": "yellow", "manual": "magenta"}


def render_report(console: Console, report: MigrationReport) -> None:
    if report.dry_run:
        _render_dry_run(console, report)
        return
    table = Table(title=escape(f"{report.source} → {report.target}"), title_justify="left")
    for name in ("table", "rows", "rejected", "verified"):
        table.add_column(name, justify="right" if name in ("rows", "rejected") else "left")
    checks = {v["table"]: v for v in report.verification}
    for t in report.tables:
        check = checks.get(t["name"])
        verified = "[green]✓ checksum[/]" if check and check["ok"] else "[red]✗ differs[/]"
        rejected = f"[yellow]{t['rejected']}[/]" if t["rejected"] else "0"
        table.add_row(escape(t["name"]), f"{t['rows']:,}", rejected, verified)
    console.print(table)
    for check in report.verification:
        for diff in check["differences"]:
            console.print(
                f"  [red]{escape(check['table'])}[/]: {escape(str(diff))}", highlight=False
            )
    if report.rejects:
        console.print("[yellow]Kept in skylift.rejects:[/]")
        for r in report.rejects:
            console.print(
                f"  {r['table']}.{r['column']}: {r['count']} × {r['reason']} "
                f"(e.g. key {r['example_key']}, value {r['example_value']!r})",
                highlight=False,
                markup=False,
            )
    _render_notes(console, report)
    total = report.timings.get("total")
    console.print(
        f"{sum(t['rows'] for t in report.tables):,} rows in {len(report.tables)} tables"
        + (f" in {total:.1f}s" if total else "")
        + (" (resumed)" if report.resumed else ""),
        highlight=False,
    )


def _render_notes(console: Console, report: MigrationReport) -> None:
    if not report.notes:
        return
    console.print("Notes:")
    for note in report.notes:
        style = SEVERITY_STYLE.get(note["severity"], "")
        console.print(
            f"  [{style}]{note['severity']:>7}[/] {escape(str(note['object']))}: "
            f"{escape(str(note['message']))}",
            highlight=False,
        )


def _render_dry_run(console: Console, report: MigrationReport) -> None:
    console.print(
        f"-- dry run: {report.source} (nothing was written)", highlight=False, markup=False
    )
    for t in report.tables:
        console.print(
            f"-- {t['name']}: {t['source_rows']:,} rows would move", highlight=False, markup=False
        )
    for sql in report.ddl:
        console.print(sql.rstrip() + ";", highlight=False, markup=False)
    _render_notes(console, report)


def render_embedded(console: Console, embedded: dict[str, str]) -> None:
    """Where the data now is: the embedded PostgreSQL keeps running after the command."""
    console.print("The data is in the embedded PostgreSQL, which keeps running:", highlight=False)
    for label, key in (("url", "url"), ("password", "password_file"), ("psql", "psql"),
                       ("stop it", "stop")):  # fmt: skip
        console.print(f"  {label:<9} {embedded[key]}", highlight=False, markup=False)
