"""Compute resources: the web service (Fargate or Lambda), queue workers, the cron runner,
the image registry and the scheduler; with the IAM permissions the tasks need.

Every ECS service here is generated as its own Terraform service and task definition (see
render/templates/infra/ecs.tf.j2 and workers.tf.j2), and priced from the same settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from skylift.config import Config
from skylift.plan import _storage
from skylift.plan._cron import cron_switch
from skylift.plan.blueprint import Blueprint, Decision, Resource
from skylift.scan.model import AppProfile

# A process that schedules work must run exactly once: never two tasks, never on Spot.
_SCHEDULER_PROCESS = re.compile(r"\b(beat|clock|scheduler|cron)\b", re.I)


def compute(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[Resource]:
    if cfg.compute == "lambda":
        from skylift.plan._serverless import function

        web = function(profile, cfg, bp)
    else:
        web = _ecs_service(profile, cfg, bp)
    out = [
        web,
        Resource(
            "ecr",
            "ecr",
            {"repository": bp.app, "scan_on_push": True, "keep_images": 30},
            terraform=["aws_ecr_repository.app"],
        ),
    ]
    # Lambda has no one-off task to start for a job (the risks say so)
    scheduled = scheduled_jobs(bp) if cfg.compute == "fargate" else []
    if scheduled:
        out.append(
            Resource(
                "scheduler",
                "scheduler",
                {"target": cfg.compute, "jobs": scheduled},
                count=len(scheduled),
                terraform=[f"aws_scheduler_schedule.{j['id']}" for j in scheduled],
            )
        )
    if cfg.compute == "fargate":
        out += _side_services(profile, cfg, bp)
    if writes_local_disk(profile) or _storage.uses_s3_storage(profile):
        out.append(_uploads_bucket(profile, bp))
        bp.config_env.pop("UPLOADS_BUCKET", None)  # the tasks get the bucket's real name
    return out


def scheduled_jobs(bp: Blueprint) -> list[dict[str, Any]]:
    """Cron jobs with a command of their own: each becomes an EventBridge schedule that starts
    a one-off task of the app's image with that command."""
    out = []
    for job in bp.jobs:
        command = str(job.get("command") or "")
        expr = job.get("schedule_expression")
        if job["kind"] != "cron" or job.get("in_process") or not command or not expr:
            continue
        slug = _slug(str(job["name"]), "job")
        out.append(
            {
                "name": job["name"],
                "id": slug.replace("-", "_"),
                "slug": slug,
                "command": command,
                "schedule": job.get("schedule"),
                "cron": job.get("schedule") or expr,
                "aws_cron": expr.removeprefix("cron(").removesuffix(")"),
                "argv": ["sh", "-c", command],
                "evidence": ", ".join(job.get("evidence") or []) or "the scan",
            }
        )
    return out


def worker_key(name: str) -> str:
    """The Blueprint key of a worker's service (worker_<slug>)."""
    return "worker_" + _slug(name, "worker").replace("-", "_")


def _slug(name: str, default: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or default


def writes_local_disk(profile: AppProfile) -> bool:
    return any(f.code == "writes-local-disk" for f in profile.findings)


def _uploads_bucket(profile: AppProfile, bp: Blueprint) -> Resource:
    if _storage.uses_s3_storage(profile):
        return _storages_bucket(profile, bp)
    where = ", ".join(
        str(e) for f in profile.findings if f.code == "writes-local-disk" for e in f.evidence[:2]
    )
    return Resource(
        "s3_uploads",
        "s3",
        _bucket(profile, bp, ["UPLOADS_BUCKET"]),
        Decision(
            "S3 bucket for the files the app writes today to local disk",
            f"a Fargate task's disk is gone when the task is replaced ({where}); the tasks get "
            "the bucket's name in UPLOADS_BUCKET and may read, write and delete in it",
            {
                "EFS volume mounted in the task": "keeps the code unchanged but costs $0.30 "
                "per GB-month and adds NFS latency; the right stopgap if the code cannot change",
            },
        ),
        terraform=["aws_s3_bucket.uploads"],
    )


def _bucket(profile: AppProfile, bp: Blueprint, names: list[str]) -> dict[str, Any]:
    """The uploads bucket's settings: private, versioned, KMS; its name in `names` (the
    first is the one the task definition's own variable holds)."""
    return {
        "bucket_prefix": f"{bp.app}-uploads-",
        "versioning": True,
        "encryption": "aws:kms",
        "block_public_access": True,
        "env_var": names[0],
        "env_vars": names,
        "terraform_output": "uploads_bucket",
        "folders": _upload_folders(profile),
    }


def _storages_bucket(profile: AppProfile, bp: Blueprint) -> Resource:
    """django-storages' S3 backend: the same private bucket, under the names its settings read
    (plan/_storage.py); files written to local disk as well go there too (UPLOADS_BUCKET)."""
    names = _storage.wire(profile, bp)
    if writes_local_disk(profile):
        names = ["UPLOADS_BUCKET", *names]
    where = ", ".join(
        str(e)
        for f in profile.services
        if f.value in ("s3-storage", "s3-static")
        for e in f.evidence[:1]
    )
    what = "media and static files" if _storage.static_on_s3(profile) else "media files"
    return Resource(
        "s3_uploads",
        "s3",
        # collectstatic uploads there: in the release step, not in the image build
        {**_bucket(profile, bp, names), "static": _storage.static_on_s3(profile)},
        Decision(
            f"S3 bucket for the {what} django-storages keeps there",
            f"the settings store them with django-storages' S3 backend ({where}); the tasks get "
            f"the bucket's name in {', '.join(names)}, the region, and read/write/delete access "
            "through the task role (no access keys); django-storages hands out signed URLs, as "
            "the bucket is private"
            + (
                "; collectstatic uploads the static files in the release step"
                if _storage.static_on_s3(profile)
                else ""
            ),
            {
                "keep the current bucket": "it stays on the old account's keys; set its name in "
                "skylift.toml [env] and the task role still needs access to it",
            },
        ),
        terraform=["aws_s3_bucket.uploads"],
    )


def _upload_folders(profile: AppProfile) -> list[str]:
    """Folders on the old host that hold the files (the host volumes the scan found)."""
    folders = []
    for f in profile.findings:
        if f.code != "host-volumes":
            continue
        for e in f.evidence:
            line = (e.excerpt or "").strip().lstrip("- ").strip("\"'")
            folder = line.split(":")[0]
            if folder.startswith((".", "/")) and folder not in folders:
                folders.append(folder)
    return folders


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
        # dev and staging on Fargate Spot even when prod is not (render/_blueprint.env_settings)
        "spot_non_production": s.spot_non_production,
        "assign_public_ip": public,
        "subnets": "public" if public else "private",
        "container_port": bp.port,
        "health_check_path": bp.health_path,
        "autoscaling_cpu_target": 60,
        "deployment_minimum_healthy_percent": 100,
        "deployment_maximum_percent": 200,
        "task_permissions": task_permissions(profile, bp),
        "egress_ports": [587] if "smtp" in _services(profile) else [],
        "start_command": str(profile.start_command.value) if profile.start_command else None,
        # the image runs it once (`tsc` of a `tsc && node` start split in two)
        "build_command": str(profile.build_command.value) if profile.build_command else None,
    }
    return Resource(
        "ecs_service",
        "ecs",
        settings,
        _fargate_decision(cfg),
        terraform=["aws_ecs_service.app"],
    )


def needs_cron_service(profile: AppProfile, cfg: Config, bp: Blueprint) -> bool:
    """In-process cron jobs, a web service that may run more than one task, and a switch in
    the app that turns its scheduler off: then one task of its own runs the schedule."""
    return (
        cfg.compute == "fargate"
        and cfg.sizes.max_count > 1
        and any(j["kind"] == "cron" and j["in_process"] for j in bp.jobs)
        and cron_switch(profile) is not None
    )


def web_cron_env(profile: AppProfile, cfg: Config, bp: Blueprint) -> dict[str, str]:
    """What the web tasks are told about the in-process scheduler: only a switch the app reads,
    and only when a cron service runs the schedule instead (never an invented variable)."""
    switch = cron_switch(profile)
    if switch is None or not needs_cron_service(profile, cfg, bp):
        return {}
    return {switch.name: switch.off}


def _side_services(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[Resource]:
    """ECS services without a load balancer: queue workers, and the one-task cron runner."""
    out = []
    for j in bp.jobs:
        if j["kind"] != "worker" or not j.get("command"):
            continue
        singleton = bool(_SCHEDULER_PROCESS.search(f"{j['name']} {j['command']}"))
        why = (
            "a scheduler process must run exactly once: one task, never on Spot"
            if singleton
            else "a long-running worker (queue consumer) needs its own service: it takes "
            "no HTTP traffic and must not scale with the web tasks"
        )
        slug = _slug(str(j["name"]), "worker")
        side = _SideService(
            key=worker_key(str(j["name"])),
            name=slug,
            command=str(j["command"]),
            env=dict(j.get("env") or {}),
            singleton=singleton,
            evidence=", ".join(j.get("evidence") or []),
        )
        out.append(_side_service(cfg, side, why))
    switch = cron_switch(profile)
    if switch is not None and needs_cron_service(profile, cfg, bp):
        start = str(profile.start_command.value) if profile.start_command else None
        side = _SideService("cron_service", "cron", start, {switch.name: switch.on}, True, "")
        why = (
            f"runs the app's in-process scheduler on exactly one task ({switch.name}="
            f"{switch.on}; the web tasks get {switch.name}={switch.off}, read at "
            f"{switch.evidence})"
        )
        side.evidence = switch.evidence
        out.append(_side_service(cfg, side, why))
    return out


@dataclass
class _SideService:
    key: str  # Blueprint key: worker_<slug> or cron_service
    name: str  # in AWS names: <app>-<name> service, <app>-<env>-<name> task family
    command: str | None  # None: the image's own start command
    env: dict[str, str]  # set on this service only (its role: APP_TYPE=worker, RUN_CRON=true)
    singleton: bool  # a scheduler: exactly one task, never two during a deploy, never Spot
    evidence: str


def _side_service(cfg: Config, side: _SideService, why: str) -> Resource:
    """One task of the web image with its own command: the same size as a web task (it runs
    the same code), in the same subnets."""
    s = cfg.sizes
    spot = s.spot and not side.singleton
    tf_id = "cron" if side.key == "cron_service" else side.key  # aws_ecs_service.<tf_id>
    what = side.command or "the web start command"
    return Resource(
        side.key,
        "ecs",
        {
            "id": tf_id,
            "name": side.name,
            "command": side.command,
            "env": side.env,
            "singleton": side.singleton,
            "evidence": side.evidence,
            "cpu": s.cpu,
            "cpu_units": int(s.cpu * 1024),
            "memory": s.memory,
            "desired_count": 1,
            "min_count": 1,
            "max_count": 1,
            "arch": s.arch,
            "spot": spot,
            "on_demand_base": 0 if spot else 1,
            "assign_public_ip": s.nat_gateways == 0,
            "subnets": "public" if s.nat_gateways == 0 else "private",
            "load_balancer": False,
        },
        Decision(f"one Fargate task{' on Spot' if spot else ''}, no load balancer: {what}", why),
        terraform=[f"aws_ecs_service.{tf_id}"],
    )


def _services(profile: AppProfile) -> set[str]:
    return {str(f.value) for f in profile.services}


def task_permissions(profile: AppProfile, bp: Blueprint) -> list[dict[str, Any]]:
    """IAM statements the task role needs for the AWS services the app already calls (the
    uploads bucket's statements are written with the bucket, in iam.tf)."""
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
    spot = ""
    if s.spot:
        base = _on_demand_base(cfg)
        spot = f" ({base} on-demand, the rest on Fargate Spot)" if base else " on Fargate Spot"
    return Decision(
        f"ECS Fargate, {s.desired_count} task(s) of {s.cpu} vCPU / {s.memory} MiB{spot}, {where}",
        "runs the existing container unchanged, no servers to patch, per-second billing",
        {
            "Lambda": "the app is a long-running HTTP server; Lambda needs an adapter and "
            "caps requests at 29 s behind API Gateway",
            "EC2 + docker-compose": "cheaper per vCPU but you patch and replace the host",
            "App Runner": "no control over networking to reach a private RDS cheaply",
            "Fargate Spot": "70% cheaper, but AWS may stop a task with 2 minutes' notice"
            if not s.spot
            else "chosen in skylift.toml: a capacity provider strategy places the tasks",
        },
    )


def cron_decision(cfg: Config, bp: Blueprint) -> Decision | None:
    """How the scheduled jobs run: what the Terraform builds for them, and nothing else."""
    crons = [j for j in bp.jobs if j["kind"] == "cron"]
    if not crons:
        return None
    if cfg.compute == "lambda":
        return Decision(
            "no scheduler: Lambda runs the app only while it answers a request",
            f"{len(crons)} job(s) are scheduled; an in-process scheduler never fires in a "
            "frozen function and there is no task to start for a command (see the risks)",
            {"compute = fargate": "one-off tasks on a schedule, or a one-task cron service"},
        )
    in_process = [j for j in crons if j["in_process"]]
    if in_process:
        return _in_process_decision(cfg, bp, len(in_process))
    return Decision(
        "EventBridge Scheduler starts each job as a one-off task",
        "a job runs exactly once per schedule, whatever the number of web tasks, and a "
        "deploy does not skip it",
        _CRON_ALTERNATIVES,
    )


_CRON_ALTERNATIVES = {
    "in-process scheduler on every web task": "runs once per task: twice with two tasks",
    "cron on a server": "there is no server to own",
}


def _in_process_decision(cfg: Config, bp: Blueprint, jobs: int) -> Decision:
    svc = bp.resource("cron_service")
    if svc is not None:
        ((name, on),) = svc.settings["env"].items()
        off = bp.config_env.get(name, "")
        return Decision(
            f"a one-task cron service runs the in-process scheduler ({name}={on}); the web "
            f"tasks set {name}={off}",
            f"{jobs} job(s) are scheduled inside the app; exactly one task must run them "
            "while the web service scales",
            {
                **_CRON_ALTERNATIVES,
                "EventBridge Scheduler + a one-off task per job": "needs a command per job, "
                "which the app does not have yet",
            },
        )
    if cfg.sizes.max_count == 1:
        return Decision(
            "keep the in-process scheduler; the web service runs one task (max_count = 1)",
            f"{jobs} job(s) are scheduled inside the app: with a single task they run "
            "exactly once, at no extra cost",
            {
                **_CRON_ALTERNATIVES,
                "a separate cron service": "needs a switch in the app (RUN_CRON=false) that "
                "turns the scheduler off on the web tasks",
            },
        )
    return Decision(
        f"the in-process scheduler runs on every web task (up to {cfg.sizes.max_count}): "
        "each job runs once per task",
        "the app reads no switch that turns its scheduler off, so no task can be told not "
        "to run it; read one (for example RUN_CRON, false on the web tasks) and rerun "
        "`skylift plan`: a one-task cron service then runs the jobs exactly once",
        {**_CRON_ALTERNATIVES, "max_count = 1 in skylift.toml": "exactly once, but no scaling"},
    )
