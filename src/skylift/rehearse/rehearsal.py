"""The rehearsal's last step of `skylift up --target local`: build the image as CI does, run the
release step, the web service behind the load balancer stand-in, the workers and the
schedules, each with the environment its task definition on the embedded AWS gives it, and
report whether the app is healthy. A second `up` reuses what runs unchanged."""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skylift.errors import AppDidNotRun
from skylift.rehearse import containers, diagnose, lbproc, taskdefs
from skylift.rehearse import image as image_mod
from skylift.rehearse import state as state_mod
from skylift.rehearse.engine import Engine, find
from skylift.rehearse.environment import Environments
from skylift.rehearse.state import AppState, Service
from skylift.workdir import make_dirs

Log = Callable[[str], None]
RELEASE_TIMEOUT = 600  # seconds: a migration of a big table takes a while
SCHEDULE_TIMEOUT = 300
GRACE = 60  # when the service sets no health_check_grace_period_seconds
WORKER_SETTLE = 5  # seconds a new worker must keep running


@dataclass
class Context:
    root: Path
    state_dir: Path
    app: str
    environment: str
    engine: Engine
    env: Environments
    findings: list[str]
    say: Log
    image: str = ""
    image_id: str = ""
    migrate_image: str = ""
    run_schedules: bool = False
    changed: bool = False  # something was (re)started: the schedules run once again
    fresh_data: Callable[[], bool] | None = None  # the app's database anew from the migration
    st: AppState = field(default_factory=AppState)

    @property
    def folder(self) -> Path:
        return state_mod.folder(self.state_dir)


def prepare(
    root: Path, state_dir: Path, app: str, environment: str, app_dir: str | None,
    env: Environments, findings: list[str], say: Log, dockerfile: tuple[str, str] = ("Dockerfile", "."),
) -> Context:  # fmt: skip
    """Find the engine and build the image(s) as the workflow does (`dockerfile`: the
    Blueprint's Dockerfile and context, when there is no workflow to read)."""
    make_dirs(state_mod.folder(state_dir))
    specs = image_mod.builds(root, app_dir, *dockerfile)
    main = next((b for b in specs if b.target is None), specs[0])
    engine = find(image_mod.base_image(main.dockerfile, main.target), state_dir, say)
    ctx = Context(root, state_dir, app, environment, engine, env, findings, say)
    ctx.st = state_mod.load(state_dir)
    ctx.image = f"localhost/skylift/{app}-{environment}:rehearsal"
    folder = ctx.folder
    try:
        ctx.image_id = image_mod.build(
            engine, main, ctx.image, folder / "build.log", say, env.dotenv
        )
        for spec in specs:
            if spec.target == "migrate":
                ctx.migrate_image = ctx.image + "-migrate"
                log = folder / "build-migrate.log"
                image_mod.build(engine, spec, ctx.migrate_image, log, say, env.dotenv)
    except AppDidNotRun as exc:
        if findings:
            exc.fix += "\n  open code changes from the plan: " + "; ".join(findings[:8])
        raise
    return ctx


def run(ctx: Context, web: taskdefs.Container | None, workers: list[taskdefs.Container],
        schedules: list[taskdefs.Container], release: taskdefs.Container | None) -> AppState:  # fmt: skip
    st = ctx.st
    st.engine, st.image, st.image_id = ctx.engine.name, ctx.image, ctx.image_id
    st.findings = ctx.findings
    web_fresh = web is not None and not _reusable(ctx, web)
    old_release = st.service("release")
    release_new = release is not None and (
        old_release is None or old_release.fingerprint != _fingerprint(ctx, release, ctx.image_id)
    )
    if web_fresh or release_new:  # a new deploy: the workflow runs the release step first
        web_fresh = web is not None
        _new_deploy(ctx)
    if release is not None and web_fresh:
        _release(ctx, release)
    if web is not None:
        _web(ctx, web, fresh=web_fresh)
    since = time.monotonic()
    fresh = [w for w in workers if not _reusable(ctx, w)]
    for w in fresh:
        _start(ctx, w)
        ctx.changed = True
    state_mod.save(ctx.state_dir, st)
    for s in schedules:
        due = ctx.run_schedules or ctx.changed or not st.service(s.name)
        if due and (img := _task_image(ctx, s)):
            _once(ctx, s, img, SCHEDULE_TIMEOUT, fail=False)
    _settle(ctx, fresh, since)
    state_mod.save(ctx.state_dir, st)
    return st


def _task_image(ctx: Context, c: taskdefs.Container) -> str | None:
    """The image `c` runs: the app's as built here, or the task definition's own (the database
    export's PostgreSQL image), pulled. One this machine cannot get is not run, and says so:
    running it in the app's image instead would fail for the wrong reason."""
    if c.runs_app_image():
        return ctx.image
    if ctx.engine.obtain(c.image):
        return c.image
    note = f"not run here: its image {c.image} is not on this machine and cannot be pulled"
    ctx.st.put(Service(c.name, c.kind, "", "skipped", notes=[note]))
    ctx.say(f"{c.kind} {c.name}: {note}")
    return None


def _new_deploy(ctx: Context) -> None:
    """A new deploy of the app: what ran before stops, the data starts from the migration."""
    for svc in ctx.st.services:
        if svc.pid and svc.kind in ("web", "worker"):
            containers.stop(ctx.engine, svc.container, svc.pid)
            svc.pid, svc.state = None, "stopped"
    if ctx.fresh_data is not None:
        copied = ctx.fresh_data()
        ctx.say("the app's database: a fresh copy of the migrated data" if copied
                else "the app's database: empty (nothing was migrated)")  # fmt: skip


def _fingerprint(ctx: Context, c: taskdefs.Container, img: str) -> str:
    env, _ = ctx.env.for_container(c, ctx.engine.image_config(img).env)
    data = json.dumps([img, containers.argv_for(c, ctx.engine.image_config(img)), sorted(env.items()),
                       c.user, c.memory_mib, c.read_only])  # fmt: skip
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def _reusable(ctx: Context, c: taskdefs.Container) -> bool:
    svc = ctx.st.service(c.name)
    return bool(
        svc and svc.pid and containers.alive(svc.pid)
        and svc.fingerprint == _fingerprint(ctx, c, ctx.image_id)
        and (c.kind != "web" or lbproc.status(ctx.st.lb).get("state") == "healthy")
    )  # fmt: skip


def _container_name(ctx: Context, c: taskdefs.Container) -> str:
    key = hashlib.sha256(str(ctx.root).encode()).hexdigest()[:8]
    ctx.st.prefix = f"skylift-{ctx.app}-{key}"
    return f"{ctx.st.prefix}-{c.name.removeprefix(ctx.app + '-') or c.kind}"[:60]


def _start(ctx: Context, c: taskdefs.Container) -> Service:
    old = ctx.st.service(c.name)
    name = _container_name(ctx, c)
    containers.stop(ctx.engine, name, old.pid if old else None)
    cfg = ctx.engine.image_config(ctx.image)
    env, rewritten = ctx.env.for_container(c, cfg.env)
    argv = containers.argv_for(c, cfg)
    log = ctx.folder / f"{c.name}.log"
    log.write_text("")
    started = containers.start(ctx.engine, name, ctx.image, argv, env, c=c, log=log,
                               volumes=ctx.env.volumes(cfg.env))  # fmt: skip
    svc = Service(c.name, c.kind, name, "running", None, started.pid, str(log),
                  _fingerprint(ctx, c, ctx.image_id), rewritten, started.memory,
                  c.user or cfg.user or "root", _notes(ctx, c, cfg))  # fmt: skip
    ctx.st.put(svc)
    state_mod.save(ctx.state_dir, ctx.st)  # an interrupted `up` leaves nothing `down` cannot find
    ctx.say(f"started {c.kind} {c.name} ({ctx.engine.name}, user {svc.user}, memory "
            f"{c.memory_mib or '-'} MiB: {svc.memory})" + (f"; rewritten: {', '.join(rewritten)}" if rewritten else ""))  # fmt: skip
    return svc


def _notes(ctx: Context, c: taskdefs.Container, cfg: Any) -> list[str]:
    notes = []
    if c.read_only and not ctx.engine.enforces()["read_only"]:
        notes.append(f"readonlyRootFilesystem is set, but {ctx.engine.name} cannot enforce it here")
    if (c.user or cfg.user) in ("", "root", "0", "0:0"):
        notes.append(
            "runs as root: add a USER to the Dockerfile (Fargate allows root, the plan advises against it)"
        )
    return notes


def _once(ctx: Context, c: taskdefs.Container, img: str, timeout: int, *, fail: bool) -> Service:
    """A one-off task (the release step, a schedule): run it to its end."""
    old_image, ctx.image = ctx.image, img
    try:
        svc = _start(ctx, c)
    finally:
        ctx.image = old_image
    assert svc.pid is not None
    code = containers.wait(svc.pid, timeout)
    svc.exit_code, svc.state = code, ("exited" if code == 0 else "failed")
    svc.tail = containers.tail(Path(svc.log), 10)
    containers.stop(ctx.engine, svc.container, svc.pid)
    svc.pid = None
    ctx.say(
        f"{c.kind} {c.name}: exit {code if code is not None else f'(still running after {timeout}s)'}"
    )
    state_mod.save(ctx.state_dir, ctx.st)
    if code != 0 and fail:
        log = containers.tail(Path(svc.log))
        raise diagnose.failure(f"the release step failed (exit {code}): {' '.join(c.command or [])}",
                               c, log, [], code, ctx.findings, svc.log)  # fmt: skip
    return svc


def one_off(ctx: Context, c: taskdefs.Container, img: str, timeout: int) -> Service:
    """A one-off command (`task run`), run to its end; its exit code is the caller's."""
    return _once(ctx, c, img, timeout, fail=False)


def shown(command: list[str]) -> str:
    """A task's command as a person reads it: a shell's script (`sh -c "..."`), else its words
    (`alembic upgrade head`, which dropping two words showed as `head`)."""
    if len(command) > 2 and command[0].rsplit("/", 1)[-1] in ("sh", "bash") and command[1] == "-c":
        return " ".join(command[2:])
    return " ".join(command)


def _release(ctx: Context, c: taskdefs.Container) -> None:
    ctx.say(f"release step: {shown(c.command or [])} (as the deploy workflow's RunTask)")
    _once(ctx, c, ctx.migrate_image or ctx.image, RELEASE_TIMEOUT, fail=True)


def _web(ctx: Context, c: taskdefs.Container, *, fresh: bool) -> None:
    health = c.health or taskdefs.HealthCheck()
    if not fresh:
        ctx.say(f"web service {c.name} unchanged and healthy: reused")
        return
    svc = _start(ctx, c)
    ctx.changed = True
    upstream = int(ctx.env.port_of(c) or 0)
    keep = {k: v for k, v in ctx.st.lb.items() if k in ("container_port", "app_port")}
    ctx.st.lb = {**lbproc.start(ctx.folder, upstream, health, ctx.st.lb), **keep}
    lbproc.reset(ctx.st.lb)
    ctx.st.url = f"http://127.0.0.1:{ctx.st.lb['listen']}"
    ctx.st.health_path = health.path
    state_mod.save(ctx.state_dir, ctx.st)
    ctx.say(f"load balancer stand-in {ctx.st.url} -> {ctx.st.lb['upstream_host']}:{upstream}, health check {health.path} "
            f"({health.matcher}; {health.healthy} ok / {health.unhealthy} failed)")  # fmt: skip
    _wait_healthy(ctx, c, svc)


def _wait_healthy(ctx: Context, c: taskdefs.Container, svc: Service) -> None:
    started = time.monotonic()
    grace = int(c.extra.get("grace") or GRACE)  # the service's own grace period
    limit = grace + (c.health.unhealthy if c.health else 3) * lbproc.REHEARSAL_INTERVAL
    state: dict[str, Any] = {}
    while time.monotonic() - started < limit:
        state = lbproc.status(ctx.st.lb)
        if state.get("state") == "healthy":
            svc.state = "healthy"
            ctx.st.healthy = True
            ctx.say(f"healthy after {int(time.monotonic() - started)}s")
            _smoke(ctx)
            return
        if svc.pid and not containers.alive(svc.pid):
            svc.exit_code = containers.wait(svc.pid, 0.1)
            break
        _waiting(ctx, started, state)
        time.sleep(0.5)
    svc.state = "exited" if svc.exit_code is not None else "unhealthy"
    ctx.st.healthy = False
    state_mod.save(ctx.state_dir, ctx.st)
    log = containers.tail(Path(svc.log))
    what = (f"the web service exited (code {svc.exit_code}) before it was healthy" if svc.exit_code is not None
            else f"the web service did not become healthy in {limit}s")  # fmt: skip
    raise diagnose.failure(
        what, c, log, state.get("checks") or [], svc.exit_code, ctx.findings, svc.log
    )


def _waiting(ctx: Context, started: float, state: dict[str, Any]) -> None:
    """A progress line every 10 s while the target is not healthy yet."""
    waited = int(time.monotonic() - started)
    if waited and waited % 10 == 0 and waited != ctx.st.lb.get("said"):
        ctx.st.lb["said"] = waited
        last = (state.get("checks") or [{}])[-1]
        seen = last.get("status") or last.get("error") or "no check yet"
        ctx.say(f"waiting for healthy: {waited}s, last health check: {seen}")


def _smoke(ctx: Context) -> None:
    """One request through the load balancer stand-in, as a first user would send it."""
    try:
        with urllib.request.urlopen(ctx.st.url + "/", timeout=10) as resp:
            code = resp.status
    except urllib.error.HTTPError as exc:
        code = exc.code
    except (TimeoutError, OSError) as exc:
        code = 0
        ctx.say(f"smoke request failed: {exc}")
    ctx.st.lb["smoke"] = {"path": "/", "status": code}
    ctx.say(f"smoke request GET / -> {code}")


def _settle(ctx: Context, workers: list[taskdefs.Container], since: float) -> None:
    """A worker that stops within its first seconds fails the deploy, as the service's
    circuit breaker would (ECS restarts it, again and again): its log says why."""
    started = [w for w in workers if (svc := ctx.st.service(w.name)) and svc.pid]
    time.sleep(max(0.0, WORKER_SETTLE - (time.monotonic() - since)) if started else 0)
    for w in started:
        svc = ctx.st.service(w.name)
        if svc is None or svc.pid is None or containers.alive(svc.pid):
            continue
        svc.exit_code = containers.wait(svc.pid, 0.1)
        svc.state, svc.pid = "failed", None
        state_mod.save(ctx.state_dir, ctx.st)
        raise diagnose.failure(f"the worker {w.name} stopped (exit {svc.exit_code})", w,
                               containers.tail(Path(svc.log)), [], svc.exit_code, ctx.findings,
                               svc.log)  # fmt: skip
