"""The resources of a Blueprint, each with the settings a Terraform renderer needs.

Resource keys are stable ids the renderer and the cost table both use: vpc, flow_logs,
nat_gateway, public_ipv4, alb, alb_logs, ecs_service, worker_*, cron_service, scheduler, ecr,
s3_uploads, rds, db_master_secret, elasticache, kms, secrets, logs, container_insights, alarms,
waf, waf_logs, route53, s3_backups, budget, egress, cross_az, vpc_endpoints. Each names the Terraform
resources it is built as (`Resource.terraform`); render/_ledger.py holds the list of Terraform
types that cost nothing, and checks that every generated resource is one or the other.
"""

from __future__ import annotations

from typing import Any

from skylift.config import Config
from skylift.plan import _compute, _edge, _email, _ops, _serverless
from skylift.plan.blueprint import Blueprint, Decision, Resource
from skylift.scan.model import AppProfile


def resources(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[Resource]:
    out: list[Resource] = [*_network(cfg, bp)]
    endpoints = _serverless.vpc_endpoints(profile, cfg, bp)  # a function without NAT
    if endpoints:
        out.append(endpoints)
    if cfg.compute == "lambda":
        out += _serverless.front_door(profile, cfg, bp)
    else:
        out += _front_door(cfg, bp)
    out += _compute.compute(profile, cfg, bp)
    out += _data(cfg, bp)
    out += _ops.operations(cfg, bp, out)
    cdn = _edge.edge(profile, cfg, bp)  # CloudFront: its own data transfer line
    out += _ops.edge(cfg, bp, cdn)
    out += _email.resources(profile, cfg, bp)
    out.append(_public_ipv4(cfg, bp, out))
    front = "aws_lb.main" if cfg.compute == "fargate" else "aws_apigatewayv2_api.main"
    if not cdn:
        out.append(
            Resource(
                "egress",
                "data-transfer",
                {"gb_per_month": bp.assumptions["egress_gb"], "free_gb_per_month": 100},
                provisioned=False,
                terraform=[front],
            )
        )
    if bp.assumptions["cross_az_gb"]:
        out.append(
            Resource(
                "cross_az",
                "data-transfer",
                {"gb_per_month": bp.assumptions["cross_az_gb"]},
                provisioned=False,
                terraform=[r for r in _DATA_STORES if any(r in x.terraform for x in out)],
            )
        )
    return out


_DATA_STORES = ("aws_db_instance.main", "aws_elasticache_replication_group.main")


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
        terraform=["aws_vpc.main"],
    )
    out = [vpc, _flow_logs(cfg)]
    nat_instance = _serverless.nat_instance(cfg, bp)
    if nat_instance:
        out.append(nat_instance)
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
                terraform=["aws_nat_gateway.main"],
            )
        )
    return out


def _flow_logs(cfg: Config) -> Resource:
    # Only rejected traffic is logged (scans and probes of the public addresses): a small app
    # sees well under a GB a month of it.
    return Resource(
        "flow_logs",
        "logs",
        {
            "traffic_type": "REJECT",
            "gb_per_month": 0.5,
            "retention_days": cfg.sizes.log_retention_days,
        },
        terraform=["aws_flow_log.main", "aws_cloudwatch_log_group.flow"],
    )


def _front_door(cfg: Config, bp: Blueprint) -> list[Resource]:
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
            terraform=["aws_lb.main"],
        ),
        _alb_logs(cfg, bp),
    ]


def _alb_logs(cfg: Config, bp: Blueprint) -> Resource:
    return Resource(
        "alb_logs",
        "s3",
        {
            "bucket_prefix": f"{bp.app}-alb-logs-",
            "retention_days": cfg.sizes.log_retention_days,
            # one gzip file per load balancer node every 5 minutes; a log line of about
            # 500 bytes compresses to about 50
            "kb_per_request": 0.05,
            "nodes": bp.availability_zones,
            "files_per_hour": 12,
        },
        terraform=["aws_s3_bucket.alb_logs"],
    )


def _data(cfg: Config, bp: Blueprint) -> list[Resource]:
    out: list[Resource] = []
    if bp.database:
        out.append(_rds(cfg, bp.database))
        # RDS creates the master password's secret itself (manage_master_user_password)
        out.append(
            Resource(
                "db_master_secret",
                "secretsmanager",
                {"managed_by": "rds"},
                terraform=["aws_db_instance.main"],
            )
        )
        proxy = _serverless.proxy(cfg, bp)
        if proxy:
            out.append(proxy)
    if bp.cache:
        out.append(_elasticache(bp.cache))
    return out


def _rds(cfg: Config, db: dict[str, Any]) -> Resource:
    settings = {
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
        # postgresql and upgrade logs go to CloudWatch: slow queries (> 1 s) and DDL only
        "log_exports": ["postgresql", "upgrade"],
        "log_gb_per_month": 0.2,
    }
    return Resource("rds", "rds", settings, _rds_decision(db), terraform=["aws_db_instance.main"])


def _elasticache(c: dict[str, Any]) -> Resource:
    settings = {
        "engine": c["engine"],
        "engine_version": c["engine_version"],
        "node_type": c["node_type"],
        "num_cache_nodes": c["nodes"],
        "automatic_failover": c["nodes"] > 1,
        "multi_az": c["nodes"] > 1,
        "transit_encryption": True,
    }
    decision = Decision(
        f"ElastiCache for Valkey ({c['node_type']} x {c['nodes']})",
        f"Valkey speaks the Redis protocol the app's {c['client'] or 'client'} uses, and its "
        "nodes cost 20% less than Redis OSS nodes",
        {
            "Redis in a sidecar container": "loses its data on every deploy",
            "ElastiCache Serverless": "minimum storage charge exceeds a small node",
        },
    )
    return Resource(
        "elasticache",
        "elasticache",
        settings,
        decision,
        count=c["nodes"],
        terraform=["aws_elasticache_replication_group.main"],
    )


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


def _public_ipv4(cfg: Config, bp: Blueprint, done: list[Resource]) -> Resource:
    """Every public IPv4 address is billed since February 2024: count each one."""
    s = cfg.sizes
    alb = bp.availability_zones if cfg.compute == "fargate" else 0
    tasks, owners = 0, ["aws_lb.main"] if alb else []
    if cfg.compute == "fargate" and s.nat_gateways == 0:
        services = [r for r in done if r.kind == "ecs"]
        tasks = sum(r.settings["desired_count"] for r in services)
        owners += [t for r in services for t in r.terraform]
    nat = s.nat_gateways
    if nat:
        owners.append("aws_eip.nat")
    nat_instances = 1 if s.nat_instance else 0  # its Elastic IP, on its network interface
    if nat_instances:
        owners.append("aws_eip.nat_instance")
    return Resource(
        "public_ipv4",
        "vpc",
        {"alb": alb, "tasks": tasks, "nat_gateways": nat}
        | ({"nat_instances": nat_instances} if nat_instances else {}),
        count=alb + tasks + nat + nat_instances,
        provisioned=False,
        terraform=owners,
    )
