"""Where the app runs today and how it is started: Procfile, app.json, fly.toml, docker-compose,
nginx, Dockerfile and Makefile. Language-independent."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from skylift.scan._facts import Draft
from skylift.scan._names import classify
from skylift.scan._repo import SourceFile
from skylift.scan.model import Fact, Job

COMPOSE_FILES = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")
DB_IMAGES = {
    "postgres": "postgresql",
    "postgis/postgis": "postgresql",
    "pgvector/pgvector": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
}
_PROCFILE_LINE = re.compile(r"^([\w-]+):\s*(.+?)\s*$", re.M)
_DOCKER_CMD = re.compile(r"^(CMD|ENTRYPOINT)\s+(.+)$", re.M)
_EXPOSE = re.compile(r"^EXPOSE\s+(\d{2,5})", re.M)
_MAKE_TARGET = re.compile(r"^([\w.-]+):[^=\n]*\n((?:\t.*\n?)+)", re.M)
_SERVER_NAME = re.compile(r"^\s*server_name\s+([^;]+);", re.M)
_PROXY_PASS = re.compile(r"proxy_pass\s+https?://[\w.-]+:(\d{2,5})")


def scan(draft: Draft) -> None:
    _procfile(draft)
    _documented_one_offs(draft)
    _app_json(draft)
    _fly(draft)
    _compose(draft)
    _nginx(draft)
    _dockerfile(draft)
    _makefile(draft)
    for name, host in (
        ("vercel.json", "vercel"),
        ("render.yaml", "render"),
        ("railway.json", "railway"),
    ):
        if src := draft.repo.read(name):
            draft.hosts.add(host, src.evidence(), 3)


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


_HEROKU_RUN = re.compile(
    r"^\s*(?:\$\s*)?heroku run(?::detached)?\s+(.+?)(?:\s+(?:-a|--app)\s+\S+)?\s*$", re.M
)
_SCRIPT_CALL = re.compile(r"^(?:yarn|npm run|pnpm)\s+([\w:.-]+)$")


def _documented_one_offs(draft: Draft) -> None:
    """`heroku run <command>` lines in the README: the one-off commands people really run."""
    for rel in draft.repo.named("README.md", "README", "readme.md"):
        src = draft.repo.read(rel)
        if src is None:
            continue
        for m in _HEROKU_RUN.finditer(src.text):
            command = m.group(1).strip()
            script = _SCRIPT_CALL.match(command)
            name = script.group(1) if script else _command_name(command)
            draft.job(Job(name, command, None, "one-off", [src.evidence(offset=m.start())]))


def _command_name(command: str) -> str:
    """`node scripts/backfill.js --all` -> 'backfill'; `rake db:seed` -> 'rake'."""
    files = [w for w in command.split() if "/" in w or "." in w.strip(".")]
    return files[0].rsplit("/", 1)[-1].split(".")[0] if files else command.split()[0]


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


def _compose(draft: Draft) -> None:
    src = next((s for n in COMPOSE_FILES if (s := draft.repo.read(n))), None)
    if src is None:
        return
    try:
        data = yaml.safe_load(src.text)
    except yaml.YAMLError:
        return
    services: dict[str, Any] = (data or {}).get("services") or {} if isinstance(data, dict) else {}
    app_service = False
    for name, svc in services.items():
        if not isinstance(svc, dict):
            continue
        ev = src.evidence(offset=_offset(src, rf"^\s+{re.escape(name)}:"))
        image = str(svc.get("image", "")).split(":")[0]
        if image in DB_IMAGES:
            for db in draft.profile.databases:
                if db.engine == DB_IMAGES[image] and ev not in db.evidence:
                    db.evidence.append(ev)
        if "build" in svc:
            app_service = True
            _volumes(draft, src, svc.get("volumes"))
            ports = svc.get("ports")
            for port in ports if isinstance(ports, list) else []:
                if (number := _container_port(port)) is not None:
                    where = (
                        re.escape(str(port))
                        if isinstance(port, str | int)
                        else rf"target:\s*{number}"
                    )
                    ev = src.evidence(offset=_offset(src, where))
                    draft.ports.add(number, ev, 2)
    # a compose file that only runs the database and cache is a laptop's dev setup
    draft.hosts.add(
        "vps-compose" if app_service else "local", src.evidence(), 2 if app_service else 1
    )


def _volumes(draft: Draft, src: SourceFile, volumes: object) -> None:
    """Host folders mounted into the app: state that lives only on this server."""
    mounts = [
        v.split(":")[0]
        for v in (volumes if isinstance(volumes, list) else [])
        if isinstance(v, str) and v.startswith((".", "/")) and ":" in v
    ]
    if mounts:
        draft.finding(
            "host-volumes",
            f"The app keeps files on the server: {', '.join(mounts)}",
            "copy them before cutover: SQLite files with `skylift db migrate`, other files to S3 "
            "(`aws s3 sync`), and point the code at S3 instead of the folder",
            [src.evidence(offset=_offset(src, re.escape(m) + ":")) for m in mounts],
            "info",
        )


def _container_port(port: object) -> int | None:
    """The container side of a compose port: "127.0.0.1:8000:3000" and {target: 3000} give 3000."""
    if isinstance(port, dict):
        target = port.get("target")
        return int(target) if isinstance(target, int | str) and str(target).isdigit() else None
    m = re.search(r"(\d{2,5})(?:/(?:tcp|udp))?$", str(port).strip("\"'"))
    return int(m.group(1)) if m else None


def _offset(src: SourceFile, pattern: str) -> int | None:
    m = re.search(pattern, src.text, re.M)
    return m.start() if m else None


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
        if (m := _SERVER_NAME.search(src.text)) and draft.profile.domain is None:
            domain = m.group(1).split()[0]
            if domain not in ("_", "localhost"):
                draft.profile.domain = Fact(domain, [src.evidence(offset=m.start())], "high")
        if m := _PROXY_PASS.search(src.text):
            draft.ports.add(int(m.group(1)), src.evidence(offset=m.start()), 1)


def _dockerfile(draft: Draft) -> None:
    src = draft.repo.read("Dockerfile")
    if src is None:
        return
    cmds = list(_DOCKER_CMD.finditer(src.text))
    if cmds:
        m = cmds[-1]  # the last CMD/ENTRYPOINT of the last stage is what runs
        draft.starts.add(_exec_form(m.group(2)), src.evidence(offset=m.start()), 2)
    for m in _EXPOSE.finditer(src.text):
        draft.ports.add(int(m.group(1)), src.evidence(offset=m.start()), 2)


def _exec_form(arg: str) -> str:
    try:
        parts = json.loads(arg)
    except json.JSONDecodeError:
        return arg.strip()
    return " ".join(str(p) for p in parts) if isinstance(parts, list) else arg.strip()


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
