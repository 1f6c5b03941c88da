"""The runbook of the plan document: its phases with the exact commands, and how each job runs
on AWS. A document prints a `skylift` command only when the CLI has it (`available`): when
`skylift cutover` and `skylift rollback` exist, the phases print them without another change;
until then they say what to do by hand. tests/plan/test_commands.py runs every command
printed here against the CLI and the Terraform outputs."""

from __future__ import annotations

import shlex
from functools import cache
from typing import Any

from skylift.plan._compute import worker_key
from skylift.plan.blueprint import Blueprint
from skylift.scan.model import AppProfile


@cache
def available() -> frozenset[str]:
    """The commands of the skylift CLI: "plan", "db migrate", "task run", ..."""
    import importlib

    import typer.main

    # looked up at run time: the CLI sits on top of this library, which must not depend on it
    app = importlib.import_module("skylift.cli").app  # importing it registers every command
    group = typer.main.get_command(app)  # a click group (Typer's own copy of click)
    out: set[str] = set()
    for name, cmd in getattr(group, "commands", {}).items():
        out.add(name)
        out.update(f"{name} {sub}" for sub in getattr(cmd, "commands", {}))
    return frozenset(out)


# reads the state `skylift up --target aws` wrote (backend.hcl holds its bucket and key)
_INIT = "terraform -chdir=infra init -backend-config=backend.hcl"


def _phase(title: str, step: str, *commands: str) -> dict[str, Any]:
    return {"title": title, "steps": [step], "commands": list(commands)}


def source_url(bp: Blueprint) -> str:
    db = bp.database
    if not db:
        return ""
    files = db["source_files"]
    if db["source_engine"] == "sqlite":
        db_file = db.get("source_location") or next(
            (f for f in files if not f.endswith(".sql")), files[0] if files else "app.db"
        )
        return f"sqlite:///{db_file}"
    if db["source_engine"] == "mysql":
        return f"mysql://USER:PASSWORD@OLD_HOST:3306/{db['name']}"
    if (bp.current or {}).get("host") == "heroku":
        return f'"$(heroku config:get DATABASE_URL -a {bp.app})"'
    return f"postgresql://USER:PASSWORD@OLD_HOST:5432/{db['name']}"


def phases(p: AppProfile, bp: Blueprint) -> list[dict[str, Any]]:
    """The phases of the migration, each with the exact commands to run from the app's folder."""
    src = source_url(bp)
    fixes = len([f for f in p.findings if f.severity != "info"])
    rehearse = [f"skylift db migrate {src}"] if src else []
    out = [
        _phase(
            "Prepare the code",
            f"Make the {fixes} code change(s) listed below and commit "
            "them; review skylift.toml, then rerun `skylift plan` to refresh this document.",
            "skylift scan .",
            "skylift plan .",
        ),
        _phase(
            "Generate the infrastructure",
            "Write Terraform (infra/), the Dockerfile and the CI workflow from the Blueprint.",
            "skylift generate .",
        ),
        _phase(
            "Rehearse locally",
            "Provision the same stack on an embedded AWS and PostgreSQL, "
            "migrate a copy of the data and verify it; run the app's tests against it.",
            "skylift up --target local",
            *rehearse,
        ),
        _phase(
            "Provision AWS",
            "Create the stack in your account and push secrets from your "
            f"environment into SSM ({len(bp.secrets)} secret(s); nothing secret is written "
            "to files).",
            "skylift up --target aws",
        ),
    ]
    out.append(_pipeline_phase(bp))
    out += _files_phase(bp)
    if src and "db sync" in available():
        out.append(
            _phase(
                "Copy the data and follow its changes",
                "Copy and verify the data into RDS from a machine that reaches it (RDS is "
                "private: open a tunnel and set SKYLIFT_TARGET_DATABASE_URL to its address), "
                "while the app keeps writing; `db sync` then applies every change the app makes "
                "until the cutover (leave it running; `--status` prints the lag).",
                f'skylift db migrate {src} "$SKYLIFT_TARGET_DATABASE_URL"',
                f'skylift db verify {src} "$SKYLIFT_TARGET_DATABASE_URL"',
                f'skylift db sync {src} "$SKYLIFT_TARGET_DATABASE_URL"',
            )
        )
    elif src:
        out.append(
            _phase(
                "Move the data",
                "Freeze writes on the old host (maintenance mode), then copy and verify the "
                "data into RDS from a machine that reaches it (RDS is private: open a tunnel "
                "and set SKYLIFT_TARGET_DATABASE_URL to its address); the commands end with "
                "counts and checksums of every table.",
                f'skylift db migrate {src} "$SKYLIFT_TARGET_DATABASE_URL"',
                f'skylift db verify {src} "$SKYLIFT_TARGET_DATABASE_URL"',
            )
        )
    out.append(_cutover(p, bp))
    out.append(_rollback(p, bp))
    return out


def _pipeline_phase(bp: Blueprint) -> dict[str, Any]:
    """The GitHub environments pipeline.yml deploys, and what each needs set by hand."""
    envs = bp.environments
    names = " and ".join(f"`{e}`" for e in envs)
    order = ", then ".join(e if e != "prod" else "prod once a reviewer approves" for e in envs)
    return _phase(
        "Set up the deploy pipeline",
        f"In GitHub, Settings -> Environments, create {names}. Give "
        f"{'each' if len(envs) > 1 else 'it'} the variables "
        "AWS_DEPLOY_ROLE_ARN and APP_URL: the deploy_role_arn and app_url that its "
        "`skylift up --target aws --env <environment>` prints. In `prod`, tick Required "
        "reviewers (who approves a production deploy) and limit Deployment branches to main. "
        "Every push to main then runs .github/workflows/pipeline.yml: the app's lint and "
        f"tests, then {order}, each deploy followed by a smoke test of {bp.health_path}. Each "
        "stack's deploy role trusts only its own environment's jobs.",
        *(f"skylift up --target aws --env {e}" for e in envs if e != "prod"),
    )


def _files_phase(bp: Blueprint) -> list[dict[str, Any]]:
    uploads = bp.resource("s3_uploads")
    if uploads is None:
        return []
    folders = uploads.settings["folders"]
    bucket = '"s3://$(terraform -chdir=infra output -raw uploads_bucket)/"'
    names = uploads.settings.get("env_vars") or ["UPLOADS_BUCKET"]
    where = (
        "the files the app wrote to local disk"
        if names == ["UPLOADS_BUCKET"]
        else "the files django-storages keeps today (its current bucket: `aws s3 sync s3://OLD`)"
    )
    step = (
        f"Copy {where} into the uploads bucket (its name is the Terraform output "
        f"uploads_bucket; the tasks read it from {', '.join(names)})."
    )
    if not folders:
        return [
            _phase(
                "Copy the stored files",
                step + " Copy the folder named in Code changes with `aws s3 sync FOLDER` to it.",
                _INIT,
                "terraform -chdir=infra output -raw uploads_bucket",
            )
        ]
    return [
        _phase(
            "Copy the stored files",
            step,
            _INIT,
            *(f"aws s3 sync {shlex.quote(f)} {bucket}" for f in folders),
        )
    ]


def _cutover(p: AppProfile, bp: Blueprint) -> dict[str, Any]:
    if "cutover" in available():
        from skylift.plan._cutover import cutover_phase

        return cutover_phase(p, bp)
    dns = bp.resource("route53")
    if dns is not None and dns.settings["create_zone"]:
        how = (
            f"Add the name servers of the new zone (Terraform output name_servers) as NS "
            f"records for {bp.domain} at its DNS provider, with a low TTL set a day before; "
            "then set dns_delegated = true under [app] in skylift.toml, run `skylift generate .` "
            "and `skylift up --target aws` again for HTTPS."
        )
        commands = [_INIT, "terraform -chdir=infra output name_servers"]
    elif dns is not None:
        front = "the API" if bp.compute == "lambda" else "the load balancer"
        how = (
            f"{bp.domain} already points at {front} (Route 53 alias record in zone "
            f"{dns.settings['zone_id']}): lower its TTL before provisioning."
        )
        commands = []
    elif bp.compute == "lambda":  # an API Gateway custom domain needs the certificate first
        how = (
            "Set app.domain in skylift.toml (the API serves it with an ACM certificate) and "
            "rerun `skylift plan` and `skylift generate .`; until then the app answers on the "
            "API's own address (Terraform output api_endpoint)."
        )
        commands = [_INIT, "terraform -chdir=infra output -raw api_endpoint"]
    else:
        how = (
            "Point your domain (CNAME) at the load balancer's name (Terraform output "
            "load_balancer_dns), with a low TTL set a day before."
        )
        commands = [_INIT, "terraform -chdir=infra output -raw load_balancer_dns"]
    return _phase(
        "Cut over",
        "After the final data copy, move the traffic: " + how + " Watch the alarms and the "
        "error rate for an hour.",
        *commands,
    )


def _rollback(p: AppProfile, bp: Blueprint) -> dict[str, Any]:
    if "rollback" in available():
        from skylift.plan._cutover import rollback_phase

        return rollback_phase(p, bp)
    return _phase(
        "Roll back (if needed)",
        "Point DNS back at the old host, which stayed running read-only, and lift its write "
        "freeze; writes made on AWS since the cutover must be replayed there by hand.",
    )


def jobs(bp: Blueprint) -> list[dict[str, str]]:
    """How each job of today runs on AWS, with the command that runs it by hand, if any."""
    out = []
    for j in bp.jobs:
        aws, command = _job_on_aws(bp, j)
        out.append({"name": j["name"], "today": j["command"], "aws": aws, "command": command})
    return out


def _job_on_aws(bp: Blueprint, j: dict[str, Any]) -> tuple[str, str]:
    if j["kind"] == "release" and j["in_process"]:  # the workflow has no release step then
        return "in the app's start, on every task it starts (no step of its own)", ""
    if j["kind"] == "release":
        return "one-off task before each deploy (CI runs it, then updates the service)", ""
    if j["kind"] == "cron" and j["in_process"]:
        svc = bp.resource("cron_service")
        if svc is not None:
            ((name, on),) = svc.settings["env"].items()
            return f"in the app, on the one-task cron service ({name}={on})", ""
        web = bp.resource("ecs_service")
        most = web.settings["max_count"] if web else 1
        if most == 1:
            return "in the app, on the single web task (max_count = 1)", ""
        return f"in the app, on every web task (up to {most}): it runs once per task", ""
    if j["kind"] == "cron":
        scheduler = bp.resource("scheduler")
        names = {s["name"] for s in scheduler.settings["jobs"]} if scheduler else set()
        if j["name"] in names:
            return f"EventBridge Scheduler {j['schedule_expression']} starts a one-off task", ""
        return "not scheduled: no schedule or command was found for it", ""
    if j["kind"] == "one-off":
        return "a one-off task of the app's image, when you need it", _task_run(j["command"])
    svc = bp.resource(worker_key(str(j["name"])))
    if svc is None:
        return "not generated: it has no command", ""
    spot = " on Fargate Spot" if svc.settings["spot"] else ""
    return f"its own ECS service: one task{spot}, same image, no load balancer", ""


def _task_run(command: str) -> str:
    if "task run" not in available():
        return ""
    return f"skylift task run --target aws {shlex.quote(command)}"
