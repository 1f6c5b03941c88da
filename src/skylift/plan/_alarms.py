"""The CloudWatch alarms, as complete specifications: alarms.tf renders exactly this list and
the cost table prices it, one alarm metric per metric an alarm reads (an alarm on a metric math
expression is billed for each metric in it)."""

from __future__ import annotations

from typing import Any

from skylift.config import Config
from skylift.plan.blueprint import Blueprint

GT, LT = "GreaterThanThreshold", "LessThanThreshold"


def _alarm(
    id_: str,
    name: str,
    description: str,
    dims: str,
    namespace: str,
    metric: str,
    *,
    threshold: float = 0,
    threshold_var: str | None = None,
    comparison: str = GT,
    statistic: str = "Average",
    period: int = 300,
    periods: int = 1,
    missing: str | None = None,
) -> dict[str, Any]:
    percentile = statistic.startswith("p")
    return {
        "id": id_,
        "name": name,
        "description": description,
        "dimensions": dims,  # which resource: alb, target_group, service, db, cache
        "namespace": namespace,
        "metric": metric,
        "statistic": None if percentile else statistic,
        "extended_statistic": statistic if percentile else None,
        "period": period,
        "evaluation_periods": periods,
        "threshold": threshold,
        "threshold_var": threshold_var,
        "comparison": comparison,
        "treat_missing_data": missing,
        "ok_actions": False,
        "metrics": [],
        "metric_count": 1,
    }


def _error_rate() -> dict[str, Any]:
    """5xx answers (the app's and the load balancer's) as a share of all requests."""
    out = _alarm(
        "http_5xx_rate",
        "5xx-rate",
        "More than 5% of requests answered 5xx for 5 minutes",
        "alb",
        "",
        "",
        threshold=5,
        periods=5,
        missing="notBreaching",
    )
    metrics = [
        ("errors5xx", "HTTPCode_Target_5XX_Count"),
        ("elb5xx", "HTTPCode_ELB_5XX_Count"),
        ("requests", "RequestCount"),
    ]
    out.update(
        expression="100 * (errors5xx + elb5xx) / MAX([requests, 1])",
        label="5xx %",
        ok_actions=True,
        metrics=[
            {"id": i, "namespace": "AWS/ApplicationELB", "metric": m, "stat": "Sum", "period": 60}
            for i, m in metrics
        ],
        metric_count=len(metrics),
    )
    return out


def alarms(cfg: Config, bp: Blueprint) -> list[dict[str, Any]]:
    """Every tier: errors, latency and unhealthy tasks at the load balancer, and the database's
    CPU, storage and connections. Production adds the service's CPU and memory and the cache's
    CPU."""
    if cfg.compute == "lambda":
        from skylift.plan._serverless import alarms as serverless_alarms

        out = serverless_alarms(cfg, bp, _alarm)
    else:
        out = _load_balancer()
    if bp.database:
        out += _database()
    if cfg.tier == "production":
        out += _production(bp)
    return out


def _load_balancer() -> list[dict[str, Any]]:
    elb = "AWS/ApplicationELB"
    return [
        _error_rate(),
        _alarm(
            "latency_p95",
            "latency-p95",
            "p95 response time above ${var.latency_p95_seconds}s for 5 minutes",
            "alb",
            elb,
            "TargetResponseTime",
            threshold_var="latency_p95_seconds",
            statistic="p95",
            period=60,
            periods=5,
            missing="notBreaching",
        ),
        _alarm(
            "unhealthy_tasks",
            "unhealthy-tasks",
            "At least one task failing the load balancer's health check",
            "target_group",
            elb,
            "UnHealthyHostCount",
            statistic="Maximum",
            period=60,
            periods=3,
            missing="notBreaching",
        ),
    ]


def _database() -> list[dict[str, Any]]:
    rds = "AWS/RDS"
    return [
        _alarm(
            "db_cpu",
            "db-cpu",
            "Database CPU above 80% for 10 minutes",
            "db",
            rds,
            "CPUUtilization",
            threshold=80,
            periods=2,
        ),
        _alarm(
            "db_storage",
            "db-free-storage",
            "Less than 2 GiB of database storage left",
            "db",
            rds,
            "FreeStorageSpace",
            threshold=2147483648,
            comparison=LT,
            statistic="Minimum",
        ),
        _alarm(
            "db_connections",
            "db-connections",
            "Database connections above var.db_max_connections_alarm",
            "db",
            rds,
            "DatabaseConnections",
            threshold_var="db_max_connections_alarm",
            statistic="Maximum",
            periods=2,
        ),
    ]


def _production(bp: Blueprint) -> list[dict[str, Any]]:
    ecs = "AWS/ECS"
    out = [
        _alarm(
            "service_cpu",
            "cpu-high",
            "Web tasks' CPU above 80% for 15 minutes (autoscaling is not keeping up)",
            "service",
            ecs,
            "CPUUtilization",
            threshold=80,
            periods=3,
        ),
        _alarm(
            "service_memory",
            "memory-high",
            "Web tasks' memory above 85% for 15 minutes",
            "service",
            ecs,
            "MemoryUtilization",
            threshold=85,
            periods=3,
        ),
    ]
    if bp.compute == "lambda":  # no ECS service: the function's alarms are in _serverless
        out = []
    if bp.cache:
        out.append(
            _alarm(
                "cache_cpu",
                "cache-cpu-high",
                "Cache engine CPU above 80% for 15 minutes",
                "cache",
                "AWS/ElastiCache",
                "EngineCPUUtilization",
                threshold=80,
                periods=3,
            )
        )
    return out
