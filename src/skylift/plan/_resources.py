"""The resources of a Blueprint, each with the settings a Terraform renderer needs.

Resource keys are stable ids the renderer and the cost table both use: vpc, nat_gateway,
public_ipv4, alb, api_gateway, ecs_service, lambda_function, scheduler, ecr, rds, rds_proxy,
db_master_secret, elasticache, secrets, logs, alarms, waf, route53, s3_backups, budget, egress.
"""

from __future__ import annotations

import re
from typing import Any

from skylift.config import Config
from skylift.plan.blueprint import Blueprint, Decision, Resource
from skylift.scan.model import AppProfile


def resources(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[Resource]:
    out: list[Resource] = [*_network(cfg, bp)]
    out += _front_door(cfg, bp)
    out += _compute(profile, cfg, bp)
    out += _data(cfg, bp)
    out += _operations(cfg, bp)
    out += _edge(cfg, bp)
    out.append(_public_ipv4(cfg, bp, out))
    out.append(
        Resource(
            "egress",
            "data-transfer",
            {"gb_per_month": bp.assumptions["egress_gb"], "free_gb_per_month": 100},
            provisioned=False,
        )
    )
    return out


def _network(cfg: Config, bp: Blueprint) -> list[Resource]:
    nat = cfg.sizes.nat_gateways
    public_tasks = cfg.compute == "fargate" and nat == 0
    vpc = Resource(
        "vpc",
        "vpc",
        {
            "cidr": bp.vpc_cidr,
            "azs": bp.availability_zones,
            "public_subnets": ["10.0.0.0/24", "10.0.1.0/24"],
            "private_subnets": ["10.0.10.0/24", "10.0.11.0/24"],
            "database_subnets": ["10.0.20.0/24", "10.0.21.0/24"],
            "tasks_in_public_subnets": public_tasks,
            "s3_gateway_endpoint": True,  # free: keeps ECR layer pulls and S3 off the NAT
        },
    )
    out = [vpc]
    if nat:
        out.append(
            Resource(
                "nat_gateway",
                "vpc",
                {"one_per_az": nat >= bp.availability_zones, "elastic_ips": nat},
                Decision(
                    f"{nat} NAT gateway(s)",
                    "tasks stay in private subnets with no public address; outbound calls "
                    "(registries, APIs, email) leave through the NAT",
                    {
                        "public subnets with public IPs": "cheaper, but every task is "
                        "addressable from the internet (security groups still filter)",
                        "a single NAT for two AZs": "an AZ outage would cut the other AZ's "
                        "outbound traffic",
                    },
                ),
                count=nat,
            )
        )
    return out


def _front_door(cfg: Config, bp: Blueprint) -> list[Resource]:
    if cfg.compute == "lambda":
        return [
            Resource(
                "api_gateway",
                "apigateway",
                {"type": "HTTP", "custom_domain": bp.domain, "throttle_rps": 100},
                Decision(
                    "API Gateway HTTP API",
                    "billed per request ($1 per million): no hourly charge and no public IPv4 "
                    "addresses to pay for",
                    {"ALB": "$16+ a month before the first request, plus 2 public IPv4 addresses"},
                ),
            )
        ]
    return [
        Resource(
            "alb",
            "elb",
            {
                "scheme": "internet-facing",
                "azs": bp.availability_zones,
                "https": bool(bp.domain),
                "redirect_http_to_https": bool(bp.domain),
                "idle_timeout": 60,
                "target_port": bp.port,
                "health_check_path": bp.health_path,
                "deletion_protection": cfg.tier == "production",
            },
            Decision(
                "Application Load Balancer",
                "TLS termination with a free ACM certificate, health checks that replace a "
                "failing task, and zero-downtime rolling deploys",
                {
                    "API Gateway + VPC link": "adds a per-request charge and a 29 s timeout",
                    "a task with a public IP and no load balancer": "no TLS without a "
                    "reverse proxy, no health-based replacement, the IP changes on each deploy",
                },
            ),
        )
    ]


def _compute(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[Resource]:
    s = cfg.sizes
    out: list[Resource] = []
    if cfg.compute == "lambda":
        out.append(
            Resource(
                "lambda_function",
                "lambda",
                {
                    "memory_mb": s.lambda_memory_mb,
                    "arch": s.arch,
                    "timeout_s": 29,
                    "package": "container image",
                    "in_vpc": bp.database is not None or bp.cache is not None,
                    "reserved_concurrency": 20 if cfg.tier == "starter" else 100,
                },
                Decision(
                    "AWS Lambda (container image, with a web adapter)",
                    "billed per request and millisecond: cheapest for spiky or low traffic",
                    {"ECS Fargate": "a task runs (and bills) all month even when idle"},
                ),
            )
        )
    else:
        public = s.nat_gateways == 0
        out.append(
            Resource(
                "ecs_service",
                "ecs",
                {
                    "cpu": s.cpu,
                    "cpu_units": int(s.cpu * 1024),
                    "memory": s.memory,
                    "desired_count": s.desired_count,
                    "min_count": s.min_count,
                    "max_count": s.max_count,
                    "arch": s.arch,
                    "runtime_platform": "ARM64" if s.arch == "arm64" else "X86_64",
                    "spot": s.spot,
                    "on_demand_base": _on_demand_base(cfg),
                    "assign_public_ip": public,
                    "subnets": "public" if public else "private",
                    "container_port": bp.port,
                    "health_check_path": bp.health_path,
                    "autoscaling_cpu_target": 60,
                    "deployment_minimum_healthy_percent": 100,
                    "deployment_maximum_percent": 200,
                    # the plan's one-off commands read `terraform output -raw task_network`
                    # (the awsvpc configuration string for `aws ecs run-task`)
                    "task_network_output": "task_network",
                    "task_permissions": task_permissions(profile, bp),
                    "egress_ports": [587] if "smtp" in _services(profile) else [],
                    "start_command": str(profile.start_command.value)
                    if profile.start_command
                    else None,
                },
                _fargate_decision(cfg),
            )
        )
    out.append(
        Resource(
            "ecr",
            "ecr",
            {"repository": bp.app, "scan_on_push": True, "keep_images": 10},
        )
    )
    scheduled = [j for j in bp.jobs if j["kind"] == "cron" and not j["in_process"]]
    if scheduled:
        out.append(
            Resource(
                "scheduler",
                "scheduler",
                {"target": cfg.compute, "jobs": scheduled},
                count=len(scheduled),
            )
        )
    if cfg.compute == "fargate":
        out += _side_services(profile, cfg, bp)
    return out


def needs_cron_service(cfg: Config, bp: Blueprint) -> bool:
    """In-process cron jobs and a web service that may run more than one task."""
    in_process = any(j["kind"] == "cron" and j["in_process"] for j in bp.jobs)
    return cfg.compute == "fargate" and in_process and cfg.sizes.max_count > 1


def _side_services(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[Resource]:
    """ECS services without a load balancer: queue workers, and the one-task cron runner."""
    s = cfg.sizes
    start = str(profile.start_command.value) if profile.start_command else None

    def service(key: str, command: str | None, env: dict[str, str], why: str) -> Resource:
        memory = s.memory if key == "cron_service" else 512
        return Resource(
            key,
            "ecs",
            {
                "command": command,
                "env": env,
                "cpu": 0.25,
                "cpu_units": 256,
                "memory": memory,
                "desired_count": 1,
                "min_count": 1,
                "max_count": 1,
                "arch": s.arch,
                "spot": False,
                "on_demand_base": 1,
                "assign_public_ip": s.nat_gateways == 0,
                "subnets": "public" if s.nat_gateways == 0 else "private",
                "load_balancer": False,
            },
            Decision(f"one Fargate task, no load balancer: {command or start}", why, {}),
        )

    out = []
    for j in bp.jobs:
        if j["kind"] == "worker":
            slug = re.sub(r"[^a-z0-9]+", "_", j["name"].lower()).strip("_") or "worker"
            out.append(
                service(
                    f"worker_{slug}",
                    j["command"],
                    {},
                    "a long-running worker (queue consumer) needs its own service: "
                    "it takes no HTTP traffic and must not scale with the web tasks",
                )
            )
    if needs_cron_service(cfg, bp):
        out.append(
            service(
                "cron_service",
                start,
                {"RUN_CRON": "true"},
                "runs the app's in-process scheduler on exactly one task",
            )
        )
    return out


def _services(profile: AppProfile) -> set[str]:
    return {str(f.value) for f in profile.services}


def task_permissions(profile: AppProfile, bp: Blueprint) -> list[dict[str, Any]]:
    """IAM statements the task role needs for the AWS services the app already calls."""
    out: list[dict[str, Any]] = []
    services = _services(profile)
    if "s3" in services:
        bucket = next((v for k, v in bp.config_env.items() if "BUCKET" in k and v), "*")
        out.append(
            {
                "sid": "AppS3",
                "actions": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                "resources": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        )
    if "ses" in services:
        out.append(
            {"sid": "AppSes", "actions": ["ses:SendEmail", "ses:SendRawEmail"], "resources": ["*"]}
        )
    return out


def _on_demand_base(cfg: Config) -> int:
    """With Spot, production keeps one on-demand task so an interruption never empties it."""
    s = cfg.sizes
    if not s.spot:
        return s.desired_count
    return 1 if cfg.tier == "production" else 0


def _fargate_decision(cfg: Config) -> Decision:
    s = cfg.sizes
    where = (
        "public subnets with a public IP (no NAT gateway)"
        if s.nat_gateways == 0
        else ("private subnets behind NAT")
    )
    return Decision(
        f"ECS Fargate, {s.desired_count} task(s) of {s.cpu} vCPU / {s.memory} MiB, {where}",
        "runs the existing container unchanged, no servers to patch, per-second billing",
        {
            "Lambda": "the app is a long-running HTTP server; Lambda needs an adapter and "
            "caps requests at 29 s behind API Gateway",
            "EC2 + docker-compose": "cheaper per vCPU but you patch and replace the host",
            "App Runner": "no control over networking to reach a private RDS cheaply",
            "Fargate Spot": "70% cheaper, but AWS may stop a task with 2 minutes' notice"
            if not s.spot
            else "chosen in skylift.toml",
        },
    )


def _data(cfg: Config, bp: Blueprint) -> list[Resource]:
    out: list[Resource] = []
    db = bp.database
    if db:
        out.append(
            Resource(
                "rds",
                "rds",
                {
                    "engine": "postgres",
                    "engine_version": db["engine_version"],
                    "parameter_group_family": "postgres16",
                    "instance_class": db["instance_class"],
                    "allocated_storage": db["storage_gb"],
                    "max_allocated_storage": db["storage_gb"] * 5,
                    "storage_type": "gp3",
                    "storage_encrypted": True,
                    "multi_az": db["multi_az"],
                    "backup_retention_period": db["backup_retention_days"],
                    "deletion_protection": cfg.tier == "production",
                    "publicly_accessible": False,
                    "manage_master_user_password": True,
                    "db_name": db["name"],
                    "extensions": db["extensions"],
                },
                _rds_decision(db),
            )
        )
        out.append(Resource("db_master_secret", "secretsmanager", {"managed_by": "rds"}))
        if cfg.compute == "lambda" and cfg.tier == "production":
            out.append(Resource("rds_proxy", "rds", {"engine_family": "POSTGRESQL"}))
    if bp.cache:
        c = bp.cache
        out.append(
            Resource(
                "elasticache",
                "elasticache",
                {
                    "engine": c["engine"],
                    "engine_version": c["engine_version"],
                    "node_type": c["node_type"],
                    "num_cache_nodes": c["nodes"],
                    "automatic_failover": c["nodes"] > 1,
                    "multi_az": c["nodes"] > 1,
                    "transit_encryption": True,
                },
                Decision(
                    f"ElastiCache for Valkey ({c['node_type']} x {c['nodes']})",
                    f"Valkey speaks the Redis protocol the app's {c['client'] or 'client'} "
                    "uses, and its nodes cost 20% less than Redis OSS nodes",
                    {
                        "Redis in a sidecar container": "loses its data on every deploy",
                        "ElastiCache Serverless": "minimum storage charge exceeds a small node",
                    },
                ),
                count=c["nodes"],
            )
        )
    return out


def _rds_decision(db: dict[str, Any]) -> Decision:
    src = db["source_engine"]
    ext = f" with {', '.join(db['extensions'])}" if db["extensions"] else ""
    return Decision(
        f"RDS for PostgreSQL 16{ext}, {db['instance_class']}, "
        f"{'Multi-AZ' if db['multi_az'] else 'single-AZ'}",
        f"managed backups and point-in-time restore; moving from {src} with "
        "`skylift db migrate`, verified row by row",
        {
            "Aurora Serverless v2": "minimum capacity costs more than a small instance for "
            "a small, steady app",
            f"keep {src} on a volume" if src == "sqlite" else f"self-managed {src} on EC2": (
                "no concurrent writers across tasks, no managed backups"
                if src == "sqlite"
                else "you own patching, backups and failover"
            ),
        },
    )


def _operations(cfg: Config, bp: Blueprint) -> list[Resource]:
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


def _edge(cfg: Config, bp: Blueprint) -> list[Resource]:
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


def _public_ipv4(cfg: Config, bp: Blueprint, done: list[Resource]) -> Resource:
    """Every public IPv4 address is billed since February 2024: count each one."""
    s = cfg.sizes
    alb = bp.availability_zones if cfg.compute == "fargate" else 0
    tasks = 0
    if cfg.compute == "fargate" and s.nat_gateways == 0:
        tasks = sum(r.settings["desired_count"] for r in done if r.kind == "ecs")
    nat = s.nat_gateways
    return Resource(
        "public_ipv4",
        "vpc",
        {"alb": alb, "tasks": tasks, "nat_gateways": nat},
        count=alb + tasks + nat,
        provisioned=False,
    )
