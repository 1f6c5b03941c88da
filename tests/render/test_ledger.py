"""The plan promises what the Terraform builds, and prices everything it builds.

Fast: on every render, each generated Terraform resource is claimed by a priced Blueprint
resource or is of a type listed as free (with its reason), and each priced resource is
generated (render/_ledger.py). Slow: `terraform plan` of a matrix of apps (tests/render/
matrix.py) against moto, checked instance by instance and quantity by quantity against the
cost table: services, tasks and Spot, alarms and the metrics they read, NAT gateways and
public addresses, database and cache sizes, WAF rules, zones, schedules, log groups, buckets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from skylift.plan.cost import Line, pricer_for
from skylift.plan.report import Plan
from skylift.render import _ledger, render_files
from tests.render import matrix, tfplan


@pytest.fixture(scope="module")
def variants() -> dict[str, Plan]:
    return matrix.variants()


def _files(plan: Plan) -> dict[str, str]:
    files, _ = render_files(
        Path("/nonexistent"), plan.blueprint, budget_usd=100, github_repository="a/b"
    )
    return files


def test_every_free_type_says_why_and_no_priced_resource_hides_among_them() -> None:
    for rtype, why in _ledger.FREE.items():
        assert len(why) > 15, rtype
    priced = ("aws_nat_gateway", "aws_lb", "aws_db_instance", "aws_kms_key", "aws_flow_log")
    for billable in (*priced, "aws_vpc_endpoint", "aws_vpc_endpoint.interface"):
        assert billable not in _ledger.FREE


def test_every_resource_of_every_plan_is_priced_or_generated_on_purpose(
    variants: dict[str, Plan],
) -> None:
    for name, plan in variants.items():
        lines = {line.resource for line in plan.estimate.lines}
        for r in plan.blueprint.resources:
            if r.provisioned:
                assert r.terraform, f"{name}: {r.key} names no Terraform resource"
            if pricer_for(r) is not None:
                continue
            assert r.key == "vpc", f"{name}: {r.key} has no price"
        assert {r.key for r in plan.blueprint.resources if pricer_for(r)} >= lines


def test_render_refuses_terraform_the_plan_does_not_price(variants: dict[str, Plan]) -> None:
    plan = variants["pantrypal"]
    files = _files(plan)
    extra = dict(files)
    extra["infra/extra.tf"] = 'resource "aws_instance" "bastion" {\n}\n'
    with pytest.raises(
        _ledger.LedgerError, match=r"generated but not priced: aws_instance\.bastion"
    ):
        _ledger.check(plan.blueprint, extra)
    fewer = {k: v for k, v in files.items() if k != "infra/backups.tf"}
    with pytest.raises(
        _ledger.LedgerError, match=r"priced but not generated: aws_s3_bucket\.backups"
    ):
        _ledger.check(plan.blueprint, fewer)


def test_workers_run_their_own_command_with_the_web_environment(variants: dict[str, Plan]) -> None:
    files = _files(variants["django-production"])
    workers = files["infra/workers.tf"]
    assert 'command                = ["celery", "-A", "shop", "worker", "-l", "info"]' in workers
    assert 'family                   = "${local.name}-beat"' in workers
    # the cron service turns the app's own switch on; the web tasks get it off
    assert '{ name = "SCHEDULER_ENABLED", value = "true" }' in workers
    assert '{ name = "SCHEDULER_ENABLED", value = "false" }' in files["infra/ecs.tf"]
    assert "RUN_CRON" not in files["infra/ecs.tf"] + workers
    # a scheduler never runs twice: the deploy stops the old task first, and never on Spot
    beat = workers.split('resource "aws_ecs_service" "worker_beat"')[1].split("\nresource ")[0]
    assert "deployment_maximum_percent         = 100" in beat and "SPOT" not in beat
    # CI deploys every service with the new image
    workflow = files[".github/workflows/deploy.yml"]
    assert "for name in worker beat cron; do" in workflow
    queue = _files(variants["queue-starter"])["infra/workers.tf"]
    assert '{ name = "APP_TYPE", value = "worker" }' in queue
    assert '!contains(["APP_TYPE"], e.name)' in queue  # the web role's APP_TYPE is replaced


def test_in_process_cron_without_a_switch_is_not_promised_a_cron_service(
    variants: dict[str, Plan],
) -> None:
    plan = variants["ledger-starter-public"]  # 3 tasks, a robfig/cron job, no switch
    assert not plan.blueprint.has("cron_service")
    assert not any(k.startswith(("RUN_CRON", "CRON")) for k in plan.blueprint.config_env)
    decision = plan.blueprint.decisions["cron"]
    assert "runs on every web task" in decision.choice
    assert plan.blueprint.resource("scheduler").count == 2  # the two jobs with commands


# --- terraform plan of the matrix ----------------------------------------------------------


@pytest.fixture(scope="module")
def planned(
    variants: dict[str, Plan], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tfplan.Planned]:
    work = tmp_path_factory.mktemp("ledger")
    return tfplan.plan_all(work, {name: p.blueprint for name, p in variants.items()})


NAMES = [
    "django-production",
    "queue-starter",
    "ledger-production",
    "ledger-starter-public",
    "shop-starter",
    "gallery-storages",
    "pantrypal",
    "pos-api",
    "gengar",
    "github-api",
    "tracker",
    "gengar-production",
    "queue-lambda",
    "pos-api-lambda",
    "pos-api-lambda-production",
    "pos-api-lambda-no-nat",
]


@pytest.mark.terraform
@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_terraform_plan_builds_exactly_what_is_priced(
    name: str, variants: dict[str, Plan], planned: dict[str, tfplan.Planned]
) -> None:
    if name not in variants:
        pytest.skip(f"examples/{name} is not in this checkout")
    plan, tf = variants[name], planned[name]
    claims = _ledger.claims(plan.blueprint)
    priced = {line.resource for line in plan.estimate.lines}
    for inst in tf.instances:
        base = re.sub(r"\[[^\]]*\]$", "", inst["address"])
        owners = claims.get(base)
        free = inst["type"] in _ledger.FREE or base in _ledger.FREE
        if owners and not free:
            assert set(owners) & priced, f"{base} is claimed by {owners}, which have no cost line"
        elif not owners:
            assert free, f"{base} is built but not priced"
    for r in plan.blueprint.resources:
        for address in r.terraform:
            assert tf.of(address), f"{r.key} is priced but Terraform builds no {address}"
    for address in _ledger.GATED:
        if address not in claims:
            assert not tf.of(address), f"{address} is built, but nothing prices it"
    for check in QUANTITY_CHECKS:
        check(plan, tf)


def _lines(plan: Plan, resource: str, item: str = "") -> list[Line]:
    return [ln for ln in plan.estimate.lines if ln.resource == resource and item in ln.item]


def _one(plan: Plan, resource: str, item: str) -> float:
    lines = _lines(plan, resource, item)
    assert len(lines) == 1, f"{resource}: expected one '{item}' line, the plan has {lines}"
    return lines[0].quantity


def _services(plan: Plan, tf: tfplan.Planned) -> None:
    """Each service's tasks, size and Spot share, as Terraform would run them."""
    h = 730
    for r in plan.blueprint.resources:
        if r.kind != "ecs":
            continue
        (svc,) = tf.of(r.terraform[0])
        name = r.terraform[0].split(".")[1]
        (task,) = tf.of(f"aws_ecs_task_definition.{name}")
        v, t = svc["values"], task["values"]
        n = v["desired_count"]
        base = next(
            (
                s["base"] or 0
                for s in v["capacity_provider_strategy"]
                if s["capacity_provider"] == "FARGATE"
            ),
            None,
        )
        spot_n = 0 if v.get("launch_type") == "FARGATE" else n - min(base or 0, n)
        arch = "arm64" if t["runtime_platform"][0]["cpu_architecture"] == "ARM64" else "x86_64"
        vcpu, gb = int(t["cpu"]) / 1024, int(t["memory"]) / 1024
        if n - spot_n:
            assert _one(plan, r.key, f"Fargate vCPU ({arch})") == (n - spot_n) * vcpu * h
            assert _one(plan, r.key, f"Fargate memory ({arch})") == (n - spot_n) * gb * h
        if spot_n:
            assert _one(plan, r.key, f"Fargate Spot vCPU ({arch})") == spot_n * vcpu * h
            assert _one(plan, r.key, f"Fargate Spot memory ({arch})") == spot_n * gb * h
        else:
            assert not _lines(plan, r.key, "Spot")


def _alarms(plan: Plan, tf: tfplan.Planned) -> None:
    alarms = tf.by_type("aws_cloudwatch_metric_alarm")
    metrics = sum(sum(1 for q in a["values"]["metric_query"] if q["metric"]) or 1 for a in alarms)
    assert _one(plan, "alarms", "alarm metrics") == metrics


def _network(plan: Plan, tf: tfplan.Planned) -> None:
    nat = len(tf.by_type("aws_nat_gateway"))
    assert sum(ln.quantity for ln in _lines(plan, "nat_gateway", "hours")) == nat * 730
    public_tasks = sum(
        s["values"]["desired_count"]
        for s in tf.by_type("aws_ecs_service")
        if s["values"]["network_configuration"][0]["assign_public_ip"]
    )
    alb = len(tf.of("aws_subnet.public")) if tf.by_type("aws_lb") else 0  # one per AZ
    addresses = len(tf.by_type("aws_eip")) + public_tasks + alb  # NAT gateways' and instance's
    if addresses:
        assert _one(plan, "public_ipv4", "Public IPv4") == addresses * 730
    else:  # a function without NAT has no public address at all
        assert not _lines(plan, "public_ipv4")
    for inst in tf.by_type("aws_instance"):  # the NAT instance
        t = inst["values"]["instance_type"]
        assert _one(plan, "nat_instance", f"NAT instance ({t})") == 730
        size = inst["values"]["root_block_device"][0]["volume_size"]
        assert _one(plan, "nat_instance", "root volume") == size
    interface = [e for e in tf.by_type("aws_vpc_endpoint") if e["address"] != "aws_vpc_endpoint.s3"]
    for endpoint in tf.by_type("aws_vpc_endpoint"):
        kind = endpoint["values"]["vpc_endpoint_type"]
        assert kind == ("Gateway" if endpoint["address"] == "aws_vpc_endpoint.s3" else "Interface")
    # interface endpoints: billed per endpoint in each AZ (subnet) it is in, and per GB
    endpoint_azs = sum(_subnet_count(e, tf) for e in interface)
    hours = sum(ln.quantity for ln in _lines(plan, "vpc_endpoints", "interface endpoints ("))
    assert hours == endpoint_azs * 730
    assert bool(interface) == bool(_lines(plan, "vpc_endpoints", "data processed"))
    if interface:  # the function has no NAT, and reads its secrets through them
        assert not tf.by_type("aws_nat_gateway") and not tf.by_type("aws_instance")
        services = {e["values"]["service_name"].rsplit(".", 1)[1] for e in interface}
        assert services == set(plan.blueprint.resource("vpc_endpoints").settings["services"])


def _subnet_count(endpoint: dict[str, Any], tf: tfplan.Planned) -> int:
    """The subnets (one per AZ) an interface endpoint is in, known or not yet (new subnets)."""
    known = endpoint["values"].get("subnet_ids")
    unknown = endpoint["change"].get("after_unknown", {}).get("subnet_ids")
    if known:
        return len(known)
    if isinstance(unknown, list):
        return len(unknown)
    return len(tf.of("aws_subnet.private"))  # the whole list is unknown: the private subnets


def _data(plan: Plan, tf: tfplan.Planned) -> None:
    for db in tf.by_type("aws_db_instance"):
        v = db["values"]
        copies = 2 if v["multi_az"] else 1
        assert _one(plan, "rds", f"RDS {v['instance_class']} instance") == copies * 730
        assert _one(plan, "rds", "gp3 storage") == copies * v["allocated_storage"]
    for rg in tf.by_type("aws_elasticache_replication_group"):
        v = rg["values"]
        assert _one(plan, "elasticache", v["node_type"]) == v["num_cache_clusters"] * 730


def _operations(plan: Plan, tf: tfplan.Planned) -> None:
    for acl in tf.by_type("aws_wafv2_web_acl"):
        assert _one(plan, "waf", "WAF rules") == len(acl["values"]["rule"])
    assert _one(plan, "kms", "customer-managed key") == len(tf.by_type("aws_kms_key"))
    zones = len(tf.by_type("aws_route53_zone"))
    assert len(_lines(plan, "route53", "hosted zone")) == zones
    # the cron jobs' schedules (the database export's is priced with its task: db_export)
    schedules = len([s for s in tf.by_type("aws_scheduler_schedule") if s["name"] != "db_export"])
    assert len(_lines(plan, "db_export", "invocations")) == len(
        tf.of("aws_scheduler_schedule.db_export")
    )
    assert len(_lines(plan, "scheduler", "invocations")) == (1 if schedules else 0)
    if schedules:
        assert plan.blueprint.resource("scheduler").count == schedules  # type: ignore[union-attr]
    insights = any(
        c["values"]["setting"][0]["value"] == "enabled" for c in tf.by_type("aws_ecs_cluster")
    )
    assert bool(_lines(plan, "container_insights")) == insights
    for group in tf.by_type("aws_cloudwatch_log_group"):
        owner = {"app": "logs", "flow": "flow_logs", "waf": "waf_logs", "apigw": "apigw_logs"}[
            group["name"]
        ]
        days = group["values"]["retention_in_days"]
        assert f"x {days} days retention" in _lines(plan, owner, "storage")[0].basis
    buckets = {b["name"] for b in tf.by_type("aws_s3_bucket")}
    owners = {"alb_logs": "alb_logs", "backups": "s3_backups", "uploads": "s3_uploads"}
    assert {owners[b] for b in buckets} == {
        ln.resource for ln in plan.estimate.lines if ln.resource in owners.values()
    }


def _serverless(plan: Plan, tf: tfplan.Planned) -> None:
    """The function's size and warm environments, the APIs, the proxy's vCPUs, as built."""
    h = 730
    for fn in tf.by_type("aws_lambda_function"):
        v = fn["values"]
        arch = v["architectures"][0]
        gb = v["memory_size"] / 1024
        req = plan.blueprint.assumptions["requests_per_month"]
        ms = plan.blueprint.assumptions["lambda_avg_ms"]
        assert _one(plan, "lambda_function", f"Lambda compute ({arch})") == req * ms / 1000 * gb
        warm = sum(
            c["values"]["provisioned_concurrent_executions"]
            for c in tf.by_type("aws_lambda_provisioned_concurrency_config")
        )
        lines = _lines(plan, "lambda_function", "provisioned concurrency")
        assert (lines[0].quantity if lines else 0) == warm * gb * h * 3600
    apis = {a["name"]: a["values"]["protocol_type"] for a in tf.by_type("aws_apigatewayv2_api")}
    assert bool(_lines(plan, "api_gateway")) == ("main" in apis)
    assert bool(_lines(plan, "websocket_api")) == (apis.get("ws") == "WEBSOCKET")
    proxies = tf.by_type("aws_db_proxy")
    assert bool(_lines(plan, "rds_proxy")) == bool(proxies)
    for db in tf.by_type("aws_db_instance") if proxies else []:
        vcpus = max(2, 4 if "xlarge" in db["values"]["instance_class"] else 2)
        assert _one(plan, "rds_proxy", "RDS Proxy") == vcpus * h
    if apis:  # no WAF on an HTTP API, ever
        assert not tf.by_type("aws_wafv2_web_acl_association")


def _edge(plan: Plan, tf: tfplan.Planned) -> None:
    """CloudFront in front: its transfer and requests are priced, the ALB's egress is not (the
    origin's transfer to CloudFront has no charge); one web ACL, at CloudFront's scope."""
    distributions = tf.by_type("aws_cloudfront_distribution")
    assert len(_lines(plan, "cloudfront")) == (2 if distributions else 0)
    assert bool(_lines(plan, "egress")) == (not distributions)
    if distributions:
        (acl,) = tf.by_type("aws_wafv2_web_acl")
        assert acl["values"]["scope"] == "CLOUDFRONT"
        assert not tf.by_type("aws_wafv2_web_acl_association")
        (d,) = distributions
        assert d["values"]["ordered_cache_behavior"][0]["path_pattern"] == "/_next/static/*"
    # SES: its messages are priced when the domain identity is built, and nothing else of it
    identities = tf.by_type("aws_sesv2_email_identity")
    assert len(_lines(plan, "ses")) == len(identities) <= 1


QUANTITY_CHECKS: list[Callable[[Plan, tfplan.Planned], Any]] = [
    _serverless,
    _services,
    _alarms,
    _network,
    _data,
    _operations,
    _edge,
]


@pytest.mark.terraform
@pytest.mark.slow
def test_terraform_never_repoints_a_live_domain(planned: dict[str, tfplan.Planned]) -> None:
    """In a zone that exists (the domain answers from the current host), the app's name is
    left to `skylift cutover`; in a zone Terraform creates, nothing answers until delegation."""
    existing = planned["queue-starter"]  # app.route53_zone_id set
    assert not existing.by_type("aws_route53_zone")
    assert existing.by_type("aws_route53_record")  # the certificate's validation records
    assert not existing.of("aws_route53_record.app")
    created = planned["shop-starter"]
    assert created.by_type("aws_route53_zone") and created.of("aws_route53_record.app")
