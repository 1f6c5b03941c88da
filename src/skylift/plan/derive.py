"""AppProfile + Config -> Blueprint. Every service choice carries its reason and what it beat.

The derived defaults (what skylift.toml starts with) live here too, because they follow from the
same facts: a NestJS app needs more memory than a Go binary, a production tier needs two tasks.
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path
from typing import Any

from skylift.config import Config
from skylift.plan import _compute, _edge, _email
from skylift.plan import _resources as res
from skylift.plan._env import plan_env
from skylift.plan.blueprint import Blueprint, Decision
from skylift.scan.model import AppProfile, Database

DEFAULT_PORTS = {"go": 8080, "python": 8000, "node": 3000}
HEAVY_FRAMEWORKS = {"nestjs", "nextjs", "django"}  # want 1 GiB, not 512 MiB, per task


# AWS caps the names built from "<app>-<env>": a load balancer or target group 32 characters,
# a bucket prefix 37 ("<app>-staging-alb-logs-"): an app name of 18 fits them all.
APP_NAME_MAX = 18


def slug(name: str) -> str:
    """The app's name in AWS names: lower-case words, shortened with a hash of the whole when
    too long ("nestjs-prisma-client-starter" -> "nestjs-prisma-6b1f")."""
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "app"
    if len(s) <= APP_NAME_MAX:
        return s
    digest = hashlib.sha256(s.encode()).hexdigest()[:4]
    keep = APP_NAME_MAX - len(digest) - 1
    words, head = s.split("-"), ""
    for word in words:
        if len(head) + len(word) + (1 if head else 0) > keep:
            break
        head = f"{head}-{word}" if head else word
    return f"{head or s[:keep]}-{digest}"


def needs_outbound(profile: AppProfile) -> bool:
    """Does the app call the internet (APIs, email, ...) from its tasks?"""
    services = {str(f.value) for f in profile.services}
    return bool(profile.outbound_apis) or bool(services & {"ses", "smtp", "email"})


def in_process_cron(profile: AppProfile) -> bool:
    return any(j.kind == "cron" and j.command.startswith("in-process") for j in profile.jobs)


def derived_defaults(profile: AppProfile, tier: str, compute: str) -> dict[str, Any]:
    """The values skylift.toml starts with for this app, tier and compute."""
    production = tier == "production"
    framework = str(profile.framework.value) if profile.framework else ""
    heavy = framework in HEAVY_FRAMEWORKS
    # Lambda runs in private subnets: an app that calls the internet needs a way out, a NAT
    # instance at the starter tier (a fifth of a gateway's price), gateways in production
    outbound = compute == "lambda" and needs_outbound(profile)
    nat = 2 if production and (outbound or compute == "fargate") else 0
    return {
        "app.name": slug(profile.name),
        "sizes.cpu": 0.5 if production else 0.25,
        "sizes.memory": 1024 if (production or heavy) else 512,
        "sizes.desired_count": 2 if production else 1,
        "sizes.min_count": 2 if production else 1,
        # an in-process scheduler runs once per task: a starter service stays at one task
        "sizes.max_count": 4 if production else (1 if in_process_cron(profile) else 2),
        "sizes.lambda_memory_mb": 1024 if heavy else 512,
        "sizes.db_instance_class": "db.t4g.small" if production else "db.t4g.micro",
        "sizes.db_storage_gb": db_storage_gb(profile),
        "sizes.db_multi_az": production,
        "sizes.db_backup_retention_days": 14 if production else 7,
        "sizes.nat_gateways": nat,
        "sizes.nat_instance": outbound and not production,
        "sizes.rds_proxy": compute == "lambda" and production and bool(profile.databases),
        "sizes.log_retention_days": 90 if production else 30,
        "usage.log_gb": 2.0 if production else 1.0,
        "usage.nat_gb": 10.0 if nat or outbound else 0.0,
        # with tasks in two AZs, about half the app's database traffic crosses an AZ boundary
        "usage.cross_az_gb": 10.0 if production else 0.0,
    }


def db_storage_gb(profile: AppProfile) -> int:
    """gp3's 20 GB minimum, or 4x the data the repository holds (room for indexes and growth)."""
    total = 0
    for db in profile.databases:
        for f in db.files:
            p = Path(profile.root) / f
            if p.is_file():
                total += p.stat().st_size
    return max(20, math.ceil(total * 4 / 1e9))


def build(profile: AppProfile, cfg: Config) -> Blueprint:
    """Derive the target architecture. Pure: reads the profile and the config, nothing else."""
    runtime = _runtime(profile)
    bp = Blueprint(
        app=cfg.name,
        region=cfg.region,
        tier=cfg.tier,  # type: ignore[arg-type]
        compute=cfg.compute,  # type: ignore[arg-type]
        runtime=runtime,
        port=int(profile.port.value) if profile.port else DEFAULT_PORTS.get(runtime, 3000),
        health_path="/",
        runtime_version=_runtime_version(profile),
        app_dir=profile.apps[0] if profile.apps else "",
        environments=["staging", "prod"] if cfg.staging else ["prod"],
        domain=cfg.domain or None,
        cpu_arch=cfg.sizes.arch,  # type: ignore[arg-type]
        availability_zones=2,
        tags={"app": cfg.name, "managed-by": "skylift", "tier": cfg.tier},
    )
    bp.dockerfile, bp.docker_context, bp.docker_target = _image(profile)
    envp = plan_env(profile, cfg, bp.port)
    bp.secrets, bp.config_env, bp.env_wiring = envp.secrets, envp.config, envp.wired
    bp.env_questions, bp.env_unset = envp.questions, envp.unset
    bp.health_path, bp.health_matcher, bp.health_reason = health_check(profile)
    bp.jobs = _jobs(profile)
    bp.database = _database(profile, cfg)
    bp.cache = _cache(profile, cfg)
    bp.assumptions = _assumptions(cfg)
    bp.current = _current(profile, cfg)
    # the web tasks turn their scheduler off only through a switch the app reads
    bp.config_env.update(_compute.web_cron_env(profile, cfg, bp))
    _email.wire(profile, cfg, bp)  # SMTP variables -> SES (plan/_email.py)
    bp.resources = res.resources(profile, cfg, bp)
    bp.decisions = _decisions(profile, cfg, bp)
    bp.risks = _risks(profile, cfg, bp) + _email.risks(profile, cfg, bp)
    return bp


def _image(profile: AppProfile) -> tuple[str, str, str]:
    """The Dockerfile, context and stage the production image is built from (scan/image.py)."""
    value = profile.dockerfile.value if profile.dockerfile else {}
    return (
        str(value.get("path") or "Dockerfile"),
        str(value.get("context") or "."),
        str(value.get("target") or ""),
    )


def _image_decision(profile: AppProfile) -> Decision | None:
    """Said only when there was a choice: a production Dockerfile beside a development one."""
    value = profile.dockerfile.value if profile.dockerfile else {}
    if not value or (value.get("path") == "Dockerfile" and "; not " not in str(value["why"])):
        return None
    stage = f", stage {value['target']}" if value.get("target") else ""
    return Decision(
        f"{value['path']} (context {value['context']}{stage})",
        f"{value['why']}: CI, the rehearsal and the documents build this one",
    )


def _runtime(profile: AppProfile) -> str:
    if profile.runtime and isinstance(profile.runtime.value, dict):
        return str(profile.runtime.value.get("language", "unknown"))
    return "unknown"


LTS_VERSIONS = {"node": "20", "python": "3.12", "go": "1.22"}


def _runtime_version(profile: AppProfile) -> str:
    """The version the app declares; a floor (`>=10`) gets the current one when that is newer."""
    value = profile.runtime.value if profile.runtime else None
    if not isinstance(value, dict):
        return ""
    version = str(value.get("version") or "")
    lts = LTS_VERSIONS.get(str(value.get("language")), "")
    if value.get("floor") and lts and _newer(lts, version):
        return lts
    return version


def _newer(a: str, b: str) -> bool:
    def parts(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", v)[:2])

    return parts(a) > parts(b)


# routes cheap and public enough to probe every 15 s: the root, version/info/docs pages
_PROBE_ROUTES = re.compile(
    r"^/(?:api/?|v\d+/?)?(?:|version|info|about|docs|swagger|ping|status)/?$"
)


def health_check(profile: AppProfile) -> tuple[str, str, str]:
    """(path, matcher, why). The app's health route; else the root or a version/docs page it
    serves, healthy on any answer below 500 (a 401 or a 404 still proves the server answers);
    else / on the same terms. A business route (a search, a list) is never probed: it may be
    heavy, or fail without its parameters."""
    framework = str(profile.framework.value) if profile.framework else ""
    # Django answers 400 to a Host it does not allow, and the ALB sends the task's IP as Host
    matcher = "200-499" if framework == "django" else "200-399"
    if profile.health_path:
        where = ", ".join(str(e) for e in profile.health_path.evidence[:1])
        return str(profile.health_path.value), matcher, f"the app's health route ({where})"
    route = next((r for r in profile.routes if _PROBE_ROUTES.match(str(r.value))), None)
    if route is not None:
        where = ", ".join(str(e) for e in route.evidence[:1])
        return (
            str(route.value),
            "200-499",
            f"no health route: GET {route.value} ({where}) answering below 500 shows the server is up",
        )
    return (
        "/",
        "200-499",
        "no health route: any answer below 500 on / (a 404 too) shows the server is up",
    )


def _jobs(profile: AppProfile) -> list[dict[str, Any]]:
    release: list[dict[str, Any]] = []
    own = [
        j for j in profile.jobs if j.kind == "release" and not j.command.startswith("in-process")
    ]
    # the image's own start migrates first (`drizzle-kit migrate && yarn start`): a release
    # step of its own would run it twice, from an image that may not hold its source config
    by_image = any(j.command.startswith("in-process (the image's start") for j in profile.jobs)
    if profile.release_command and not own and not by_image:
        rc = profile.release_command
        release.append(
            {
                "name": "release",
                "kind": "release",
                "command": str(rc.value),
                "schedule": None,
                "schedule_expression": None,
                "in_process": False,
                "evidence": [str(e) for e in rc.evidence],
                "confidence": rc.confidence,
                "env": {},
                "scheduled_by": None,
            }
        )
    return release + [
        {
            "name": j.name,
            "kind": j.kind,
            "command": j.command,
            "schedule": j.schedule,
            # fired by a long-running scheduler (celery beat): nothing for EventBridge to start
            "schedule_expression": eventbridge_cron(j.schedule)
            if j.schedule and not j.scheduled_by
            else None,
            # scheduled by a library inside the web process: no command of its own to run
            "in_process": j.command.startswith("in-process"),
            "evidence": [str(e) for e in j.evidence],
            "confidence": j.confidence,
            "env": dict(j.env),
            "scheduled_by": j.scheduled_by,
        }
        for j in profile.jobs
    ]


def eventbridge_cron(expr: str) -> str:
    """Unix cron (5 or 6 fields) -> EventBridge `cron(...)` (6 fields, one of dom/dow is `?`)."""
    parts = expr.split()
    if len(parts) == 6:  # node-cron / @nestjs/schedule allow seconds first: drop them
        parts = parts[1:]
    if len(parts) != 5:
        return f"cron({expr})"
    minute, hour, dom, month, dow = parts
    if dow == "*":
        dow = "?"
    elif dom == "*":
        dom = "?"
        dow = re.sub(r"\d", lambda m: str(int(m.group()) % 7 + 1), dow)  # 0=Sun -> 1=SUN
    return f"cron({minute} {hour} {dom} {month} {dow} *)"


def _source_database(profile: AppProfile) -> Database:
    """The data to move: the database whose files the repository holds (a SQLite file, a
    dump), also when the code already talks PostgreSQL (changed before the data moved). On
    Heroku, whose dynos lose their files at every restart, a SQLite file is the laptop's (the
    fallback of `os.getenv("DATABASE_URL", "sqlite:///...")`): the data is in Heroku Postgres."""
    dbs = profile.databases
    heroku = profile.current_host is not None and profile.current_host.value == "heroku"
    if heroku and (pg := next((d for d in dbs if d.engine == "postgresql"), None)):
        return pg
    return next((d for d in dbs if d.files), dbs[0])


def _database(profile: AppProfile, cfg: Config) -> dict[str, Any] | None:
    if not profile.databases:
        return None
    src = _source_database(profile)
    s = cfg.sizes
    return {
        "engine": "postgres",
        "engine_version": "16",
        "instance_class": s.db_instance_class,
        "storage_gb": s.db_storage_gb,
        "multi_az": s.db_multi_az,
        "backup_retention_days": s.db_backup_retention_days,
        "extensions": sorted({e for d in profile.databases for e in d.extensions}),
        "source_engine": src.engine,
        "source_driver": src.driver or profile.databases[0].driver,
        "source_orm": src.orm or profile.databases[0].orm,
        "source_files": list(src.files),
        # a SQLite file as the app opens it ("data/app.db"), whether or not the repo holds it
        "source_location": src.location,
        "migration_tool": src.migration_tool
        or next((d.migration_tool for d in profile.databases if d.migration_tool), None),
        "name": cfg.name.replace("-", "_"),
    }


def _cache(profile: AppProfile, cfg: Config) -> dict[str, Any] | None:
    if not profile.cache:
        return None
    value = profile.cache.value if isinstance(profile.cache.value, dict) else {}
    return {
        "engine": "valkey",
        "engine_version": "8.0",
        "source_engine": value.get("engine", "redis"),
        "client": value.get("client"),
        "node_type": cfg.sizes.cache_node_type,
        "nodes": 2 if cfg.tier == "production" else 1,
    }


def _assumptions(cfg: Config) -> dict[str, Any]:
    u = cfg.usage
    egress = u.requests_per_month * u.avg_response_kb / 1e6
    return {
        "hours_per_month": 730,
        "requests_per_month": u.requests_per_month,
        "avg_response_kb": u.avg_response_kb,
        "egress_gb": round(egress, 2),
        "log_gb": u.log_gb,
        "nat_gb": u.nat_gb,
        "s3_backup_gb": u.s3_backup_gb,
        "s3_uploads_gb": u.s3_uploads_gb,
        "ecr_gb": u.ecr_gb,
        "db_backup_extra_gb": u.db_backup_extra_gb,
        "cross_az_gb": u.cross_az_gb,
        "emails_per_month": u.emails_per_month,
        "lambda_avg_ms": u.lambda_avg_ms,
        "cron_run_minutes": 5,
    }


def _current(profile: AppProfile, cfg: Config) -> dict[str, Any]:
    host = str(profile.current_host.value) if profile.current_host else "unknown"
    from skylift.plan._hosts import heroku_bill

    return {
        "host": host,
        "monthly_cost": cfg.current.monthly_cost or None,
        # the dynos and add-ons the app declares (app.json, Procfile), not a guess
        "heroku": heroku_bill(profile, cfg) if host == "heroku" else None,
    }


def _decisions(profile: AppProfile, cfg: Config, bp: Blueprint) -> dict[str, Decision]:
    d: dict[str, Decision] = {}
    d["tier"] = _tier_decision(cfg)
    d["cpu_arch"] = (
        Decision(
            "arm64 (Graviton)",
            f"about 20% cheaper per vCPU-hour than x86 on Fargate; a {bp.runtime} image builds "
            "for linux/arm64 with `docker buildx --platform linux/arm64`",
            {"x86_64": "costs ~25% more for the same size; pick it only for x86-only binaries"},
        )
        if cfg.sizes.arch == "arm64"
        else Decision(
            "x86_64",
            "set in skylift.toml (native dependencies built only for x86)",
            {"arm64": "~20% cheaper, but needs every native dependency built for arm64"},
        )
    )
    d["secrets"] = Decision(
        "SSM Parameter Store (SecureString, standard tier)",
        f"{len(bp.secrets)} secret(s) injected into the task at start; standard parameters are "
        "free and ECS reads them natively",
        {
            "Secrets Manager": f"$0.40 per secret per month (${0.4 * len(bp.secrets):.2f} here) "
            "for rotation these secrets do not use; kept only for the RDS master password, "
            "which RDS rotates itself",
            ".env file in the image": "a secret in an image is a leaked secret",
        },
    )
    from skylift.plan._serverless import decisions as serverless_decisions

    d.update(serverless_decisions(cfg, bp))
    cron = _compute.cron_decision(cfg, bp)
    if cron:
        d["cron"] = cron
    image = _image_decision(profile)
    if image:
        d["image"] = image
    edge = _edge.without_cdn(profile, cfg, bp)  # why an app with static assets has no CDN
    if edge:
        d["edge"] = edge
    domain = _edge.domain_proposal(profile, cfg)  # a domain the scan found, proposed
    if domain:
        d["domain"] = domain
    return d


def _tier_decision(cfg: Config) -> Decision:
    if cfg.tier == "starter":
        return Decision(
            "starter",
            "the cheapest sane setup: one task, single-AZ database, no NAT gateway, daily "
            "backups; a task or AZ failure means minutes of downtime while ECS replaces it",
            {
                "production": "two tasks in two AZs, Multi-AZ RDS, WAF, NAT gateways and alarms "
                "roughly triple the bill; switch with `skylift plan --tier production`"
            },
        )
    return Decision(
        "production",
        "survives the loss of a task or an availability zone without downtime: two tasks in "
        "two AZs, Multi-AZ RDS with automatic failover, WAF in front, alarms on errors",
        {"starter": "cheaper, but one task and one database instance are single points of failure"},
    )


def _risks(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[dict[str, str]]:
    from skylift.plan._risks import risks

    return risks(profile, cfg, bp)
