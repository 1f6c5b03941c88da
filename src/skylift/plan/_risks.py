"""What could go wrong in this migration, and what the plan does about it."""

from __future__ import annotations

from collections.abc import Callable

from skylift.config import Config
from skylift.plan.blueprint import Blueprint
from skylift.scan.model import AppProfile, Finding


def risks(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []

    def add(risk: str, mitigation: str, source: str = "") -> None:
        out.append({"risk": risk, "mitigation": mitigation, "source": source})

    db = bp.database
    if db and db["source_engine"] in ("sqlite", "mysql"):
        sql = [f for f in profile.findings if f.code.startswith(db["source_engine"])]
        add(
            f"{db['source_engine']}-only SQL breaks on PostgreSQL ({len(sql)} kind(s) found)",
            "fix every finding listed under Code changes, then run the test suite against the "
            "local rehearsal (`skylift up --target local`) before touching AWS",
            _where(sql),
        )
    if db:
        add(
            "writes made on the old host after the final copy are lost",
            "freeze writes (maintenance page or read-only mode) during the final "
            "`skylift db migrate`; it verifies counts and checksums before cutover",
        )
    if db and db["extensions"]:
        add(
            f"extension(s) {', '.join(db['extensions'])} must exist on RDS before the data",
            "RDS for PostgreSQL 16 ships them; skylift creates them before copying",
            ", ".join(str(e) for d in profile.databases for e in d.evidence[:1]),
        )
    _compute_risks(profile, cfg, bp, add)
    _health_risk(profile, bp, add)
    _env_risks(bp, add)
    _release_risks(bp, add)
    add(
        "DNS caches keep sending users to the old host after the switch",
        "lower the record's TTL to 60 s a day before cutover; keep the old host running "
        "read-only for the rollback window",
    )
    return out


def _compute_risks(
    profile: AppProfile, cfg: Config, bp: Blueprint, add: Callable[..., None]
) -> None:
    s = cfg.sizes
    services = {str(f.value) for f in profile.services}
    if any(
        f.code.startswith("local-disk") or f.code == "writes-local-disk" for f in profile.findings
    ):
        add(
            "the app writes files to local disk; a Fargate task's disk is gone on restart",
            "store the files in the S3 uploads bucket this plan adds (see Code changes)",
            _where([f for f in profile.findings if f.code == "writes-local-disk"]),
        )
    _cron_risks(cfg, bp, add)
    if cfg.tier == "starter":
        add(
            "one task and a single-AZ database: a crash or an AZ outage means downtime "
            "(ECS replaces a task in about a minute; an RDS instance in 10-30 minutes)",
            "accepted for starter; `skylift plan --tier production` removes both",
        )
    if s.spot and cfg.compute == "fargate":
        add(
            "Fargate Spot tasks can be stopped with two minutes' notice",
            "handle SIGTERM (finish requests, exit); production keeps one on-demand task",
        )
    if cfg.compute == "lambda":
        from skylift.plan._serverless import risks as serverless_risks

        serverless_risks(profile, cfg, bp, add)
        add(
            "cold starts add latency to the first request after idle periods",
            "keep the image small; provisioned concurrency if it matters (billed hourly)",
        )
    if "websockets" in services and cfg.compute == "fargate":
        add(
            "long-lived WebSocket connections are cut at the ALB idle timeout (60 s)",
            "send a ping every 30 s, or raise alb.idle_timeout",
        )


def _cron_risks(cfg: Config, bp: Blueprint, add: Callable[..., None]) -> None:
    s = cfg.sizes
    in_process = [j for j in bp.jobs if j["kind"] == "cron" and j["in_process"]]
    where = ", ".join(e for j in in_process for e in j["evidence"][:1])
    if in_process and cfg.compute == "lambda":
        add(
            f"{len(in_process)} cron job(s) run inside the app's process, which Lambda "
            "freezes between requests: they would never run",
            "give each job a command (a script) and let EventBridge Scheduler invoke it",
            where,
        )
    elif in_process and bp.has("cron_service"):
        add(
            f"{len(in_process)} cron job(s) scheduled inside the app run on the one-task cron "
            "service only",
            "a deploy stops the old cron task before the new one starts (never two at once): "
            "a job due in that minute is skipped; schedule jobs away from deploy times",
            where,
        )
    elif in_process and s.max_count == 1:
        add(
            f"{len(in_process)} cron job(s) run inside the web process: the service is "
            "pinned to one task, so it cannot scale out",
            "read a switch in the app (RUN_CRON=false turns the scheduler off) and rerun "
            "`skylift plan`: the production tier then runs them on a one-task cron service",
            where,
        )
    elif in_process:
        add(
            f"{len(in_process)} cron job(s) run inside the web process, on each of up to "
            f"{s.max_count} tasks: every job runs once per task",
            "read a switch in the app (RUN_CRON=false turns the scheduler off) and rerun "
            "`skylift plan`: a one-task cron service then runs them exactly once",
            where,
        )


def _health_risk(profile: AppProfile, bp: Blueprint, add: Callable[..., None]) -> None:
    """Says exactly what the target group checks (the same path and statuses as alb.tf)."""
    check = f"GET {bp.health_path}, healthy on {bp.health_matcher}"
    if profile.health_path is None:
        fix = next((f.suggestion for f in profile.findings if f.code == "no-health-endpoint"), "")
        add(
            f"no health endpoint: the load balancer checks {check} ({bp.health_reason}); a task "
            "whose database is gone still looks healthy",
            f"{fix.split(';')[0]}, then rerun `skylift plan`: the check moves to it",
        )
    elif bp.health_matcher != "200-399":
        add(
            f"the load balancer checks {check}: Django answers 400 to the task's IP as Host",
            "add the task's private IPs (or '*' behind the load balancer) to ALLOWED_HOSTS, then "
            "the check can ask for 200-399",
            bp.health_reason,
        )


def _env_risks(bp: Blueprint, add: Callable[..., None]) -> None:
    if bp.env_questions:
        names = ", ".join(q["name"] for q in bp.env_questions)
        add(
            f"{len(bp.env_questions)} setting(s) skylift cannot know, left unset in the task: "
            f"{names}",
            'give each its production value under [env] in skylift.toml (NAME = "value"; '
            "secrets go in .env), then `skylift generate`: "
            + "; ".join(f"{q['name']}: {q['why']}" for q in bp.env_questions),
        )


def _release_risks(bp: Blueprint, add: Callable[..., None]) -> None:
    at_start = [j for j in bp.jobs if j["kind"] == "release" and j["in_process"]]
    if at_start:
        add(
            f"the app migrates its schema when it starts ({at_start[0]['command']}): every new "
            "task runs the migrations, two at once during a deploy",
            "move them to a release command (the deploy workflow runs it once, before the "
            "rollout), or keep the service at one task while deploying",
            ", ".join(at_start[0]["evidence"][:1]),
        )
    guessed = [
        j
        for j in bp.jobs
        if j["kind"] == "release" and not j["in_process"] and j.get("confidence") == "low"
    ]
    if guessed:
        add(
            f"the release command `{guessed[0]['command']}` was picked by its name only: the "
            "deploy workflow does not run it",
            "check it, then run it by hand (scripts/ecs-run.sh) or make it the Procfile's "
            "release command",
            ", ".join(guessed[0]["evidence"][:1]),
        )


def _where(findings: list[Finding], limit: int = 3) -> str:
    places = [str(e) for f in findings for e in f.evidence]
    more = f" and {len(places) - limit} more" if len(places) > limit else ""
    return ", ".join(places[:limit]) + more
