"""Where the app runs today and how it is started: Procfile, app.json, fly.toml, docker-compose,
nginx, Dockerfile and Makefile. Language-independent."""

from __future__ import annotations

import json
import re

from skylift.scan import compose, dockerfile
from skylift.scan._facts import Draft
from skylift.scan._names import classify
from skylift.scan.model import Fact, Job

_PROCFILE_LINE = re.compile(r"^([\w-]+):\s*(.+?)\s*$", re.M)
_MAKE_TARGET = re.compile(r"^([\w.-]+):[^=\n]*\n((?:\t.*\n?)+)", re.M)
_SERVER_NAME = re.compile(r"^\s*server_name\s+([^;]+);", re.M)
_PROXY_PASS = re.compile(r"proxy_pass\s+https?://[\w.-]+:(\d{2,5})")


def scan(draft: Draft) -> None:
    _procfile(draft)
    _app_json(draft)
    _fly(draft)
    compose.scan(draft)
    _nginx(draft)
    _dockerfile(draft)
    _makefile(draft)
    _heroku_readme(draft)
    framework = str(draft.profile.framework.value) if draft.profile.framework else ""
    for name, host in (
        ("vercel.json", "vercel"),
        ("render.yaml", "render"),
        ("railway.json", "railway"),
    ):
        if src := draft.repo.read(name):
            # a vercel.json beside a server app is often a leftover: it counts for Next.js only
            stray = host == "vercel" and framework != "nextjs"
            draft.hosts.add(host, src.evidence(), 1 if stray else 3)


_HEROKU_DEPLOY = re.compile(
    r"git push heroku|heroku (?:create|run|ps:scale|addons:create|config:set)"
)


def _heroku_readme(draft: Draft) -> None:
    """A README that deploys with `git push heroku` says where the app runs today."""
    for rel in draft.repo.named("README.md", "README", "readme.md", "README.rst"):
        src = draft.repo.read(rel)
        if src and (ev := src.first(_HEROKU_DEPLOY)):
            draft.hosts.add("heroku", ev, 2)
            return


def _procfile(draft: Draft) -> None:
    src = draft.repo.read("Procfile")
    if src is None:
        return
    draft.hosts.add("heroku", src.evidence(), 2)
    for m in _PROCFILE_LINE.finditer(src.text):
        kind, command = m.group(1), m.group(2)
        ev = src.evidence(offset=m.start())
        if kind == "web":
            draft.starts.add(command, ev, 4)
        elif kind == "release":
            draft.releases.add(command, ev, 4)
            draft.job(Job("release", command, None, "release", [ev]))
        else:
            draft.job(Job(kind, command, None, "worker", [ev]))


def _app_json(draft: Draft) -> None:
    src = draft.repo.read("app.json")
    if src is None:
        return
    try:
        data = json.loads(src.text)
    except json.JSONDecodeError:
        return
    if not isinstance(data, dict) or not (
        {"addons", "buildpacks", "formation", "stack"} & data.keys()
    ):
        return  # some other app.json (Expo, for one)
    draft.hosts.add("heroku", src.evidence(), 3)
    for addon in data.get("addons") or []:
        plan = addon if isinstance(addon, str) else str(addon.get("plan", ""))
        ev = src.evidence(offset=src.text.find(plan)) if plan in src.text else src.evidence()
        if plan.startswith("heroku-postgresql"):
            draft.database("postgresql", ev)
            draft.env("DATABASE_URL", "secret", ev)  # Heroku sets it for the add-on
        elif plan.startswith(("heroku-redis", "rediscloud")) and draft.profile.cache is None:
            draft.profile.cache = Fact(
                {"engine": "redis", "client": plan.split(":")[0]}, [ev], "medium"
            )
            draft.env("REDIS_URL", "secret", ev)
    env = data.get("env") or {}
    for name, spec in env.items() if isinstance(env, dict) else []:
        m = re.search(rf'"{re.escape(name)}"\s*:', src.text)
        kind = classify(name)
        value = spec.get("value") if isinstance(spec, dict) else spec
        example = str(value) if kind == "config" and isinstance(value, str | int) else None
        draft.env(name, kind, src.evidence(offset=m.start()) if m else src.evidence(), example)


def _fly(draft: Draft) -> None:
    src = draft.repo.read("fly.toml")
    if src is None:
        return
    draft.hosts.add("fly", src.evidence(), 4)
    if m := re.search(r"internal_port\s*=\s*(\d+)", src.text):
        draft.ports.add(int(m.group(1)), src.evidence(offset=m.start()), 3)


# names that only ever reach the developer's own machine: special-use top-level domains
# (RFC 6761, .local, .internal, .lan) and the public wildcard names that resolve to 127.0.0.1
# or to the address they spell (lvh.me, localtest.me, nip.io, sslip.io)
_LOCAL_NAME = re.compile(
    r"(?:^|\.)(?:localhost|local|test|example|invalid|internal|lan|home\.arpa|docker|"
    r"lvh\.me|localtest\.me|vcap\.me|nip\.io|sslip\.io|xip\.io|traefik\.me)$"
    r"|^[\d.:\[\]]+$|^_$|[*~$]",
    re.I,
)


def _local_name(name: str) -> bool:
    """A server_name no one outside the laptop reaches (`app.lvh.me`, `api.localhost`, an IP,
    a regex or wildcard name): not the domain the cutover switches."""
    return bool(_LOCAL_NAME.search(name.rstrip(".")))


def _nginx(draft: Draft) -> None:
    for rel in draft.repo.files:
        if not (rel.endswith(".conf") or "nginx" in rel.split("/")[0]) or rel.endswith(
            (".md", ".txt")
        ):
            continue
        src = draft.repo.read(rel)
        if src is None or "proxy_pass" not in src.text:
            continue
        draft.hosts.add("vps-compose", src.evidence(offset=src.text.find("proxy_pass")), 2)
        for name in _SERVER_NAME.finditer(src.text):
            public = [n for n in name.group(1).split() if not _local_name(n)]
            if public and draft.profile.domain is None:
                draft.profile.domain = Fact(public[0], [src.evidence(offset=name.start())], "high")
        if m := _PROXY_PASS.search(src.text):
            draft.ports.add(int(m.group(1)), src.evidence(offset=m.start()), 1)


def _dockerfile(draft: Draft) -> None:
    src = draft.dockerfile()
    if src is None:
        return
    stages = dockerfile.parse(src.text)
    cmd = dockerfile.start(stages)
    if cmd is not None:
        draft.starts.add(dockerfile.command_words(cmd.args), src.evidence(cmd.line), 2)
    for ins in stages[-1].instructions if stages else []:
        if ins.keyword == "EXPOSE" and (m := re.match(r"(\d{2,5})", ins.args)):
            draft.ports.add(int(m.group(1)), src.evidence(ins.line), 2)


def _makefile(draft: Draft) -> None:
    src = draft.repo.read("Makefile")
    if src is None:
        return
    for m in _MAKE_TARGET.finditer(src.text):
        target, recipe = m.group(1), m.group(2)
        ev = src.evidence(offset=m.start())
        if target == "build":
            draft.builds.add("make build", ev, 2)
        elif target in ("run", "start", "serve"):
            draft.starts.add(f"make {target}", ev, 1)
        elif target in ("migrate", "db-migrate", "migrate-up"):
            draft.releases.add(f"make {target}", ev, 2)
            draft.job(Job(target, f"make {target}", None, "one-off", [ev]))
            if re.search(r"\bmigrate\s+-path\b", recipe):
                for db in draft.profile.databases:
                    db.migration_tool = db.migration_tool or "golang-migrate"
            elif "goose" in recipe:
                for db in draft.profile.databases:
                    db.migration_tool = db.migration_tool or "goose"
