"""Wires the rehearsal to the local target: the embedded AWS's clients, the database and
cache stand-ins, the task definitions; and finds everything again for `status` and `down`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skylift.cloud import moto_server
from skylift.errors import AppDidNotRun
from skylift.rehearse import cache, containers, database, diagnose, lbproc, rehearsal, taskdefs
from skylift.rehearse import state as state_mod
from skylift.rehearse.endpoints import Endpoint, Rewrite
from skylift.rehearse.engine import Engine
from skylift.rehearse.environment import Environments, read_dotenv

Log = Callable[[str], None]


def _clients(tgt: Any, region: str) -> Callable[[str], Any]:
    session = tgt.session(region)
    return lambda name: tgt.client(session, name)


def _environments(root: Path, tgt: Any, bp: Any, outputs: dict[str, Any],
                  web: taskdefs.Container | None, say: Log) -> tuple[Environments, Any]:  # fmt: skip
    """The tasks' environments on this machine: the database and cache stand-ins ready, their
    endpoints in the rewrite. Also RDS's instance (None without a database)."""
    client = _clients(tgt, bp.region)
    ssm, sm = client("ssm"), client("secretsmanager")
    env = Environments(ssm, sm, Rewrite(), dotenv=read_dotenv(root / ".env"))
    instance = _database(tgt, client("rds"), sm, env, say) if bp.database else None
    if web is not None and _uses_cache(bp, web):
        _cache(tgt, web, ssm, sm, env, outputs, say)
    if bp.resource("s3_uploads") is not None and tgt.endpoint:
        _task_role(env, tgt.endpoint, bp.region, say)
    return env, instance


def _task_role(env: Environments, endpoint: str, region: str, say: Log) -> None:
    """On Fargate the SDK finds S3 from the region and takes the task role's credentials from
    the container's credentials endpoint; here both are the embedded AWS's (the uploads
    bucket Terraform created there): AWS_ENDPOINT_URL (boto3 1.28+, the JS SDK v3, Go v2),
    AWS_S3_ENDPOINT_URL (django-storages' own setting, for settings that read it), and the
    embedded AWS's throwaway keys. A value the task or the image sets wins."""
    env.added.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ENDPOINT_URL_S3": endpoint,
            "AWS_S3_ENDPOINT_URL": endpoint,
            **moto_server.CREDENTIALS,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
        }
    )
    say(
        f"s3: the uploads bucket is on the embedded AWS ({endpoint}); the tasks' SDK is pointed there"
    )


def rehearse(root: Path, tgt: Any, bp: Any, environment: str, outputs: dict[str, Any],
             findings: list[str], run_schedules: bool, say: Log) -> state_mod.AppState:  # fmt: skip
    client = _clients(tgt, bp.region)
    web, workers, schedules, release = _what_runs(client, bp, environment, outputs)
    env, instance = _environments(root, tgt, bp, outputs, web, say)
    if web is not None and web.extra.get("lambda"):
        env.added.update(_function_role(tgt))
    known = state_mod.load(tgt.state_dir)
    if web is not None and web.port:
        same = known.lb.get("container_port") == web.port
        env.use_port(web.port, known.lb.get("app_port") if same else None)
    ctx = rehearsal.prepare(
        root, tgt.state_dir, bp.app, environment, bp.app_dir, env, findings, say,
        (bp.dockerfile, bp.docker_context),
    )  # fmt: skip
    ctx.run_schedules = run_schedules
    if instance is not None:
        ctx.fresh_data = lambda: database.fresh_copy(tgt.state_dir, instance)
    if web is not None and web.port:
        ctx.st.lb.update({"container_port": web.port, "app_port": env.port_of(web)})
    return rehearsal.run(ctx, web, workers, schedules, release)


def _what_runs(client: Callable[[str], Any], bp: Any, environment: str, outputs: dict[str, Any]) -> tuple[taskdefs.Container | None, list[taskdefs.Container], list[taskdefs.Container], taskdefs.Container | None]:  # fmt: skip
    """(web, workers, schedules, release) as AWS would run them: the ECS services, schedules
    and release task Terraform registered, or the Lambda function (compute = lambda) alone."""
    if outputs.get("function_name"):
        return taskdefs.lambda_function(client("lambda"), str(outputs["function_name"]), bp.region), [], [], None  # fmt: skip
    ecs = client("ecs")
    cluster = str(outputs.get("ecs_cluster") or f"{bp.app}-{environment}")
    found = taskdefs.services(ecs, client("elbv2"), cluster)
    web = _web(found)
    workers = [c for c in found if c.kind == "worker"]
    schedules = taskdefs.schedules(client("scheduler"), ecs, f"{bp.app}-{environment}")
    return web, workers, schedules, _release(ecs, bp, web)


def _function_role(tgt: Any) -> dict[str, str]:
    """What the function's role gives its environment on Lambda (credentials; the AWS APIs
    it reads its secrets from), as the embedded AWS gives them here."""
    return {
        **moto_server.CREDENTIALS,
        "AWS_SESSION_TOKEN": "rehearsal",  # a role's credentials carry one
        **({"AWS_ENDPOINT_URL": str(tgt.endpoint)} if tgt.endpoint else {}),
    }


def one_off(root: Path, tgt: Any, bp: Any, environment: str, outputs: dict[str, Any],
            command: str, say: Log) -> state_mod.Service | None:  # fmt: skip
    """`task run` on the rehearsal: the command in a new container of the app's image, with
    the web task definition's environment (its -migrate family's, as ecs-run.sh picks it).
    None when no rehearsal built the image yet."""
    st = state_mod.load(tgt.state_dir)
    engine = _engine(st, tgt.state_dir)
    if not st.image or engine is None or engine.image_id(st.image) is None:
        return None
    client = _clients(tgt, bp.region)
    ecs = client("ecs")
    cluster = str(outputs.get("ecs_cluster") or f"{bp.app}-{environment}")
    web = _web(taskdefs.services(ecs, client("elbv2"), cluster))
    if web is None:
        return None
    task = taskdefs.release(ecs, web.family, command)
    task.name, task.kind = "task", "task"
    env, _ = _environments(root, tgt, bp, outputs, web, say)
    ctx = rehearsal.Context(root, tgt.state_dir, bp.app, environment, engine, env, st.findings,
                            say, image=st.image, image_id=st.image_id, st=st)  # fmt: skip
    migrate = st.image + "-migrate"
    image = migrate if engine.image_id(migrate) else st.image
    svc = rehearsal.one_off(ctx, task, image, rehearsal.RELEASE_TIMEOUT)
    st.services = [s for s in st.services if s.name != "task"]  # not a service of the app
    state_mod.save(tgt.state_dir, st)
    return svc


def _web(found: list[taskdefs.Container]) -> taskdefs.Container | None:
    return next((c for c in found if c.kind == "web"), None)


def _release(ecs: Any, bp: Any, web: taskdefs.Container | None) -> taskdefs.Container | None:
    from skylift.render._context import release_argv

    argv = release_argv(bp, None)  # as deploy.yml overrides the command (render/_context.py)
    if not argv or web is None:
        return None
    return taskdefs.release(ecs, web.family, argv)


def _database(tgt: Any, rds: Any, sm: Any, env: Environments, say: Log) -> dict[str, Any] | None:
    instance = database.rds_instance(rds)
    if instance is None:
        return None
    old = database.rds_endpoint(instance)
    new = database.prepare(tgt.state_dir, instance, database.master_password(instance, sm))
    env.rewrite.add("db", old, new)
    say(f"database: RDS {old.host}:{old.port} is the embedded PostgreSQL 127.0.0.1:{new.port} here")
    return instance


def _uses_cache(bp: Any, web: taskdefs.Container) -> bool:
    return bool(bp.cache) or any("CACHE" in n or "REDIS" in n for n in web.environment)


def _cache(tgt: Any, web: taskdefs.Container, ssm: Any, sm: Any, env: Environments,
           outputs: dict[str, Any], say: Log) -> None:  # fmt: skip
    token_ref = next(
        (ref for ref in web.secrets.values() if ref.endswith("/REDIS_AUTH_TOKEN")), None
    )
    token = None
    if token_ref:
        probe = taskdefs.Container("token", "web", "", None, None, "", None, None, False, {},
                                   {"T": token_ref})  # fmt: skip
        token = taskdefs.resolve_secrets(probe, ssm, sm)["T"]
    tls = cache.wants_tls(tgt.state_dir / "tf")
    server = cache.start(tgt.state_dir / "cache", tls, token, state_mod.folder(tgt.state_dir))
    old = Endpoint(str(outputs.get("cache_address") or "127.0.0.1"), 6379)
    env.rewrite.add("cache", old, Endpoint("127.0.0.1", server.port))
    if server.tls:
        env.trust(server.ca_bundle)
    say(f"cache: redis-server on 127.0.0.1:{server.port}" + (" with TLS" if server.tls else "")
        + (" and AUTH" if server.auth else "") + " stands in for ElastiCache")  # fmt: skip


def _engine(st: state_mod.AppState, state_dir: Path) -> Engine | None:
    path = state_dir / "engine.json"
    if not path.is_file():
        return None
    known = json.loads(path.read_text())
    return Engine(known["name"], known["binary"])


def status(state_dir: Path) -> dict[str, Any]:
    from skylift.rehearse import report

    st = state_mod.load(state_dir)
    lb = lbproc.status(st.lb) if st.lb else {"state": "initial", "checks": []}
    for svc in st.services:
        if svc.pid and not containers.alive(svc.pid):
            svc.state, svc.pid = "exited", None
        elif svc.kind == "web" and svc.pid:
            svc.state = "healthy" if lb.get("state") == "healthy" else str(lb.get("state"))
    st.healthy = lb.get("state") == "healthy" and any(
        s.kind == "web" and s.pid for s in st.services
    )
    state_mod.save(state_dir, st)
    out = report(st)
    out["checks"] = lb.get("checks") or []
    return out


def unhealthy(state_dir: Path) -> AppDidNotRun:
    """The AppDidNotRun of a rehearsal whose web service is no longer healthy."""
    st = state_mod.load(state_dir)
    web = next((s for s in st.services if s.kind == "web"), None)
    lb = lbproc.status(st.lb) if st.lb else {}
    c = taskdefs.Container(web.name if web else "web", "web", "", None, None, "", None,
                           st.lb.get("app_port"), False, {}, {},
                           taskdefs.HealthCheck(**st.lb["target_group"]) if st.lb.get("target_group") else None)  # fmt: skip
    log = containers.tail(Path(web.log)) if web else []
    code = web.exit_code if web else None
    what = f"the web service is {web.state if web else 'not running'}"
    return diagnose.failure(
        what, c, log, lb.get("checks") or [], code, st.findings, web.log if web else ""
    )


def stop(state_dir: Path) -> list[str]:
    st = state_mod.load(state_dir)
    engine = _engine(st, state_dir)
    stopped = []
    for svc in st.services:
        if engine is not None:
            containers.stop(engine, svc.container, svc.pid)
        if svc.pid:
            stopped.append(f"{svc.kind} {svc.name}")
    if engine is not None:  # containers of a run that died before it wrote its state
        for name in engine.containers(st.prefix + "-") if st.prefix else []:
            engine.remove(name)
    if lbproc.stop(st.lb):
        stopped.append("load balancer stand-in")
    if cache.stop(state_dir / "cache"):
        stopped.append("redis-server")
    if database.stop_front(state_dir):
        stopped.append("RDS TLS stand-in")
    return stopped
