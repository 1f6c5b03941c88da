"""Cost lines of the serverless design: the function (requests, compute, provisioned
concurrency), the HTTP and WebSocket APIs and their access logs, RDS Proxy, the NAT instance."""

from __future__ import annotations

from skylift.plan._price_ops import _log_group
from skylift.plan._pricer import Pricer
from skylift.plan.blueprint import Resource

SECONDS_PER_HOUR = 3600


def lambda_function(pr: Pricer, r: Resource) -> None:
    s, a = r.settings, pr.bp.assumptions
    req = a["requests_per_month"]
    gb = s["memory_mb"] / 1024
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
        f"Lambda compute ({s['arch']})",
        f"lambda.gb_second.{s['arch']}",
        req * a["lambda_avg_ms"] / 1000 * gb,
        f"{req:,} x {a['lambda_avg_ms']} ms x {gb:g} GB",
        f"average duration {a['lambda_avg_ms']} ms (requests served by warm environments "
        "are billed a little less: not subtracted)",
    )
    warm = s.get("provisioned_concurrency", 0)
    if warm:
        seconds = pr.h * SECONDS_PER_HOUR
        pr.add(
            r.key,
            f"Lambda provisioned concurrency ({s['arch']})",
            f"lambda.provisioned_gb_second.{s['arch']}",
            warm * gb * seconds,
            f"{warm} environment(s) x {gb:g} GB x {pr.h} h x 3,600 s",
            "kept warm all month (sizes.lambda_provisioned_concurrency)",
        )


def api_gateway(pr: Pricer, r: Resource) -> None:
    req = pr.bp.assumptions["requests_per_month"]
    pr.add(
        r.key,
        "HTTP API requests",
        "apigw_http.request_million",
        req / 1e6,
        f"{req:,} requests / 1,000,000",
        f"{req:,} requests a month",
    )


def websocket_api(pr: Pricer, r: Resource) -> None:
    s, a = r.settings, pr.bp.assumptions
    msgs, minutes = s["messages_per_month"], s["connection_minutes"]
    pr.add(
        r.key,
        "WebSocket API messages",
        "apigw_ws.message_million",
        msgs / 1e6,
        f"{msgs:,} messages / 1,000,000",
        f"{msgs:,} messages a month (usage.ws_messages_per_month)",
    )
    pr.add(
        r.key,
        "WebSocket API connection minutes",
        "apigw_ws.connection_minute_million",
        minutes / 1e6,
        f"{minutes:,} connection-minutes / 1,000,000",
        f"{minutes:,} connection-minutes a month (usage.ws_connection_minutes)",
    )
    fn = pr.bp.resource("lambda_function")
    assert fn is not None
    gb, arch = fn.settings["memory_mb"] / 1024, fn.settings["arch"]
    pr.add(
        r.key,
        "Lambda requests from WebSocket messages",
        "lambda.request_million",
        msgs / 1e6,
        f"{msgs:,} invocations / 1,000,000",
        "each message (and each connect and disconnect) invokes the function",
    )
    pr.add(
        r.key,
        f"Lambda compute for WebSocket messages ({arch})",
        f"lambda.gb_second.{arch}",
        msgs * a["lambda_avg_ms"] / 1000 * gb,
        f"{msgs:,} x {a['lambda_avg_ms']} ms x {gb:g} GB",
        f"average duration {a['lambda_avg_ms']} ms",
    )


def apigw_logs(pr: Pricer, r: Resource) -> None:
    n, kb = r.settings["records_per_month"], r.settings["kb_per_record"]
    gb = round(n * kb / 1e6, 4)
    _log_group(pr, r, "API Gateway access logs", gb, f"{n:,} records x {kb:g} KB")


def rds_proxy(pr: Pricer, r: Resource) -> None:
    v = r.settings["vcpus"]
    pr.add(
        r.key,
        "RDS Proxy",
        "rds_proxy.vcpu_hour",
        v * pr.h,
        f"{v} vCPU x {pr.h} h",
        f"billed per vCPU of {r.settings['instance_class']} (at least 2)",
    )


def nat_instance(pr: Pricer, r: Resource) -> None:
    s = r.settings
    pr.add(
        r.key,
        f"NAT instance ({s['instance_type']})",
        f"ec2.{s['instance_type']}.hour",
        pr.h,
        f"1 instance x {pr.h} h",
        "no per-GB processing charge (NAT gateways charge one)",
    )
    pr.add(
        r.key,
        "NAT instance root volume (gp3)",
        "ebs.gp3.gb_month",
        s["root_gb"],
        f"{s['root_gb']} GB",
    )


def vpc_endpoints(pr: Pricer, r: Resource) -> None:
    s = r.settings
    n, azs = len(s["services"]), s["azs"]
    pr.add(
        r.key,
        f"interface endpoints ({', '.join(s['services'])})",
        "vpce.hour",
        n * azs * pr.h,
        f"{n} endpoint(s) x {azs} AZ x {pr.h} h",
        "billed per endpoint in each AZ, whether used or not",
    )
    pr.add(
        r.key,
        "interface endpoints data processed",
        "vpce.gb",
        s["gb_per_month"],
        f"{s['gb_per_month']:g} GB",
        "the secrets read at each cold start and the app's own AWS calls",
    )
