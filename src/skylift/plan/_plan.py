"""`skylift plan`: scan (or take) an AppProfile, settle skylift.toml, derive, price, report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skylift import config as config_mod
from skylift.errors import RepoError, WouldOverwrite
from skylift.plan import _designs, cost, derive, report
from skylift.plan.report import Plan
from skylift.scan.model import AppProfile

REPORT_FILES = ("MIGRATION.md", "migration.html")


@dataclass
class PlanResult:
    plan: Plan
    config_path: Path
    config_changed: list[str]  # "section.key" names written to skylift.toml by this run
    config_created: bool
    written: list[Path] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "blueprint": self.plan.blueprint.as_dict(),
            "cost": self.plan.estimate.as_dict(),
            "config": {
                "path": str(self.config_path),
                "created": self.config_created,
                "changed": self.config_changed,
            },
            "written": [str(p) for p in self.written],
        }


def make_plan(
    profile: AppProfile,
    cli: Mapping[str, Any] | None = None,
    file_values: Mapping[str, Any] | None = None,
    *,
    compare: bool = True,
) -> Plan:
    """Pure: AppProfile + CLI options + skylift.toml values -> Plan (nothing is written).
    With `compare`, the plan also prices the other designs that fit (plan/_designs.py)."""
    cli = _nat_option(cli or {}, file_values or {})
    cfg = config_mod.resolve(
        derive.slug(profile.name),
        cli,
        file_values or {},
        lambda tier, compute: derive.derived_defaults(profile, tier, compute),
    )
    bp = derive.build(profile, cfg)
    est = cost.estimate(bp)
    budget = bp.resource("budget")
    if budget is not None and not budget.settings["amount_usd"]:
        budget.settings["amount_usd"] = cost.budget_amount(est.total)
    result = Plan(profile, cfg, bp, est)
    if compare:
        rows = _designs.designs(
            result,
            cli,
            file_values or {},
            lambda c, f: make_plan(profile, c, f, compare=False),
        )
        result.designs, result.choice = rows, _designs.why(result, rows)
        warning = _designs.budget_warning(result, rows)
        result.warnings = [warning] if warning else []
    return result


def _nat_option(cli: Mapping[str, Any], file_values: Mapping[str, Any]) -> dict[str, Any]:
    """`--nat gateway|instance|none` (key "nat") as the skylift.toml keys it writes."""
    out = {k: v for k, v in cli.items() if k != "nat"}
    if cli.get("nat"):
        tier = str(cli.get("app.tier") or file_values.get("app.tier") or "starter")
        out.update(_designs.nat_values(str(cli["nat"]), tier))
    return out


def plan(
    path: str | Path,
    cli: Mapping[str, Any] | None = None,
    *,
    profile: AppProfile | None = None,
    config_path: Path | None = None,
    out_dir: Path | None = None,
    force: bool = False,
    write_reports: bool = True,
) -> PlanResult:
    """Plan the migration of the app at `path`; writes skylift.toml and the plan document."""
    root = Path(path)
    if not root.is_dir():
        raise RepoError(
            f"{root} is not a directory",
            "skylift plan reads an app's repository",
            "pass the folder that holds the app (default: the current folder)",
        )
    config_path = config_path or root / config_mod.CONFIG_FILE
    # read the owner's decisions first: a mistake there is reported before any scanning
    file_values = config_mod.load_file(config_path) if config_path.exists() else None
    if profile is None:
        profile = _scan(root)
    result = make_plan(profile, cli, file_values)
    created = file_values is None
    changed = config_mod.write(config_path, result.config, file_values)
    out = PlanResult(result, config_path, changed, created)
    if write_reports:
        out.written = write_reports_to(result, out_dir or root, force)
    return out


def _scan(root: Path) -> AppProfile:
    try:
        from skylift.scan import scan
    except ImportError as exc:  # scan lands separately; say so rather than crash
        raise RepoError(
            "skylift scan is not available in this build", str(exc), "update skylift"
        ) from exc
    profile: AppProfile = scan(root)
    return profile


def write_reports_to(result: Plan, out_dir: Path, force: bool) -> list[Path]:
    """Write MIGRATION.md and migration.html, refusing to replace files skylift did not write."""
    out_dir.mkdir(parents=True, exist_ok=True)
    docs = {
        "MIGRATION.md": report.render_markdown(result),
        "migration.html": report.render_html(result),
    }
    for name in docs:
        target = out_dir / name
        if target.exists() and not force and report.MARKER not in _head(target):
            raise WouldOverwrite(
                f"{target} exists and was not written by skylift",
                "skylift never replaces a file it did not generate",
                "move it away, or pass --force to replace it (or --out to write elsewhere)",
            )
    written = []
    for name, text in docs.items():
        (out_dir / name).write_text(text, encoding="utf-8")
        written.append(out_dir / name)
    return written


def _head(path: Path) -> str:
    with path.open(encoding="utf-8", errors="replace") as f:
        return f.read(400)
