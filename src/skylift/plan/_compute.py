"""Compute resources: the web service (Fargate or Lambda), queue workers, the cron runner,
the image registry and the scheduler; with the IAM permissions the tasks need."""

from __future__ import annotations

import re
from typing import Any

from skylift.config import Config
from skylift.plan.blueprint import Blueprint, Decision, Resource
from skylift.scan.model import AppProfile


def compute(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[Resource]:
    web = _lambda_function(cfg, bp) if cfg.compute == "lambda" else _ecs_service(profile, cfg, bp)
    out = [
        web,
        Resource("ecr", "ecr", {"repository": bp.app, "scan_on_push": True, "keep_images": 10}),
    ]
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
    if writes_local_disk(profile):
        out.append(_uploads_bucket(profile, bp))
    return out


def writes_local_disk(profile: AppProfile) -> bool:
    return any(f.code == "writes-local-disk" for f in profile.findings)


def _uploads_bucket(profile: AppProfile, bp: Blueprint) -> Resource:
    where = ", ".join(
        str(e) for f in profile.findings if f.code == "writes-local-disk" for e in f.evidence[:2]
    )
    return Resource(
        "s3_uploads",
        "s3",
        {
            "bucket_prefix": f"{bp.app}-uploads-",
            "versioning": True,
            "encryption": "AES256",
            "block_public_access": True,
            "env_var": "UPLOADS_BUCKET",  # the task reads the bucket name from this variable
            "terraform_output": "uploads_bucket",
        },
        Decision(
            "S3 bucket for the files the app writes today to local disk",
            f"a Fargate task's disk is gone when the task is replaced ({where})",
            {
                "EFS volume mounted in the task": "keeps the code unchanged but costs $0.30 "
                "per GB-month and adds NFS latency; the right stopgap if the code cannot change",
            },
        ),
    )


def _lambda_function(cfg: Config, bp: Blueprint) -> Resource:
    return Resource(
        "lambda_function",
        "lambda",
        {
            "memory_mb": cfg.sizes.lambda_memory_mb,
            "arch": cfg.sizes.arch,
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


def _ecs_service(profile: AppProfile, cfg: Config, bp: Blueprint) -> Resource:
    s = cfg.sizes
    public = s.nat_gateways == 0
    settings: dict[str, Any] = {
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
        "start_command": str(profile.start_command.value) if profile.start_command else None,
    }
    return Resource("ecs_service", "ecs", settings, _fargate_decision(cfg))


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
    if writes_local_disk(profile):
        out.append(
            {
                "sid": "AppUploads",
                "actions": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                "resources": [
                    f"arn:aws:s3:::{bp.app}-uploads-*",
                    f"arn:aws:s3:::{bp.app}-uploads-*/*",
                ],
            }
        )
    if "ses" in services:
        # sending is authorized on the verified identity (domain or address), never on "*"
        identities = f"arn:aws:ses:{bp.region}:*:identity/*"
        out.append(
            {
                "sid": "AppSes",
                "actions": ["ses:SendEmail", "ses:SendRawEmail"],
                "resources": [identities],
            }
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
