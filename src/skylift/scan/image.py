"""Which Dockerfile builds the production image, and from which context.

Many repositories hold a development Dockerfile (hot reload, devDependencies) and a production
one: `Dockerfile.prod`, `docker/Dockerfile.production`, or the one a `docker-compose.prod.yml`
service builds (`build.context` + `build.dockerfile`, and its `target` stage). skylift reads,
builds and rehearses the production one everywhere; the fact says which and why."""

from __future__ import annotations

import posixpath
import re
from typing import Any

import yaml

from skylift.scan._repo import Repo
from skylift.scan.model import Evidence, Fact

PROD_COMPOSE = tuple(
    f"{folder}{stem}.{variant}.{ext}"
    for folder in ("", "docker/", "deploy/")
    for stem in ("docker-compose", "compose")
    for variant in ("prod", "production")
    for ext in ("yml", "yaml")
)
# Dockerfiles whose name says production, most explicit first
PROD_NAMES = tuple(
    f"{folder}{name}"
    for folder in ("", "docker/", ".docker/", "deploy/")
    for name in (
        "Dockerfile.prod",
        "Dockerfile.production",
        "prod.Dockerfile",
        "production.Dockerfile",
        "prod/Dockerfile",
        "production/Dockerfile",
    )
)
_DOCKERFILE = re.compile(r"(?:^|/)(?:Dockerfile(?:\.[\w-]+)?|[\w-]+\.Dockerfile)$")
_APP_SERVICES = ("web", "app", "api", "backend", "server")


def choose(repo: Repo) -> Fact | None:
    """{"path", "context", "target", "why"} of the production Dockerfile (paths relative to
    the app's folder; target "" for the final stage), or None when the app has no Dockerfile."""
    others = [f for f in repo.files if _DOCKERFILE.search(f) and f.count("/") <= 2]
    for name in PROD_COMPOSE:
        picked = _from_compose(repo, name)
        if picked is not None:
            path, context, target, ev = picked
            why = f"the production compose file ({name}) builds the app from it"
            return _fact(path, context, target, why, others, [ev])
    for name in PROD_NAMES:
        if name in repo.files:
            why = "its name says production"
            return _fact(name, ".", "", why, others, [Evidence(name)])
    if "Dockerfile" in repo.files:
        return _fact("Dockerfile", ".", "", "the repository's Dockerfile", others, [])
    return None


def upto_stage(text: str, target: str) -> str:
    """The Dockerfile as `docker build --target <target>` reads it: the stages after the
    target's are cut off (lines keep their numbers), so its CMD is the image's."""
    if not target:
        return text
    lines = text.splitlines(keepends=True)
    stage = re.compile(rf"^\s*FROM\s+(?:--\S+\s+)*\S+\s+AS\s+{re.escape(target)}\s*$", re.I)
    start = next((i for i, line in enumerate(lines) if stage.match(line)), None)
    if start is None:
        return text
    after = next(
        (i for i in range(start + 1, len(lines)) if re.match(r"^\s*FROM\s", lines[i], re.I)),
        len(lines),
    )
    return "".join(lines[:after])


def _fact(
    path: str, context: str, target: str, why: str, others: list[str], evs: list[Evidence]
) -> Fact:
    rest = [f for f in others if f != path]
    if rest:
        why += f"; not {', '.join(rest[:3])} (development or another app)"
    value = {"path": path, "context": context, "target": target, "why": why}
    return Fact(value, [*evs, Evidence(path)])


def _from_compose(repo: Repo, name: str) -> tuple[str, str, str, Evidence] | None:
    src = repo.read(name)
    if src is None:
        return None
    try:
        data = yaml.safe_load(src.text)
    except yaml.YAMLError:
        return None
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return None
    built = {str(k): v for k, v in services.items() if isinstance(v, dict) and v.get("build")}
    svc_name = _app_service(built)
    if svc_name is None:
        return None
    build: Any = built[svc_name]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
    target = build.get("target", "") if isinstance(build, dict) else ""
    if not isinstance(context, str) or not isinstance(dockerfile, str):
        return None
    context = posixpath.normpath(posixpath.join(posixpath.dirname(name), context))
    path = posixpath.normpath(posixpath.join(context, dockerfile))
    if path.startswith("..") or context.startswith("..") or path not in repo.files:
        return None  # built from outside the app's folder, or a file that is not there
    m = re.search(rf"^\s+{re.escape(svc_name)}:", src.text, re.M)
    return path, context, str(target or ""), src.evidence(offset=m.start() if m else None)


def _app_service(built: dict[str, Any]) -> str | None:
    """The service that is the app: the only one built, else the one with ports, else by name."""
    if len(built) == 1:
        return next(iter(built))
    with_ports = [n for n, s in built.items() if s.get("ports")]
    if len(with_ports) == 1:
        return with_ports[0]
    return next((n for n in _APP_SERVICES if n in built), None)
