"""Read an app's repository into an AppProfile: what it is, with the file and line for each fact.

    from skylift.scan import scan
    profile = scan("examples/pantrypal")

Odd repositories (missing, empty, no manifest, several apps) raise RepoError with what to do.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

from skylift.errors import RepoError
from skylift.scan import (
    code,
    data,
    dockerfile,
    env,
    go,
    hosting,
    image,
    jobs,
    node,
    python,
    routes,
    sqlcheck,
    tls,
    typescript,
)
from skylift.scan._facts import Draft
from skylift.scan._repo import Repo
from skylift.scan.model import AppProfile, Evidence, Finding

__all__ = ["AppProfile", "scan"]

ECOSYSTEMS = (node, go, python)
MANIFESTS = ("package.json", "go.mod", "requirements.txt", "pyproject.toml", "Pipfile", "manage.py")
SUPPORTED_ENGINES = ("sqlite", "postgresql", "mysql")


def scan(path: str | Path) -> AppProfile:
    """Scan the app at `path`. Raises RepoError when there is no single app to scan there."""
    root = _check_root(Path(path))
    repo = Repo.walk(root)
    if not repo.files:
        hint = (
            " (only node_modules/.git and the like, which skylift skips)"
            if repo.skipped_dirs
            else ""
        )
        raise RepoError(
            f"{path} is empty{hint}",
            "there is no code to scan",
            "point skylift at the app's repository",
        )
    draft = Draft(repo, AppProfile(root=str(root), name=root.name))
    draft.profile.dockerfile = image.choose(repo)
    ecosystem = _ecosystem(draft)
    if ecosystem is not None:
        ecosystem.scan(draft)
    # a root manifest with no framework (tooling only, or workspaces) is not the app itself
    rootless = ecosystem is None or draft.profile.framework is None or _workspaces(draft)
    apps = _sub_apps(repo) if rootless else []
    if len(apps) > 1:
        return _monorepo(Path(path), root, apps)
    if len(apps) == 1:
        profile = scan(root / apps[0])
        profile.apps = [apps[0]]
        return profile
    if ecosystem is None:
        raise RepoError(
            f"no app found in {path}",
            f"none of {', '.join(MANIFESTS)} is there (skylift reads Node, Go and Python apps)",
            "point skylift at the folder that holds the app's manifest",
        )
    for step in (hosting, data, jobs, env, code, routes, tls, sqlcheck, dockerfile):
        step.scan(draft)
    data.locate(draft)
    typescript.check_start(draft)  # before the Dockerfile's checks read the start command
    dockerfile.check_start(draft)
    dockerfile.check_entrypoint(draft)
    _notes(draft)
    return draft.finish()


# the folder names of the part that serves requests, and of the parts that do not
_BACKEND_NAMES = {"backend", "server", "api", "app", "service", "services", "web-api", "rest"}
_FRONTEND_NAMES = {"frontend", "client", "web", "ui", "www", "site", "docs", "mobile", "admin"}
_SERVER_DEPS = re.compile(
    r'"(?:express|@nestjs/core|next|fastify|koa|@hapi/hapi|hono)"\s*:|^\s*["\']?(?:django|flask|fastapi|'
    r"starlette)\b|github\.com/(?:gin-gonic/gin|labstack/echo|gofiber/fiber|go-chi/chi|gorilla/mux)",
    re.M | re.I,
)


def _ecosystem(draft: Draft) -> ModuleType | None:
    found = [e for e in ECOSYSTEMS if e.detect(draft)]
    # a package.json that names no server and no start, beside a Python or Go manifest, is the
    # toolchain of the app's assets (webpack, tailwind for Django templates), not the app
    if len(found) > 1 and found[0] is node:
        src = draft.repo.read("package.json")
        pkg = src.text if src else ""
        if not _SERVER_DEPS.search(pkg) and not re.search(r'"start"\s*:', pkg):
            found = found[1:]
    return found[0] if found else None


def _monorepo(path: Path, root: Path, apps: list[str]) -> AppProfile:
    """Several apps below the root: scan the one that serves requests, and say which and why."""
    servers = [a for a in apps if _serves(root / a) and not a.startswith(("packages/", "libs/"))]
    named = [a for a in servers if a.rsplit("/", 1)[-1].lower() in _BACKEND_NAMES]
    pick = (
        named
        if len(named) == 1
        else [a for a in servers if a.rsplit("/", 1)[-1].lower() not in _FRONTEND_NAMES]
    )
    if len(pick) != 1:
        pick = servers if len(servers) == 1 else []
    if len(pick) != 1:
        raise RepoError(
            f"{path} holds {len(apps)} apps: {', '.join(apps)}",
            "skylift moves one app at a time, and none of them is clearly the one serving requests"
            if not servers
            else f"{', '.join(servers)} all serve requests",
            f"scan one of them, e.g. `skylift scan {path / (servers or apps)[0]}`",
        )
    chosen = pick[0]
    profile = scan(root / chosen)
    others = [a for a in apps if a != chosen]
    profile.apps = [chosen, *others]
    profile.findings.append(
        Finding(
            "monorepo-choice",
            f"The repository holds {len(apps)} apps; skylift moves {chosen}",
            f"{chosen} serves requests (a server framework"
            + (", and its folder's name says so" if chosen in named else "")
            + f"); not moved: {', '.join(others)}. To move another one, run "
            f"`skylift scan {path / others[0]}`",
            "info",
            [Evidence(chosen)],
        )
    )
    return profile


def _serves(folder: Path) -> bool:
    for name in ("package.json", "requirements.txt", "pyproject.toml", "Pipfile", "go.mod"):
        try:
            if _SERVER_DEPS.search((folder / name).read_text(encoding="utf-8", errors="replace")):
                return True
        except OSError:
            continue
    return (folder / "manage.py").exists()


def _check_root(path: Path) -> Path:
    if not path.exists():
        raise RepoError(f"{path} does not exist", "", "check the path (and the current directory)")
    if not path.is_dir():
        raise RepoError(
            f"{path} is a file, not a folder", "skylift scans a repository", f"use {path.parent}"
        )
    try:
        next(path.iterdir(), None)
    except OSError as exc:
        raise RepoError(
            f"cannot read {path}", exc.strerror or str(exc), "check its permissions"
        ) from None
    return path.resolve()


def _workspaces(draft: Draft) -> bool:
    src = draft.repo.read("package.json")
    return src is not None and '"workspaces"' in src.text


def _sub_apps(repo: Repo) -> list[str]:
    """Folders below the root that hold a manifest, outermost only (a Go app's tools/go.mod is not an app)."""
    folders = sorted(
        {
            rel.rsplit("/", 1)[0]
            for rel in repo.named(*MANIFESTS)
            if "/" in rel and rel.count("/") <= 3
        }
    )
    outer: list[str] = []
    for folder in folders:
        if not any(folder.startswith(o + "/") for o in outer):
            outer.append(folder)
    return outer


def _notes(draft: Draft) -> None:
    repo = draft.repo
    committed = [d for d in repo.skipped_dirs if d.split("/")[-1] == "node_modules"]
    if committed:
        draft.finding(
            "committed-dependencies",
            f"Dependencies are committed ({', '.join(committed[:3])}); skipped by the scan",
            "remove them from git (`git rm -r --cached node_modules`, add it to .gitignore): the "
            "image build installs them, and committed native modules are built for the wrong OS",
            [Evidence(d) for d in committed],
            "info",
        )
    if repo.unreadable:
        draft.finding(
            "unreadable-files",
            f"{len(set(repo.unreadable))} file(s) could not be read and were skipped",
            "check their permissions or encoding (skylift reads source as UTF-8); broken symlinks show up here too",
            [Evidence(f) for f in sorted(set(repo.unreadable))],
            "info",
        )
    _driver_finding(draft)
    for db in draft.profile.databases:
        if db.engine not in SUPPORTED_ENGINES:
            draft.finding(
                "unsupported-database",
                f"{db.engine} cannot be moved to RDS PostgreSQL by skylift",
                "keep it where it is (or move it to its managed AWS service) and point the app at it",
                db.evidence[:3],
                "blocker",
            )


POSTGRES_DRIVERS = {"node": "pg (node-postgres)", "go": "pgx (or lib/pq)", "python": "psycopg"}


def _driver_finding(draft: Draft) -> None:
    """A MySQL or SQLite driver must give way to a PostgreSQL one (better-sqlite3 has its own finding)."""
    for db in draft.profile.databases:
        if db.engine in ("mysql", "sqlite") and db.driver and db.driver != "better-sqlite3":
            draft.finding(
                "db-driver",
                f"{db.driver} talks to {db.engine} only",
                f"replace it with {POSTGRES_DRIVERS.get(draft.language, 'a PostgreSQL driver')} "
                "and connect with DATABASE_URL (TLS on for RDS)",
                db.evidence[:1],
            )
