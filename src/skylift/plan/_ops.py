"""Operations and edge resources: the KMS key, secrets, logs, Container Insights, alarms,
backups, budget, WAF (and its logs), DNS."""

from __future__ import annotations

from typing import Any

from skylift.config import Config
from skylift.plan import _backup, _edge
from skylift.plan._alarms import alarms
from skylift.plan.blueprint import Blueprint, Decision, Resource

# Container Insights publishes its ECS metrics as custom metrics, per cluster, per service and
# per task definition family (CloudWatch User Guide, "Amazon ECS Container Insights metrics":
# CPU and memory used and reserved, network and storage bytes, task and deployment counts).
INSIGHTS_METRICS = {"cluster": 15, "service": 13, "task_family": 9}
# ...and writes one task and one container performance event a minute per task (about 1 KB
# each) to /aws/ecs/containerinsights/<cluster>/performance.
INSIGHTS_LOG_GB_PER_TASK = 0.09


def operations(cfg: Config, bp: Blueprint, done: list[Resource]) -> list[Resource]:
    out = [_kms(bp), _secrets(bp), _logs(cfg, bp)]
    insights = _container_insights(cfg, done)
    if insights:
        out.append(insights)
    specs = alarms(cfg, bp)
    out.append(
        Resource(
            "alarms",
            "cloudwatch",
            {"alarms": specs, "sns_topic": f"{bp.app}-alarms"},
            count=sum(a["metric_count"] for a in specs),
            terraform=[f"aws_cloudwatch_metric_alarm.{a['id']}" for a in specs],
        )
    )
    out += [_backups(cfg, bp), *_backup.export(cfg, bp), _budget(cfg)]
    return out


def _kms(bp: Blueprint) -> Resource:
    return Resource(
        "kms",
        "kms",
        {"alias": f"alias/{bp.app}", "rotation": True, "requests_per_month": 10_000},
        Decision(
            "one customer-managed KMS key for the app's logs, images, database, cache, "
            "backups and secrets",
            "you control and audit every decryption, and rotation is on; $1 a month",
            {"AWS-managed keys": "free, but their policy cannot be read or restricted"},
        ),
        terraform=["aws_kms_key.main"],
    )


def _secrets(bp: Blueprint) -> Resource:
    return Resource(
        "secrets",
        "ssm",
        {
            "path": f"/{bp.app}/",
            "type": "SecureString",
            "tier": "Standard",
            "names": list(bp.secrets),
            "created_by": "skylift up (values never pass through Terraform)",
        },
        count=len(bp.secrets),
        provisioned=False,
    )


def _logs(cfg: Config, bp: Blueprint) -> Resource:
    return Resource(
        "logs",
        "logs",
        {
            "log_group": f"/{'aws/lambda' if cfg.compute == 'lambda' else 'ecs'}/{bp.app}",
            "retention_days": cfg.sizes.log_retention_days,
        },
        terraform=["aws_cloudwatch_log_group.app"],
    )


def _backups(cfg: Config, bp: Blueprint) -> Resource:
    return Resource(
        "s3_backups",
        "s3",
        {
            "bucket_prefix": f"{bp.app}-backups-",
            "versioning": True,
            "encryption": "aws:kms",
            "block_public_access": True,
            "purpose": "database dumps before cutover and skylift's migration artifacts",
            # the daily pg_dump (plan/_backup.py) expires after this many days
            "keep_days": cfg.sizes.backup_keep_days,
        },
        terraform=["aws_s3_bucket.backups"],
    )


def _budget(cfg: Config) -> Resource:
    return Resource(
        "budget",
        "budgets",
        {
            # set from the estimate when 0
            "amount_usd": cfg.sizes.budget_monthly_usd or None,
            "thresholds_percent": [80, 100],
            "forecasted": True,
        },
        terraform=["aws_budgets_budget.monthly"],
    )


def _container_insights(cfg: Config, done: list[Resource]) -> Resource | None:
    """Per-task CPU and memory metrics: worth their price in production; the starter tier keeps
    the free service-level metrics ECS publishes anyway."""
    if cfg.compute != "fargate" or cfg.tier != "production":
        return None
    services = [r for r in done if r.kind == "ecs"]
    return Resource(
        "container_insights",
        "cloudwatch",
        {
            "services": len(services),
            "task_families": len(services),
            "tasks": sum(r.settings["desired_count"] for r in services),
            "metrics_per": INSIGHTS_METRICS,
            "log_gb_per_task": INSIGHTS_LOG_GB_PER_TASK,
        },
        Decision(
            "CloudWatch Container Insights on the cluster",
            "per-task CPU, memory and network metrics to size the tasks and find a leak",
            {"off": "the starter tier's choice: ECS's own service CPU and memory are free"},
        ),
        terraform=["aws_ecs_cluster.main"],
    )


def edge(cfg: Config, bp: Blueprint, cdn: list[Resource] | None = None) -> list[Resource]:
    out: list[Resource] = list(cdn or [])
    # AWS WAF cannot be associated with an HTTP API: never planned there (plan/_serverless.py);
    # with CloudFront in front, the one web ACL is at CloudFront (plan/_edge.py)
    if cdn or (cfg.tier == "production" and cfg.compute != "lambda"):
        waf, logs = _waf(cfg, bp)
        if cdn:
            _edge.at_cloudfront(waf, logs)
        out += [waf, logs]
    if bp.domain:
        out.append(_route53(cfg, bp))
        if cdn:
            out[-1].settings["alias_to"] = "cloudfront"
    return out


def _waf(cfg: Config, bp: Blueprint) -> list[Resource]:
    rules = [
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
        "rate-limit-2000-per-5-min",
    ]
    if bp.database:
        rules.append("AWSManagedRulesSQLiRuleSet")
    waf = Resource(
        "waf",
        "wafv2",
        {
            "scope": "REGIONAL",
            "rules": rules,
            "rate_limit_per_5_min": 2000,
            "attach_to": "alb",
        },
        Decision(
            "AWS WAF with AWS managed rule groups and a per-IP rate limit",
            "blocks common exploits, known bad inputs and floods before they reach the app",
            {"no WAF": "fine for starter; production traffic attracts bots"},
        ),
        terraform=["aws_wafv2_web_acl.main"],
    )
    logs = Resource(
        "waf_logs",
        "logs",
        # every request is logged (about 1.5 KB a record, headers included)
        {"kb_per_request": 1.5, "retention_days": cfg.sizes.log_retention_days},
        terraform=["aws_cloudwatch_log_group.waf"],
    )
    return [waf, logs]


def _route53(cfg: Config, bp: Blueprint) -> Resource:
    assert bp.domain
    zone_id = cfg.route53_zone_id
    settings: dict[str, Any] = {
        "zone": bp.domain if not zone_id else _apex(bp.domain),
        "zone_id": zone_id,
        "create_zone": not zone_id,
        # a zone of its own answers only once the domain's DNS delegates to it
        "delegated": bool(zone_id) or cfg.dns_delegated,
        "record": bp.domain,
        "alias_to": "api_gateway" if cfg.compute == "lambda" else "alb",
        "acm_certificate": True,
        "validation": "DNS",
    }
    if zone_id:
        decision = Decision(
            f"Route 53 records in the existing zone {zone_id}",
            "the zone is already in this account (skylift.toml app.route53_zone_id): "
            "the certificate is validated and the name points at the load balancer at once",
        )
    else:
        decision = Decision(
            f"a Route 53 hosted zone for {bp.domain}",
            "its DNS is not in this account: Terraform creates a zone for the name, and you "
            "add the zone's four name servers as NS records where the domain's DNS is today "
            "(the certificate is validated and the name points at the load balancer from "
            "then on)",
            {
                "app.route53_zone_id in skylift.toml": "set it when the domain's zone is "
                "already in Route 53 in this account: no new zone, no delegation",
            },
        )
    terraform = ["aws_acm_certificate.main"]
    if not zone_id:
        terraform.insert(0, "aws_route53_zone.main")
    return Resource("route53", "route53", settings, decision, terraform=terraform)


def _apex(domain: str) -> str:
    return ".".join(domain.split(".")[-2:])
