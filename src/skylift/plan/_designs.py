"""Choosing with numbers: the designs that fit the app side by side, each priced from the same
price file as the plan (Fargate or Lambda, starter or production, NAT gateways, a NAT
instance or none), with the current host's cost, which one the plan chose and why, and the
budget warning when the plan costs more than `sizes.budget_monthly_usd`.

Each design is the plan skylift would make with that one choice changed on the command line
(`skylift plan --compute lambda --tier production --nat instance`): the owner's other values
in skylift.toml apply to every design alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from skylift.config import LAMBDA_ONLY, Config
from skylift.errors import SkyliftError
from skylift.plan.blueprint import Blueprint

NATS = ("gateway", "instance", "none")
NAT_KEYS = ("sizes.nat_gateways", "sizes.nat_instance")


def nat_values(choice: str, tier: str) -> dict[str, Any]:
    """`--nat gateway|instance|none` as the skylift.toml keys it sets."""
    if choice not in NATS:
        from skylift.errors import ConfigError

        raise ConfigError(
            f"invalid --nat {choice!r}",
            "expected gateway | instance | none",
            "pass --nat gateway (managed, one per AZ in production), --nat instance (one "
            "t4g.nano, lambda only) or --nat none",
        )
    gateways = (2 if tier == "production" else 1) if choice == "gateway" else 0
    return {"sizes.nat_gateways": gateways, "sizes.nat_instance": choice == "instance"}


def nat_label(bp: Blueprint) -> str:
    gw = bp.resource("nat_gateway")
    if gw is not None:
        return f"{gw.count} NAT gateway{'s' if gw.count > 1 else ''}"
    if bp.has("nat_instance"):
        return "NAT instance"
    return "no NAT" + (" (public subnets)" if bp.compute == "fargate" else "")


def label(bp: Blueprint) -> str:
    compute = "Lambda" if bp.compute == "lambda" else "Fargate"
    return f"{compute}, {bp.tier}, {nat_label(bp)}"


Planner = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]  # (cli, file values) -> Plan


def designs(
    plan: Any, cli: Mapping[str, Any], file_values: Mapping[str, Any], make: Planner
) -> list[dict[str, Any]]:
    """The plan's own design first, then the others that fit, each priced."""
    cfg: Config = plan.config
    seen: dict[str, dict[str, Any]] = {}
    chosen = _row(plan, cfg, chosen=True)
    seen[chosen["name"]] = chosen
    variants: list[dict[str, Any]] = [
        {"app.compute": c, "app.tier": t}
        for c in ("fargate", "lambda")
        for t in ("starter", "production")
    ]
    variants += [
        {"app.compute": cfg.compute, **nat_values(n, cfg.tier)}
        for n in NATS
        if not (n == "instance" and cfg.compute != "lambda")
    ]
    for over in variants:
        # a compute or tier design takes its own default way out; the lambda keys mean
        # nothing to Fargate
        drop = set(NAT_KEYS) if "app.tier" in over else set()
        if over["app.compute"] == "fargate":
            drop |= LAMBDA_ONLY
        values = {k: v for k, v in file_values.items() if k not in drop}
        base = {k: v for k, v in cli.items() if k not in drop}
        try:
            other = make({**base, **over}, values)
        except SkyliftError:  # the owner's lambda keys do not fit this design: its defaults
            try:
                other = make(
                    {**{k: v for k, v in base.items() if k not in LAMBDA_ONLY}, **over},
                    {k: v for k, v in values.items() if k not in LAMBDA_ONLY},
                )
            except SkyliftError:
                continue  # a combination skylift.toml rules out (the row would be a guess)
        row = _row(other, other.config, chosen=False)
        seen.setdefault(row["name"], row)
    rows = list(seen.values())
    _fits(rows, plan)
    return rows


def _row(plan: Any, cfg: Config, *, chosen: bool) -> dict[str, Any]:
    bp = plan.blueprint
    return {
        "name": label(bp),
        "compute": bp.compute,
        "tier": bp.tier,
        "nat": nat_label(bp),
        "monthly": plan.estimate.total,
        "chosen": chosen,
        "fits": True,
        "note": "",
        "outbound": bool(bp.has("nat_gateway") or bp.has("nat_instance")),
    }


def _fits(rows: list[dict[str, Any]], plan: Any) -> None:
    """A Lambda design without NAT does not fit an app that calls the internet."""
    from skylift.plan.derive import needs_outbound

    calls = needs_outbound(plan.profile)
    for row in rows:
        if row["compute"] == "lambda" and not row["outbound"] and calls:
            row["fits"] = False
            row["note"] = (
                "does not fit: the function runs in private subnets and the app calls the "
                "internet (VPC endpoints reach AWS services only)"
            )
        elif row["compute"] == "lambda" and row["nat"] == "NAT instance":
            row["note"] = "one instance in one AZ: outbound calls stop while it is replaced"


def why(plan: Any, rows: list[dict[str, Any]]) -> str:
    """Which design the plan chose, and why, in numbers."""
    chosen = rows[0]
    fitting = sorted((r for r in rows if r["fits"]), key=lambda r: r["monthly"])
    cheapest = fitting[0] if fitting else chosen
    origin = plan.config.origins
    decided = [
        k
        for k in ("app.compute", "app.tier", "sizes.nat_gateways", "sizes.nat_instance")
        if origin.get(k) in ("file", "cli")
    ]
    by = (
        "your choice in skylift.toml (" + ", ".join(decided) + ")"
        if decided
        else "skylift's default for this app"
    )
    text = f"Chosen: {chosen['name']} at ${chosen['monthly']:,.2f} a month, {by}"
    if cheapest is chosen or cheapest["monthly"] >= chosen["monthly"]:
        text += "; the cheapest of the designs that fit."
    else:
        diff = chosen["monthly"] - cheapest["monthly"]
        text += (
            f"; {cheapest['name']} would cost ${diff:,.2f} less (${cheapest['monthly']:,.2f})"
            + _trade_off(chosen, cheapest)
        )
    current = plan.estimate.current
    if current and current.get("monthly"):
        text += f" Today's host costs ${current['monthly']:,.2f} a month."
    return text


def budget_warning(plan: Any, rows: list[dict[str, Any]]) -> str | None:
    """The plan's total above the owner's budget_monthly_usd: what it exceeds by, and the
    designs that fit within it."""
    budget = plan.config.sizes.budget_monthly_usd
    total = plan.estimate.total
    if not budget or total <= budget:
        return None
    within = [r for r in rows if r["fits"] and r["monthly"] <= budget]
    text = (
        f"Over budget: this plan costs ${total:,.2f} a month, ${total - budget:,.2f} above "
        f"budget_monthly_usd = ${budget:,} in skylift.toml."
    )
    if within:
        best = min(within, key=lambda r: r["monthly"])
        text += f" Within it: {best['name']} (${best['monthly']:,.2f})."
    else:
        text += " No design of this app fits within it: lower the sizes or raise the budget."
    return text


def _trade_off(chosen: dict[str, Any], cheaper: dict[str, Any]) -> str:
    """What the chosen design buys over the cheaper one."""
    if chosen["tier"] == "production" and cheaper["tier"] == "starter":
        return ": production survives the loss of a task or an AZ (two of everything), starter does not."
    if chosen["compute"] == "fargate" and cheaper["compute"] == "lambda":
        return (
            ": Fargate runs the container unchanged and keeps it warm, while Lambda starts "
            "environments cold, needs the code changes listed under Risks (WebSockets through "
            "the API, no in-process cron or workers) and caps a request at 29 s; `skylift plan "
            "--compute lambda` switches."
        )
    if "gateway" in chosen["nat"] and cheaper["nat"] == "NAT instance":
        return ": NAT gateways are managed and survive an AZ; one instance is neither."
    return "."
