"""docker-compose: the app's own services (ports, volumes, worker processes) and what the dev
setup runs beside it (a database, a cache, a mail catcher), whose service names the app's
configuration uses as host names."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from skylift.scan._facts import Draft
from skylift.scan._repo import SourceFile
from skylift.scan.model import Evidence, Fact, Job

COMPOSE_FILES = (
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "docker-compose.dev.yml",
    "docker-compose.local.yml",
)
DB_IMAGES = {
    "postgres": "postgresql",
    "postgis/postgis": "postgresql",
    "pgvector/pgvector": "postgresql",
    "timescale/timescaledb": "postgresql",
    "bitnami/postgresql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "bitnami/mysql": "mysql",
}
# image -> what it stands for; the plan rewires a host that names one of these services
KINDS = [
    (re.compile(r"postgres|postgis|pgvector|timescale|mysql|mariadb|mongo|cockroach"), "database"),
    (re.compile(r"redis|valkey|keydb|dragonfly"), "cache"),
    (re.compile(r"mailhog|mailpit|mailcatcher|maildev|smtp4dev|mailtrap|greenmail"), "mail"),
    (re.compile(r"minio|localstack|s3mock|fake-gcs"), "storage"),
    (re.compile(r"elasticsearch|opensearch|meilisearch|typesense"), "search"),
    (re.compile(r"rabbitmq|nats|kafka|redpanda|activemq"), "queue"),
    (re.compile(r"nginx|traefik|caddy|haproxy"), "proxy"),
]
_WORKER_COMMAND = re.compile(r"\b(?:worker|beat|consumer|queue|jobs?|scheduler|sidekiq)\b")


# a laptop's rebuild-on-save process (the assets' `yarn dev`, `webpack --watch`), not a worker
_DEV_WATCHER = re.compile(
    r"^(?:(?:npm|pnpm) run|yarn)(?: run)? (?:dev|watch|start:dev)\b|--watch\b|\bnodemon\b|"
    r"\bmanage\.py runserver\b"
)


def _dev_watcher(command: str) -> bool:
    return _DEV_WATCHER.search(command.strip()) is not None


def _procfile_workers(draft: Draft) -> bool:
    """The Procfile's process list is what production runs; compose's services that start a
    worker are the laptop's copies of them (`/start-celeryworker` beside the Procfile's
    `worker: celery ... worker`), and counting both would run and price each twice."""
    return any(
        j.kind == "worker" and any(e.file == "Procfile" for e in j.evidence)
        for j in draft.profile.jobs
    )


def load(draft: Draft) -> tuple[SourceFile, dict[str, Any]] | None:
    """The compose file and its services, or None: the app folder's own, else one up to two
    folders above whose service builds this folder (services/web in a repository whose
    docker-compose.yml runs it beside nginx and the database); from there, services that build
    another folder (the nginx in front) are left out."""
    for up in ("", "../", "../../"):
        for name in COMPOSE_FILES:
            src = draft.repo.read(up + name)
            services = _services(src) if src is not None else None
            if src is None or services is None:
                continue
            if not up:
                return src, services
            here = draft.repo.root.resolve()
            built = {n: s for n, s in services.items() if isinstance(s, dict) and "build" in s}
            ours = {n for n, s in built.items() if _context(src, draft, s) == here}
            if ours:
                return src, {n: s for n, s in services.items() if n in ours or n not in built}
    return None


def _services(src: SourceFile) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(src.text)
    except yaml.YAMLError:
        return None
    services = data.get("services") if isinstance(data, dict) else None
    return services if isinstance(services, dict) else None


def _context(src: SourceFile, draft: Draft, svc: dict[str, Any]) -> Path | None:
    """The folder a service builds, when it builds the Dockerfile skylift reads (`Dockerfile`)."""
    build = svc.get("build")
    context = build.get("context", ".") if isinstance(build, dict) else build
    dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
    if not isinstance(context, str) or str(dockerfile).rsplit("/", 1)[-1] != "Dockerfile":
        return None
    return (draft.repo.root / src.path).parent.joinpath(context).resolve()


def scan(draft: Draft) -> None:
    loaded = load(draft)
    if loaded is None:
        return
    src, services = loaded
    app_services = []
    for name, svc in services.items():
        if not isinstance(svc, dict):
            continue
        ev = src.evidence(offset=offset(src, rf"^\s+{re.escape(str(name))}:"))
        image = str(svc.get("image", "")).split(":")[0]
        if "build" in svc or (image and image.rsplit("/", 1)[-1] == draft.profile.name):
            app_services.append((str(name), svc, ev))  # built here, or the image the repo builds
            continue
        base = image.rsplit("/", 1)[-1] if image.startswith(("docker.io/", "library/")) else image
        if base in DB_IMAGES:
            for db in draft.profile.databases:
                if db.engine == DB_IMAGES[base] and ev not in db.evidence:
                    db.evidence.append(ev)
        kind = next((k for pattern, k in KINDS if pattern.search(image.lower())), "other")
        draft.profile.dev_services.append(
            Fact({"name": str(name), "image": image, "kind": kind}, [ev])
        )
    for name, svc, ev in app_services:
        _app_service(
            draft, src, name, svc, ev, web=len(app_services) == 1 or bool(svc.get("ports"))
        )
    # a compose file that only runs the database and cache is a laptop's dev setup
    draft.hosts.add(
        "vps-compose" if app_services else "local", src.evidence(), 2 if app_services else 1
    )


def _app_service(
    draft: Draft, src: SourceFile, name: str, svc: dict[str, Any], ev: Evidence, web: bool
) -> None:
    _volumes(draft, src, svc.get("volumes"))
    command = svc.get("command")
    command = " ".join(str(c) for c in command) if isinstance(command, list) else command
    if not web and isinstance(command, str) and command.strip():
        if not _dev_watcher(command) and not _procfile_workers(draft):
            draft.job(Job(name, command.strip(), None, "worker", [ev]))
        return
    if not web:
        role = _role_env(svc)
        if role:
            draft.job(Job(name, "", None, "worker", [ev], env=role))
        return
    if isinstance(command, str) and _WORKER_COMMAND.search(command) is None and command.strip():
        # what the image runs when its Dockerfile has an ENTRYPOINT and leaves CMD to compose
        # (`exec "$@"` at the end of entrypoint.sh): a statement, not a guess
        draft.starts.add(_without_reload(command), ev, 3 if _cmd_left_to_compose(draft) else 1)
    ports = svc.get("ports")
    for port in ports if isinstance(ports, list) else []:
        if (number := _container_port(port)) is not None:
            where = re.escape(str(port)) if isinstance(port, str | int) else rf"target:\s*{number}"
            draft.ports.add(number, src.evidence(offset=offset(src, where)), 2)


_PY_SERVER = re.compile(r"^(?:python3?\s+-m\s+)?(?:uvicorn|gunicorn|hypercorn)\b")
# `--reload`, and the options that only tune it (`--reload-dir app`, `--reload-delay=1`)
_RELOAD = re.compile(
    r"\s--reload(?:-(?:dir|include|exclude|delay|extra-file)(?:=|\s+)\S+)?(?=\s|$)"
)


def _without_reload(command: str) -> str:
    """uvicorn's or gunicorn's `--reload` is the laptop's restart-on-save beside the mounted
    source: the same server without it is what production runs."""
    command = command.strip()
    return _RELOAD.sub("", command) if _PY_SERVER.search(command) else command


def _cmd_left_to_compose(draft: Draft) -> bool:
    from skylift.scan.dockerfile import lacks_cmd

    src = draft.dockerfile()
    return src is not None and lacks_cmd(src.text) is not None


def _role_env(svc: dict[str, Any]) -> dict[str, str]:
    """APP_TYPE: worker in a service's environment: the same image started in another role."""
    env = svc.get("environment") or {}
    pairs = (
        dict(str(e).split("=", 1) for e in env if "=" in str(e))
        if isinstance(env, list)
        else {str(k): str(v) for k, v in env.items() if v is not None}
    )
    return {
        k: v
        for k, v in pairs.items()
        if re.search(r"ROLE|TYPE|MODE|PROCESS|KIND", k) and _WORKER_COMMAND.search(v.lower())
    }


def _volumes(draft: Draft, src: SourceFile, volumes: object) -> None:
    """Host folders mounted into the app: state that lives only on this server."""
    mounts = [
        v.split(":")[0]
        for v in (volumes if isinstance(volumes, list) else [])
        if isinstance(v, str) and v.startswith((".", "/")) and ":" in v
    ]
    here = draft.repo.root.resolve()
    folder = (draft.repo.root / src.path).parent
    # the source mounted for hot reload (`.`, or `./services/web/` from a compose file above)
    mounts = [m for m in mounts if (folder / m).resolve() != here]
    if mounts:
        draft.finding(
            "host-volumes",
            f"The app keeps files on the server: {', '.join(mounts)}",
            "copy them before cutover: SQLite files with `skylift db migrate`, other files to S3 "
            "(`aws s3 sync`), and point the code at S3 instead of the folder",
            [src.evidence(offset=offset(src, re.escape(m) + ":")) for m in mounts],
            "info",
        )


def _container_port(port: object) -> int | None:
    """The container side of a compose port: "127.0.0.1:8000:3000" and {target: 3000} give 3000."""
    if isinstance(port, dict):
        target = port.get("target")
        return int(target) if isinstance(target, int | str) and str(target).isdigit() else None
    m = re.search(r"(\d{2,5})(?:/(?:tcp|udp))?$", str(port).strip("\"'"))
    return int(m.group(1)) if m else None


def offset(src: SourceFile, pattern: str) -> int | None:
    m = re.search(pattern, src.text, re.M)
    return m.start() if m else None
