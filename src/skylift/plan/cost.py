"""The monthly cost of a Blueprint, one line per billable dimension of each resource.

Each line is `quantity x unit price = monthly`, with the arithmetic that formed the quantity
(`basis`) and, for lines that depend on traffic, the usage assumption behind it. The quantity is
rounded to 4 decimals *before* multiplying and each line to cents, so the table checks out by
hand: every monthly figure is round(quantity x unit_price, 2) and the total is their sum.

Every resource of the Blueprint is priced here or has no charge (render/_ledger.py lists the
Terraform types that cost nothing, with the reason); the Terraform is rendered from the same
resources, and tests/render/test_ledger.py plans it to check that both say the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from skylift.plan import _price_compute as c
from skylift.plan import _price_edge as e
from skylift.plan import _price_ops as o
from skylift.plan import _price_serverless as s
from skylift.plan import prices
from skylift.plan._cron import runs_per_month
from skylift.plan._hosts import budget_amount, current_host_cost
from skylift.plan._price_compute import alb_lcu
from skylift.plan._pricer import Line, Pricer
from skylift.plan.blueprint import Blueprint, Resource
from skylift.plan.prices import PriceBook


@dataclass
class Estimate:
    region: str
    prices_retrieved: str
    currency: str
    hours_per_month: int
    lines: list[Line]
    total: float
    current: dict[str, Any] | None = None  # {"host", "monthly", "lines", "source"}
    notes: list[str] = field(default_factory=list)
    price_file: str = ""  # where the prices come from (inside the skylift package)

    def by_resource(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in self.lines:
            out[line.resource] = round(out.get(line.resource, 0.0) + line.monthly, 2)
        return out

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def estimate(bp: Blueprint, book: PriceBook | None = None) -> Estimate:
    """Price every resource of the Blueprint with the region's price file."""
    book = book or prices.load(bp.region)
    pr = Pricer(book, bp)
    for r in bp.resources:
        fn = pricer_for(r)
        if fn:
            fn(pr, r)
    total = round(sum(line.monthly for line in pr.lines), 2)
    return Estimate(
        region=bp.region,
        prices_retrieved=book.retrieved,
        currency="USD",
        hours_per_month=book.hours_per_month,
        lines=pr.lines,
        total=total,
        current=current_host_cost(bp),
        notes=[book.note],
        price_file=f"skylift/plan/prices/{bp.region}.json",
    )


def pricer_for(r: Resource) -> Callable[[Pricer, Resource], None] | None:
    """The function that prices a resource; None for the few that are free by nature (the VPC)."""
    return PRICERS.get(r.key) or PRICERS_BY_KIND.get(r.kind)


PRICERS: dict[str, Callable[[Pricer, Resource], None]] = {
    "cross_az": c.cross_az,
    "ecs_service": c.fargate,
    "scheduler": c.scheduler,
    "alb": c.alb,
    "alb_logs": o.alb_logs,
    "nat_gateway": c.nat,
    "public_ipv4": c.ipv4,
    "egress": c.egress,
    "rds": o.rds,
    "elasticache": o.elasticache,
    "kms": o.kms,
    "secrets": o.secrets,
    "db_master_secret": o.db_secret,
    "logs": o.logs,
    "flow_logs": o.flow_logs,
    "container_insights": o.container_insights,
    "alarms": o.alarms,
    "waf": o.waf,
    "waf_logs": o.waf_logs,
    "route53": o.route53,
    "s3_backups": o.s3,
    "s3_uploads": o.s3,
    "ecr": o.ecr,
    "budget": o.budget,
    # compute = "lambda" (plan/_serverless.py)
    "lambda_function": s.lambda_function,
    "api_gateway": s.api_gateway,
    "websocket_api": s.websocket_api,
    "apigw_logs": s.apigw_logs,
    "rds_proxy": s.rds_proxy,
    "nat_instance": s.nat_instance,
    "vpc_endpoints": s.vpc_endpoints,
    # the edge and e-mail (plan/_edge.py, plan/_email.py)
    "cloudfront": e.cloudfront,
    "ses": e.ses,
    "db_export": e.db_export,
}

# worker_* and cron_service: Fargate services like the web one
PRICERS_BY_KIND: dict[str, Callable[[Pricer, Resource], None]] = {"ecs": c.fargate}

__all__ = ["Estimate", "Line", "alb_lcu", "budget_amount", "estimate", "runs_per_month"]
