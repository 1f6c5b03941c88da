"""Cost lines of compute and the network: Fargate services (on-demand and Spot), scheduled
tasks, Lambda, the load balancer, NAT, public IPv4 addresses and data transfer."""

from __future__ import annotations

from skylift.plan._cron import runs_per_month
from skylift.plan._pricer import Pricer
from skylift.plan.blueprint import Resource


def fargate(pr: Pricer, r: Resource) -> None:
    s, h = r.settings, pr.h
    on_demand = s["on_demand_base"] if s["spot"] else s["desired_count"]
    on_demand = min(on_demand, s["desired_count"])
    spot = s["desired_count"] - on_demand
    gb = s["memory"] / 1024
    arch = s["arch"]
    scaling = (
        f"runs {s['desired_count']} task(s) all month; autoscaling up to "
        f"{s['max_count']} adds cost only while it scales out"
        if s["max_count"] > s["desired_count"]
        else f"runs {s['desired_count']} task(s) all month"
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


def scheduler(pr: Pricer, r: Resource) -> None:
    jobs = r.settings["jobs"]
    if not jobs:
        return
    minutes = pr.bp.assumptions["cron_run_minutes"]
    runs = sum(runs_per_month(j["schedule"] or "") for j in jobs)
    hours = runs * minutes / 60
    if pr.bp.compute == "fargate":
        # each run is a one-off task of the web task definition with the job's command
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


def alb(pr: Pricer, r: Resource) -> None:
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


def nat(pr: Pricer, r: Resource) -> None:
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


def ipv4(pr: Pricer, r: Resource) -> None:
    s = r.settings
    parts = [
        f"{n} {what}"
        for n, what in (
            (s["alb"], "ALB (one per AZ)"),
            (s["tasks"], "task"),
            (s["nat_gateways"], "NAT EIP"),
            (s.get("nat_instances", 0), "NAT instance"),
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


def egress(pr: Pricer, r: Resource) -> None:
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


def cross_az(pr: Pricer, r: Resource) -> None:
    gb = r.settings["gb_per_month"]
    pr.add(
        r.key,
        "Data transfer between AZs",
        "transfer.cross_az_gb",
        2 * gb,
        f"{gb:g} GB x 2 (billed leaving one AZ and entering the other)",
        f"{gb:g} GB a month between tasks and the database/cache in another AZ",
    )
