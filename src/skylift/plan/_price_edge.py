"""Cost lines of the edge, e-mail and the database export: CloudFront (transfer and requests,
after its always-free monthly allowance), SES (messages sent), the daily pg_dump task."""

from __future__ import annotations

from skylift.plan._pricer import Pricer
from skylift.plan.blueprint import Resource


def cloudfront(pr: Pricer, r: Resource) -> None:
    a, s = pr.bp.assumptions, r.settings
    req, gb = a["requests_per_month"], a["egress_gb"]
    free_gb, free_req = s["free_gb_per_month"], s["free_requests_per_month"]
    pr.add(
        r.key,
        "CloudFront data transfer out to the internet",
        "cloudfront.gb_out",
        max(0.0, gb - free_gb),
        f"max(0, {gb:g} GB - {free_gb:,} GB free)",
        f"{req:,} requests x {a['avg_response_kb']} KB; the load balancer's transfer to "
        "CloudFront has no charge",
    )
    pr.add(
        r.key,
        "CloudFront HTTPS requests",
        "cloudfront.https_request_10k",
        max(0, req - free_req) / 10_000,
        f"max(0, {req:,} - {free_req:,} free) / 10,000",
        f"{req:,} requests a month",
    )


def ses(pr: Pricer, r: Resource) -> None:
    n = r.settings["messages_per_month"]
    pr.add(
        r.key,
        "SES outbound messages",
        "ses.message_thousand",
        n / 1000,
        f"{n:,} messages / 1,000",
        f"{n:,} messages a month (usage.emails_per_month)",
    )


def db_export(pr: Pricer, r: Resource) -> None:
    """The daily pg_dump task (plan/_backup.py) and its schedule."""
    s = r.settings
    runs, minutes, arch = s["runs_per_month"], s["run_minutes"], s["arch"]
    hours = runs * minutes / 60
    vcpu, gb = s["cpu_units"] / 1024, s["memory"] / 1024
    why = f"one {minutes}-minute task a day (pg_dump into the backups bucket)"
    pr.add(
        r.key,
        f"Database export task vCPU ({arch})",
        f"fargate.vcpu_hour.{arch}",
        hours * vcpu,
        f"{runs} run(s) x {minutes} min x {vcpu:g} vCPU",
        why,
    )
    pr.add(
        r.key,
        f"Database export task memory ({arch})",
        f"fargate.gb_hour.{arch}",
        hours * gb,
        f"{runs} run(s) x {minutes} min x {gb:g} GB",
        why,
    )
    pr.add(
        r.key,
        "EventBridge Scheduler invocations (database export)",
        "scheduler.invocation_million",
        runs / 1e6,
        f"{runs} invocation(s) / 1,000,000",
        "within the 14 million free",
    )
