"""Cost lines of the edge and of e-mail: CloudFront (data transfer out and HTTPS requests,
after its always-free monthly allowance) and SES (messages sent)."""

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
