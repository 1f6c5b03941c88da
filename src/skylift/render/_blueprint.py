"""The parts of the Terraform context that follow the Blueprint's resources one to one: the
worker services, the scheduled jobs, the alarms, the uploads bucket, Container Insights, Spot
and the DNS zone. What is rendered here is exactly what plan/cost.py prices (render/_ledger.py
checks it on every render)."""

from __future__ import annotations

from typing import Any

from skylift.plan.blueprint import Blueprint
from skylift.render import _context as ctxs

TITLES = {"cron_service": "Cron service"}


def context(bp: Blueprint) -> dict[str, Any]:
    ecr = bp.resource("ecr")
    scheduler = bp.resource("scheduler")
    alarms = bp.resource("alarms")
    return {
        "workers": workers(bp),
        "jobs": list(scheduler.settings["jobs"]) if scheduler else [],
        "alarms": list(alarms.settings["alarms"]) if alarms else [],
        "uploads": _uploads(bp),
        "ecr_keep_images": ecr.settings.get("keep_images", 30) if ecr else 30,
        "cdn": _cdn(bp),
        "ses": _ses(bp),
        "db_export": _settings_of(bp, "db_export"),
        # the app's SSM secrets, and the SES SMTP credentials `skylift up` writes beside them
        "secrets": sorted({*ctxs.ssm_secret_names(bp), *_smtp_names(bp)}),
        # ALBRequestCountPerTarget (a minute) the autoscaling policy keeps each task under
        "requests_per_target": int(_svc(bp).get("requests_per_target", 1000)),
    }


def workers(bp: Blueprint) -> list[dict[str, Any]]:
    """ECS services other than the web one, in the Blueprint's order."""
    out = []
    for r in bp.resources:
        if r.kind != "ecs" or r.key == "ecs_service":
            continue
        s = r.settings
        command = s["command"]
        out.append(
            {
                "id": s["id"],
                "key": r.key,
                "name": s["name"],
                "title": TITLES.get(r.key, f"Worker {s['name']}"),
                "what": f"`{command}`" if command else "the image's start command",
                "evidence": s["evidence"] or "the scan",
                # exec form; a command with shell syntax runs under sh -c, as a Procfile's did
                "argv": (ctxs.command_argv(command) or []) if command else [],
                "env": [{"name": k, "value": v} for k, v in sorted(s["env"].items())],
                "spot": s["spot"],
                "singleton": s["singleton"],
            }
        )
    return out


def _settings_of(bp: Blueprint, key: str) -> dict[str, Any] | None:
    r = bp.resource(key)
    return dict(r.settings) if r else None


def _svc(bp: Blueprint) -> dict[str, Any]:
    r = bp.resource("ecs_service")
    return r.settings if r else {}


def _cdn(bp: Blueprint) -> dict[str, Any] | None:
    """CloudFront in front of the load balancer (plan/_edge.py), rendered in cdn.tf."""
    r = bp.resource("cloudfront")
    if r is None:
        return None
    s = r.settings
    return {
        "static_paths": s["static_paths"],
        "static_ttl": s["static_ttl_seconds"],
        "price_class": s["price_class"],
        # an ACM certificate for CloudFront must be in us-east-1: the ALB's serves both there
        "own_certificate": bp.region != "us-east-1",
        # HSTS includeSubDomains and preload only below an apex: on example.com itself they
        # would force HTTPS on every other host of the domain, which the app does not own
        "hsts_subdomains": (bp.domain or "").count(".") >= 2,
    }


def _smtp_names(bp: Blueprint) -> list[str]:
    ses = _ses(bp)
    return list(ses["smtp_names"]) if ses else []


def _ses(bp: Blueprint) -> dict[str, Any] | None:
    """SES for the app's domain (plan/_email.py), rendered in ses.tf."""
    r = bp.resource("ses")
    if r is None:
        return None
    s = r.settings
    return {
        "spf": s["spf"],
        "dmarc": s["dmarc"],
        "smtp": s["smtp"],
        "smtp_names": s["smtp_user_names"] + s["smtp_password_names"],
    }


def _uploads(bp: Blueprint) -> dict[str, Any] | None:
    r = bp.resource("s3_uploads")
    if r is None:
        return None
    why = r.decision.reason.split(";")[0] if r.decision else "files written to local disk"
    names = r.settings.get("env_vars") or [r.settings["env_var"]]
    return {"env_var": ", ".join(names), "env_vars": names, "why": why}


def env_settings(bp: Blueprint, env_name: str) -> dict[str, Any]:
    """What one environment's tfvars add for Spot and DNS (prod is the Blueprint; dev and
    staging copy its choices)."""
    svc = bp.resource("ecs_service")
    dns = bp.resource("route53")
    s = svc.settings if svc else {}
    spot = bool(s.get("spot"))
    base = int(s.get("on_demand_base", 0)) if spot else 0
    if env_name != "prod":
        base = min(base, 1)
        if s.get("spot_non_production"):  # every dev and staging task on Spot
            spot, base = True, 0
    return {
        "spot": spot,
        "on_demand_base": base,
        # per-task metrics cost a few dollars a service: prod only
        "container_insights": bp.has("container_insights") and env_name == "prod",
        "route53_zone_id": dns.settings["zone_id"] if dns else "",
        # one GitHub OIDC provider per account: prod creates it, dev and staging look it up
        "github_oidc_owner": env_name == "prod",
        # a zone created for dev or staging has a delegation of its own to wait for
        "certificate_validated": dns is not None
        and dns.settings["delegated"]
        and (env_name == "prod" or bool(dns.settings["zone_id"])),
    }
