"""Operations and edge resources: secrets, logs, alarms, backups, budget, WAF, DNS."""

from __future__ import annotations

from typing import Any

from skylift.config import Config
from skylift.plan.blueprint import Blueprint, Decision, Resource


def operations(cfg: Config, bp: Blueprint) -> list[Resource]:
    s = cfg.sizes
    out = [
        Resource(
            "secrets",
            "ssm",
            {
                "path": f"/{bp.app}/",
                "type": "SecureString",
                "tier": "Standard",
                "names": list(bp.secrets),
            },
            count=len(bp.secrets),
        ),
        Resource(
            "logs",
            "logs",
            {"log_group": f"/skylift/{bp.app}", "retention_days": s.log_retention_days},
        ),
    ]
    alarms = _alarms(cfg, bp)
    out.append(
        Resource(
            "alarms",
            "cloudwatch",
            {"alarms": alarms, "sns_topic": f"{bp.app}-alerts"},
            count=len(alarms),
        )
    )
    out.append(
        Resource(
            "s3_backups",
            "s3",
            {
                "bucket_prefix": f"{bp.app}-backups-",
                "versioning": True,
                "expire_days": 35,
                "encryption": "AES256",
                "block_public_access": True,
                "purpose": "database dumps before cutover and skylift's migration artifacts",
            },
        )
    )
    out.append(
        Resource(
            "budget",
            "budgets",
            {
                "amount_usd": s.budget_monthly_usd or None,  # set from the estimate when 0
                "thresholds_percent": [80, 100],
                "forecasted": True,
            },
        )
    )
    return out


def _alarms(cfg: Config, bp: Blueprint) -> list[dict[str, Any]]:
    def alarm(
        name: str,
        ns: str,
        metric: str,
        op: str,
        threshold: float,
        periods: int = 1,
        stat: str = "Sum",
    ) -> dict[str, Any]:
        return {
            "name": f"{bp.app}-{name}",
            "namespace": ns,
            "metric": metric,
            "comparison": op,
            "threshold": threshold,
            "period": 300,
            "evaluation_periods": periods,
            "statistic": stat,
        }

    gt, lt = "GreaterThanThreshold", "LessThanThreshold"
    if cfg.compute == "lambda":
        out = [
            alarm("errors", "AWS/Lambda", "Errors", gt, 10),
            alarm("api-5xx", "AWS/ApiGateway", "5xx", gt, 10),
        ]
    else:
        out = [
            alarm("target-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", gt, 10),
            alarm("unhealthy", "AWS/ApplicationELB", "UnHealthyHostCount", gt, 0, 2, "Maximum"),
        ]
    if bp.database:
        out.append(alarm("db-storage-low", "AWS/RDS", "FreeStorageSpace", lt, 2e9, 1, "Minimum"))
    if cfg.tier == "production":
        if cfg.compute == "fargate":
            out.append(alarm("cpu-high", "AWS/ECS", "CPUUtilization", gt, 80, 3, "Average"))
            out.append(alarm("memory-high", "AWS/ECS", "MemoryUtilization", gt, 85, 3, "Average"))
        if bp.database:
            out.append(alarm("db-cpu-high", "AWS/RDS", "CPUUtilization", gt, 80, 3, "Average"))
        if bp.cache:
            out.append(
                alarm(
                    "cache-cpu-high",
                    "AWS/ElastiCache",
                    "EngineCPUUtilization",
                    gt,
                    80,
                    3,
                    "Average",
                )
            )
    return out


def edge(cfg: Config, bp: Blueprint) -> list[Resource]:
    out: list[Resource] = []
    if cfg.tier == "production":
        rules = [
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesAmazonIpReputationList",
            "rate-limit-2000-per-5-min",
        ]
        if bp.database:
            rules.append("AWSManagedRulesSQLiRuleSet")
        out.append(
            Resource(
                "waf",
                "wafv2",
                {
                    "scope": "REGIONAL",
                    "rules": rules,
                    "rate_limit_per_5_min": 2000,
                    "attach_to": "api_gateway" if cfg.compute == "lambda" else "alb",
                },
                Decision(
                    "AWS WAF with AWS managed rule groups and a per-IP rate limit",
                    "blocks common exploits, known bad inputs and floods before they reach the app",
                    {"no WAF": "fine for starter; production traffic attracts bots"},
                ),
            )
        )
    if bp.domain:
        out.append(
            Resource(
                "route53",
                "route53",
                {
                    "zone": _apex(bp.domain),
                    "record": bp.domain,
                    "alias_to": "api_gateway" if cfg.compute == "lambda" else "alb",
                    "acm_certificate": True,
                    "validation": "DNS",
                },
            )
        )
    return out


def _apex(domain: str) -> str:
    return ".".join(domain.split(".")[-2:])
