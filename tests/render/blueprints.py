"""Hand-built Blueprints for the render tests: the shapes `plan/derive.py` produces, fixed here
so the golden files change only when the renderer does."""

from __future__ import annotations

from skylift.config import Config
from skylift.plan._alarms import alarms
from skylift.plan._compute import scheduled_jobs
from skylift.plan.blueprint import Blueprint, Resource

# What each hand-built resource is built as (plan/ sets Resource.terraform the same way).
TERRAFORM = {
    "vpc": ["aws_vpc.main"],
    "nat_gateway": ["aws_nat_gateway.main"],
    "alb": ["aws_lb.main"],
    "ecs_service": ["aws_ecs_service.app"],
    "ecr": ["aws_ecr_repository.app"],
    "rds": ["aws_db_instance.main"],
    "elasticache": ["aws_elasticache_replication_group.main"],
    "logs": ["aws_cloudwatch_log_group.app"],
    "waf": ["aws_wafv2_web_acl.main"],
    "budget": ["aws_budgets_budget.monthly"],
}


def complete(bp: Blueprint) -> Blueprint:
    """The resources every Blueprint has besides the hand-built ones (what the renderer builds
    for each is claimed, as render/_ledger.py requires)."""
    for r in bp.resources:
        r.terraform = TERRAFORM.get(r.key, r.terraform)
    cfg = Config(name=bp.app, tier=bp.tier)
    specs = alarms(cfg, bp)
    jobs = scheduled_jobs(bp)
    extra = [
        Resource(
            "flow_logs",
            "logs",
            {},
            terraform=["aws_flow_log.main", "aws_cloudwatch_log_group.flow"],
        ),
        Resource("alb_logs", "s3", {}, terraform=["aws_s3_bucket.alb_logs"]),
        Resource("kms", "kms", {}, terraform=["aws_kms_key.main"]),
        Resource("s3_backups", "s3", {}, terraform=["aws_s3_bucket.backups"]),
        Resource(
            "alarms",
            "cloudwatch",
            {"alarms": specs},
            count=len(specs),
            terraform=[f"aws_cloudwatch_metric_alarm.{a['id']}" for a in specs],
        ),
    ]
    if not bp.has("ecr"):
        extra.append(Resource("ecr", "ecr", {}, terraform=["aws_ecr_repository.app"]))
    if jobs:
        extra.append(
            Resource(
                "scheduler",
                "scheduler",
                {"jobs": jobs},
                terraform=[f"aws_scheduler_schedule.{j['id']}" for j in jobs],
            )
        )
    if bp.has("waf"):
        extra.append(Resource("waf_logs", "logs", {}, terraform=["aws_cloudwatch_log_group.waf"]))
    if bp.tier == "production":
        extra.append(
            Resource("container_insights", "cloudwatch", {}, terraform=["aws_ecs_cluster.main"])
        )
    if bp.domain:
        extra.append(
            Resource(
                "route53",
                "route53",
                {"zone_id": "", "create_zone": True, "delegated": False},
                terraform=["aws_route53_zone.main", "aws_acm_certificate.main"],
            )
        )
    bp.resources += extra
    return bp


def production() -> Blueprint:
    """Every feature on: NAT per AZ, Multi-AZ PostgreSQL with pgvector, Valkey, cron, WAF, domain."""
    return complete(_production())


def _production() -> Blueprint:
    return Blueprint(
        app="gengar",
        region="us-east-1",
        tier="production",
        compute="fargate",
        runtime="node",
        port=3000,
        health_path="/health",
        domain="api.gengar.example.com",
        secrets=["JWT_SECRET", "OPENAI_API_KEY"],
        config_env={"NODE_ENV": "production", "LOG_LEVEL": "info", "PGSSLMODE": "no-verify"},
        # the shapes plan/_env.py produces: a URL composed at start, parts set directly
        env_wiring={
            "DATABASE_URL": {
                "source": "db",
                "part": "url",
                "scheme": "postgresql",
                "query": "sslmode=no-verify",
            },
            "BULL_REDIS_URL": {
                "source": "cache",
                "part": "url",
                "scheme": "rediss",
                "path": "/1",
                "query": "",
            },
            "REDIS_HOST": {"source": "cache", "part": "host"},
            "REDIS_PASSWORD": {"source": "cache", "part": "password"},
            "APP_URL": {"source": "app", "part": "url"},
        },
        runtime_version="20",
        jobs=[
            {
                "name": "reset monthly usage",
                "kind": "cron",
                "command": "node dist/cron/reset.js",
                "schedule": "0 0 1 * *",
                "schedule_expression": "cron(0 0 1 * ? *)",
                "evidence": ["src/usage/usage.service.ts:42"],
            },
            {
                "name": "migrations",
                "kind": "release",
                "command": "yarn migration:run",
                "schedule": None,
                "schedule_expression": None,
                "evidence": ["Procfile:1"],
            },
            {
                "name": "generate embeddings",
                "kind": "one-off",
                "command": "yarn heroku:generate-embeddings",
                "schedule": None,
                "schedule_expression": None,
                "evidence": ["package.json:12"],
            },
        ],
        database={
            "engine": "postgres",
            "engine_version": "16",
            "name": "gengar",
            "instance_class": "db.t4g.small",
            "storage_gb": 20,
            "multi_az": True,
            "backup_retention_days": 14,
            "extensions": ["vector"],
        },
        cache={
            "engine": "valkey",
            "engine_version": "8.0",
            "node_type": "cache.t4g.micro",
            "nodes": 2,
        },
        resources=[
            Resource("vpc", "vpc", {"cidr": "10.0.0.0/16"}),
            Resource("nat_gateway", "vpc", {"one_per_az": True}, count=2),
            Resource("alb", "elb", {"https": True}),
            Resource(
                "ecs_service",
                "ecs",
                {
                    "cpu_units": 512,
                    "memory": 1024,
                    "desired_count": 2,
                    "min_count": 2,
                    "max_count": 4,
                    "start_command": "node dist/main.js",
                },
            ),
            Resource("ecr", "ecr", {}),
            Resource(
                "rds",
                "rds",
                {
                    "instance_class": "db.t4g.small",
                    "allocated_storage": 20,
                    "max_allocated_storage": 100,
                    "multi_az": True,
                    "backup_retention_period": 14,
                    "deletion_protection": True,
                },
            ),
            Resource(
                "elasticache",
                "elasticache",
                {"node_type": "cache.t4g.micro", "num_cache_nodes": 2},
                count=2,
            ),
            Resource("logs", "logs", {"retention_days": 90}),
            Resource(
                "waf",
                "wafv2",
                {
                    "rules": [
                        "AWSManagedRulesCommonRuleSet",
                        "AWSManagedRulesKnownBadInputsRuleSet",
                        "rate-limit-2000-per-5-min",
                    ],
                    "rate_limit_per_5_min": 2000,
                },
            ),
            Resource("budget", "budgets", {"amount_usd": 150}),
        ],
    )


def starter() -> Blueprint:
    """The cheapest shape: one task in a public subnet, single-AZ SQLite-migrated PostgreSQL."""
    return complete(_starter())


def _starter() -> Blueprint:
    return Blueprint(
        app="pantrypal",
        region="eu-central-1",
        tier="starter",
        compute="fargate",
        runtime="node",
        port=3000,
        health_path="/health",
        secrets=["SESSION_SECRET"],
        config_env={"NODE_ENV": "production", "PGSSLMODE": "no-verify"},
        env_wiring={
            "POSTGRES_HOST": {"source": "db", "part": "host"},
            "POSTGRES_PORT": {"source": "db", "part": "port"},
            "POSTGRES_DB": {"source": "db", "part": "name"},
            "POSTGRES_USER": {"source": "db", "part": "user"},
            "POSTGRES_PASSWORD": {"source": "db", "part": "password"},
        },
        runtime_version="20",
        health_matcher="200-499",
        database={
            "engine": "postgres",
            "engine_version": "16",
            "name": "pantrypal",
            "instance_class": "db.t4g.micro",
            "storage_gb": 20,
            "multi_az": False,
            "backup_retention_days": 7,
            "extensions": [],
        },
        resources=[
            Resource("vpc", "vpc", {}),
            Resource("alb", "elb", {"https": False}),
            Resource(
                "ecs_service",
                "ecs",
                {
                    "cpu_units": 256,
                    "memory": 512,
                    "desired_count": 1,
                    "min_count": 1,
                    "max_count": 2,
                    "start_command": "node server.js",
                },
            ),
            Resource(
                "rds",
                "rds",
                {
                    "instance_class": "db.t4g.micro",
                    "allocated_storage": 20,
                    "max_allocated_storage": 100,
                    "multi_az": False,
                    "backup_retention_period": 7,
                    "deletion_protection": False,
                },
            ),
            Resource("logs", "logs", {"retention_days": 30}),
            Resource("budget", "budgets", {"amount_usd": 60}),
        ],
    )
