"""The monthly cost of a Blueprint, one line per billable dimension of each resource.

Each line is `quantity x unit price = monthly`, with the arithmetic that formed the quantity
(`basis`) and, for lines that depend on traffic, the usage assumption behind it. The quantity is
rounded to 4 decimals *before* multiplying and each line to cents, so the table checks out by
hand: every monthly figure is round(quantity x unit_price, 2) and the total is their sum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from skylift.plan import prices
from skylift.plan._cron import runs_per_month
from skylift.plan._hosts import budget_amount, current_host_cost
from skylift.plan.blueprint import Blueprint, Resource
from skylift.plan.prices import PriceBook


@dataclass
class Line:
    resource: str  # Blueprint resource key
    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float
    basis: str  # how the quantity was formed: "1 task x 0.25 vCPU x 730 h"
    assumption: str | None  # the usage assumption, for lines that depend on traffic
    price_key: str
    source: str


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

    def by_resource(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in self.lines:
            out[line.resource] = round(out.get(line.resource, 0.0) + line.monthly, 2)
        return out

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Pricer:
    def __init__(self, book: PriceBook, bp: Blueprint) -> None:
        self.book, self.bp = book, bp
        self.h = book.hours_per_month
        self.lines: list[Line] = []

    def add(
        self, res: str, item: str, key: str, qty: float, basis: str, assumption: str | None = None
    ) -> None:
        p = self.book.get(key)
        q = round(qty, 4)
        self.lines.append(
            Line(
                res,
                item,
                q,
                p.unit,
                p.price,
                round(q * p.price, 2),
                basis,
                assumption,
                key,
                p.source,
            )
        )


def estimate(bp: Blueprint, book: PriceBook | None = None) -> Estimate:
    """Price every resource of the Blueprint with the region's price file."""
    book = book or prices.load(bp.region)
    pr = _Pricer(book, bp)
    for r in bp.resources:
        fn = PRICERS.get(r.key) or PRICERS_BY_KIND.get(r.kind)
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
    )


def _fargate(pr: _Pricer, r: Resource) -> None:
    s, h = r.settings, pr.h
    on_demand = s["on_demand_base"] if s["spot"] else s["desired_count"]
    spot = s["desired_count"] - on_demand
    gb = s["memory"] / 1024
    arch = s["arch"]
    scaling = (
        f"runs {s['desired_count']} task(s) all month; autoscaling up to "
        f"{s['max_count']} adds cost only while it scales out"
    )
    for n, prefix, label in ((on_demand, "fargate", ""), (spot, "fargate_spot", " Spot")):
        if n == 0:
            continue
        pr.add(
            r.key,
            f"Fargate{label} vCPU ({arch})",
            f"{prefix}.vcpu_hour.{arch}",
            n * s["cpu"] * h,
            f"{n} task(s) x {s['cpu']} vCPU x {h} h",
            scaling,
        )
        pr.add(
            r.key,
            f"Fargate{label} memory ({arch})",
            f"{prefix}.gb_hour.{arch}",
            n * gb * h,
            f"{n} task(s) x {gb:g} GB x {h} h",
            scaling,
        )


def _scheduler(pr: _Pricer, r: Resource) -> None:
    jobs = r.settings["jobs"]
    if not jobs:
        return
    minutes = pr.bp.assumptions["cron_run_minutes"]
    runs = sum(runs_per_month(j["schedule"] or "") for j in jobs)
    hours = runs * minutes / 60
    if pr.bp.compute == "fargate":
        svc = pr.bp.resource("ecs_service")
        assert svc is not None
        s, arch = svc.settings, svc.settings["arch"]
        pr.add(
            r.key,
            f"Scheduled job tasks vCPU ({arch})",
            f"fargate.vcpu_hour.{arch}",
            hours * s["cpu"],
            f"{runs} run(s) x {minutes} min x {s['cpu']} vCPU",
            f"each run lasts {minutes} minutes",
        )
        pr.add(
            r.key,
            f"Scheduled job tasks memory ({arch})",
            f"fargate.gb_hour.{arch}",
            hours * s["memory"] / 1024,
            f"{runs} run(s) x {minutes} min x {s['memory'] / 1024:g} GB",
            f"each run lasts {minutes} minutes",
        )
    pr.add(
        r.key,
        "EventBridge Scheduler invocations",
        "scheduler.invocation_million",
        runs / 1e6,
        f"{runs} invocation(s) / 1,000,000",
        "within the 14 million free",
    )


def _lambda(pr: _Pricer, r: Resource) -> None:
    a = pr.bp.assumptions
    req = a["requests_per_month"]
    gb = r.settings["memory_mb"] / 1024
    gbs = req * a["lambda_avg_ms"] / 1000 * gb
    free = "Lambda's free tier (1M requests, 400,000 GB-s a month) is not subtracted"
    pr.add(
        r.key,
        "Lambda requests",
        "lambda.request_million",
        req / 1e6,
        f"{req:,} requests / 1,000,000",
        f"{req:,} requests a month; {free}",
    )
    pr.add(
        r.key,
        f"Lambda compute ({r.settings['arch']})",
        f"lambda.gb_second.{r.settings['arch']}",
        gbs,
        f"{req:,} x {a['lambda_avg_ms']} ms x {gb:g} GB",
        f"average duration {a['lambda_avg_ms']} ms",
    )


def _alb(pr: _Pricer, r: Resource) -> None:
    a, h = pr.bp.assumptions, pr.h
    pr.add(r.key, "ALB hours", "alb.hour", h, f"1 load balancer x {h} h")
    lcu = alb_lcu(a["requests_per_month"], a["egress_gb"], h)
    pr.add(
        r.key,
        "ALB capacity units (LCU)",
        "alb.lcu_hour",
        lcu * h,
        f"{lcu:.4f} LCU on average x {h} h",
        f"{a['requests_per_month']:,} requests and {a['egress_gb']} GB a month, evenly spread",
    )


def alb_lcu(requests: int, egress_gb: float, hours: int) -> float:
    """Average LCU: the largest of new connections (25/s), processed bytes (1 GB/h) and rule
    evaluations (1,000/s); every request assumed to open a connection (the worst case)."""
    per_second = requests / (hours * 3600)
    return round(max(per_second / 25, egress_gb / hours, per_second / 1000), 4)


def _api_gateway(pr: _Pricer, r: Resource) -> None:
    req = pr.bp.assumptions["requests_per_month"]
    pr.add(
        r.key,
        "HTTP API requests",
        "apigw_http.request_million",
        req / 1e6,
        f"{req:,} requests / 1,000,000",
        f"{req:,} requests a month",
    )


def _nat(pr: _Pricer, r: Resource) -> None:
    gb = pr.bp.assumptions["nat_gb"]
    pr.add(r.key, "NAT gateway hours", "nat.hour", r.count * pr.h, f"{r.count} x {pr.h} h")
    pr.add(
        r.key,
        "NAT data processed",
        "nat.gb",
        gb,
        f"{gb:g} GB",
        f"{gb:g} GB a month of outbound calls, log shipping and image pulls not covered "
        "by the free S3 gateway endpoint",
    )


def _ipv4(pr: _Pricer, r: Resource) -> None:
    s = r.settings
    parts = [
        f"{n} {what}"
        for n, what in (
            (s["alb"], "ALB (one per AZ)"),
            (s["tasks"], "task"),
            (s["nat_gateways"], "NAT EIP"),
        )
        if n
    ]
    if r.count:
        pr.add(
            r.key,
            "Public IPv4 addresses",
            "ipv4.hour",
            r.count * pr.h,
            f"{r.count} address(es) [{' + '.join(parts)}] x {pr.h} h",
        )


def _rds(pr: _Pricer, r: Resource) -> None:
    s, h = r.settings, pr.h
    copies = 2 if s["multi_az"] else 1
    why = " (Multi-AZ: primary + standby)" if copies == 2 else ""
    pr.add(
        r.key,
        f"RDS {s['instance_class']} instance{why}",
        f"rds.{s['instance_class']}.hour",
        copies * h,
        f"{copies} instance(s) x {h} h",
    )
    pr.add(
        r.key,
        f"RDS gp3 storage{why}",
        "rds.storage_gp3.gb_month",
        copies * s["allocated_storage"],
        f"{copies} x {s['allocated_storage']} GB",
    )
    extra = pr.bp.assumptions["db_backup_extra_gb"]
    pr.add(
        r.key,
        "RDS backup storage beyond the free allowance",
        "rds.backup.gb_month",
        extra,
        f"{extra:g} GB",
        f"backups up to {s['allocated_storage']} GB (100% of storage) are "
        f"free; {s['backup_retention_period']} days of a small database stay within it",
    )


def _rds_proxy(pr: _Pricer, r: Resource) -> None:
    pr.add(r.key, "RDS Proxy", "rds_proxy.vcpu_hour", 2 * pr.h, f"2 vCPU (minimum) x {pr.h} h")


def _elasticache(pr: _Pricer, r: Resource) -> None:
    t = r.settings["node_type"]
    pr.add(
        r.key,
        f"ElastiCache {t} nodes",
        f"elasticache.{t}.hour",
        r.count * pr.h,
        f"{r.count} node(s) x {pr.h} h",
    )


def _secrets(pr: _Pricer, r: Resource) -> None:
    if r.count:
        pr.add(
            r.key,
            "SSM standard parameters (SecureString)",
            "ssm.standard_parameter_month",
            r.count,
            f"{r.count} parameter(s)",
        )


def _db_secret(pr: _Pricer, r: Resource) -> None:
    pr.add(
        r.key, "Secrets Manager: RDS master password", "secretsmanager.secret_month", 1, "1 secret"
    )


def _logs(pr: _Pricer, r: Resource) -> None:
    gb, days = pr.bp.assumptions["log_gb"], r.settings["retention_days"]
    stored = gb * days / 30
    pr.add(
        r.key,
        "CloudWatch Logs ingestion",
        "logs.ingest_gb",
        gb,
        f"{gb:g} GB",
        f"{gb:g} GB of logs a month",
    )
    pr.add(
        r.key,
        "CloudWatch Logs storage",
        "logs.storage_gb_month",
        stored,
        f"{gb:g} GB x {days} days retention / 30",
        "steady state, before compression",
    )


def _alarms(pr: _Pricer, r: Resource) -> None:
    if r.count:
        pr.add(r.key, "CloudWatch alarms", "cloudwatch.alarm_month", r.count, f"{r.count} alarm(s)")


def _waf(pr: _Pricer, r: Resource) -> None:
    req = pr.bp.assumptions["requests_per_month"]
    n = len(r.settings["rules"])
    pr.add(r.key, "WAF web ACL", "waf.acl_month", 1, "1 web ACL")
    pr.add(r.key, "WAF rules", "waf.rule_month", n, f"{n} rule(s)")
    pr.add(
        r.key,
        "WAF requests",
        "waf.request_million",
        req / 1e6,
        f"{req:,} requests / 1,000,000",
        f"{req:,} requests a month",
    )


def _route53(pr: _Pricer, r: Resource) -> None:
    pr.add(r.key, "Route 53 hosted zone", "route53.zone_month", 1, f"1 zone ({r.settings['zone']})")
    req = pr.bp.assumptions["requests_per_month"]
    pr.add(
        r.key,
        "Route 53 alias queries",
        "route53.alias_query_million",
        req / 1e6,
        f"at most {req:,} queries / 1,000,000",
        "alias records to AWS resources are free",
    )
    pr.add(r.key, "ACM certificate", "acm.certificate_month", 1, "1 public certificate")


def _s3(pr: _Pricer, r: Resource) -> None:
    if r.key == "s3_uploads":
        gb = pr.bp.assumptions["s3_uploads_gb"]
        item, why = "S3 uploads bucket", f"{gb:g} GB of files the app stores"
    else:
        gb = pr.bp.assumptions["s3_backup_gb"]
        item, why = "S3 backups bucket", f"{gb:g} GB of dumps kept 35 days"
    pr.add(r.key, item, "s3.standard_gb_month", gb, f"{gb:g} GB", why)


def _ecr(pr: _Pricer, r: Resource) -> None:
    gb = pr.bp.assumptions["ecr_gb"]
    pr.add(
        r.key,
        "ECR image storage",
        "ecr.gb_month",
        gb,
        f"{gb:g} GB",
        f"{r.settings['keep_images']} images kept, {gb:g} GB in all",
    )


def _budget(pr: _Pricer, r: Resource) -> None:
    pr.add(r.key, "AWS Budgets alert", "budgets.budget_month", 1, "1 budget")


def _egress(pr: _Pricer, r: Resource) -> None:
    gb, free = r.settings["gb_per_month"], r.settings["free_gb_per_month"]
    billable = max(0.0, gb - free)
    pr.add(
        r.key,
        "Data transfer out to the internet",
        "egress.internet_gb",
        billable,
        f"max(0, {gb:g} GB - {free} GB free)",
        f"{pr.bp.assumptions['requests_per_month']:,} requests x "
        f"{pr.bp.assumptions['avg_response_kb']} KB",
    )


def _cross_az(pr: _Pricer, r: Resource) -> None:
    gb = r.settings["gb_per_month"]
    pr.add(
        r.key,
        "Data transfer between AZs",
        "transfer.cross_az_gb",
        2 * gb,
        f"{gb:g} GB x 2 (billed leaving one AZ and entering the other)",
        f"{gb:g} GB a month between tasks and the database/cache in another AZ",
    )


PRICERS: dict[str, Callable[[_Pricer, Resource], None]] = {
    "cross_az": _cross_az,
    "ecs_service": _fargate,
    "lambda_function": _lambda,
    "scheduler": _scheduler,
    "alb": _alb,
    "api_gateway": _api_gateway,
    "nat_gateway": _nat,
    "public_ipv4": _ipv4,
    "rds": _rds,
    "rds_proxy": _rds_proxy,
    "elasticache": _elasticache,
    "secrets": _secrets,
    "db_master_secret": _db_secret,
    "logs": _logs,
    "alarms": _alarms,
    "waf": _waf,
    "route53": _route53,
    "s3_backups": _s3,
    "s3_uploads": _s3,
    "ecr": _ecr,
    "budget": _budget,
    "egress": _egress,
}


PRICERS_BY_KIND: dict[str, Callable[[_Pricer, Resource], None]] = {"ecs": _fargate}

__all__ = ["Estimate", "Line", "alb_lcu", "budget_amount", "estimate", "runs_per_month"]
