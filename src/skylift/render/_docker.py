"""Dockerfile context: what the build needs to know, read from the files the image is built
from (lockfiles, go.mod, package.json, the Prisma schema). Facts about the build, no
architecture decisions: the versions and commands come from the Blueprint (the scan)."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

from skylift.plan.blueprint import Blueprint
from skylift.render._context import release_job, shell_words
from skylift.scan import _roles, go
from skylift.scan._repo import Repo

_NODE_INSTALL = {  # lockfile -> (install, prune) commands
    "pnpm-lock.yaml": ("pnpm install --frozen-lockfile", "pnpm prune --prod"),
    "yarn.lock": (
        "yarn install --frozen-lockfile && yarn cache clean",
        "yarn install --production --frozen-lockfile --ignore-scripts && yarn cache clean",
    ),
    "package-lock.json": ("npm ci", "npm prune --omit=dev"),
    "npm-shrinkwrap.json": ("npm ci", "npm prune --omit=dev"),
}
_BERRY = ("yarn install --immutable", "yarn workspaces focus --all --production")
# read by the package manager during the install: they must be there before it runs
_INSTALL_FILES = (".npmrc", ".yarnrc", ".yarnrc.yml", ".pnpmfile.cjs", "pnpm-workspace.yaml")
_INSTALL_DIRS = (".yarn/releases", ".yarn/plugins", ".yarn/patches", "patches")
_SHELL = re.compile(r"&&|\|\||[;|<>`]|\$\{?\w")
_DEFAULT_VERSIONS = {"node": "20", "python": "3.12", "go": "1.22"}
_MIGRATE_TOOLS = [  # a migration CLI the release command calls -> how the migrate stage gets it
    (
        re.compile(r"\bmigrate -path\b|\bmigrate\b.*-database"),
        "github.com/golang-migrate/migrate/v4",
        "cmd/migrate",
        "v4.17.1",
        "-tags=postgres",
    ),
    (re.compile(r"\bsql-migrate\b"), "github.com/rubenv/sql-migrate", "sql-migrate", "v1.6.1", ""),
    (re.compile(r"\bgoose\b"), "github.com/pressly/goose/v3", "cmd/goose", "v3.20.0", ""),
]


def docker_context(root: Path, bp: Blueprint) -> dict[str, Any] | None:
    """Template values for Dockerfile.<runtime>.j2, or None when skylift has no template."""
    maker = {"node": _node, "go": _go, "python": _python}.get(bp.runtime)
    if maker is None:
        return None
    svc = _compute(bp)
    start = (svc.settings.get("start_command") if svc else None) or None
    version = bp.runtime_version or _DEFAULT_VERSIONS[bp.runtime]
    ctx = maker(root, start, version, bp)
    ctx["runtime_version"] = version
    ctx["healthcheck"] = json.dumps(healthcheck(bp))
    ctx.setdefault("start_argv", json.dumps(argv(ctx.pop("start"))))
    return ctx


def healthcheck(bp: Blueprint) -> list[str]:
    """The image's HEALTHCHECK: the same path and statuses as the load balancer's check."""
    top = int(bp.health_matcher.rsplit("-", 1)[-1])
    url = f"http://127.0.0.1:{bp.port}{bp.health_path}"
    if bp.runtime == "node":
        script = (
            f"require('http').get('{url}', r => process.exit(r.statusCode <= {top} ? 0 : 1))"
            ".on('error', () => process.exit(1))"
        )
        return ["node", "-e", script]
    if bp.runtime == "python":
        script = (
            "import http.client,sys; "
            f"c=http.client.HTTPConnection('127.0.0.1', {bp.port}, timeout=4); "
            f"c.request('GET', '{bp.health_path}'); "
            f"sys.exit(0 if c.getresponse().status <= {top} else 1)"
        )
        return ["python", "-c", script]
    # busybox wget fails on 4xx: read the status line it prints with -S instead
    probe = f"wget -q -S -O /dev/null {url} 2>&1 | awk '/HTTP\\//{{s=$2}} END{{exit !(s >= 200 && s <= {top})}}'"
    return ["sh", "-c", probe]


def argv(command: str) -> list[str]:
    """Exec form for CMD; a command with shell operators or variables runs under sh -c."""
    if _SHELL.search(command):
        return ["sh", "-c", command]
    return shell_words(command)


def _read_json(path: Path) -> dict[str, Any]:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    return {}


def _node(root: Path, start: str | None, version: str, bp: Blueprint) -> dict[str, Any]:
    pkg = _read_json(root / "package.json")
    lock = next((name for name in _NODE_INSTALL if (root / name).exists()), None)
    manager = str(pkg.get("packageManager", ""))
    berry = lock == "yarn.lock" and (
        (root / ".yarnrc.yml").exists() or re.match(r"yarn@[2-9]", manager)
    )
    install, prune = (
        _BERRY if berry else _NODE_INSTALL.get(lock or "", ("npm install", "npm prune --omit=dev"))
    )
    major = int(m.group()) if (m := re.match(r"\d+", version)) else 20
    pnpm = _pnpm_major(root) if "pnpm" in install else None
    if pnpm and not manager and major >= 16:
        install = f"corepack prepare pnpm@{pnpm} --activate && {install}"  # the lockfile's pnpm
    elif pnpm and major < 16:
        install = f"npm install -g pnpm@{pnpm} && {install}"
    if lock is None and manager.startswith(("yarn", "pnpm")):
        tool = manager.split("@")[0]
        install, prune = (
            f"{tool} install",
            "pnpm prune --prod" if tool == "pnpm" else "yarn install --production --ignore-scripts",
        )
    scripts = pkg.get("scripts") or {}
    runner = "pnpm" if "pnpm" in install else "yarn" if "yarn" in install else "npm run"
    deps = {**(pkg.get("dependencies") or {}), **(pkg.get("devDependencies") or {})}
    schema = _prisma_schema(root, pkg) if {"prisma", "@prisma/client"} & set(deps) else None
    extra = [f for f in _INSTALL_FILES if (root / f).is_file()]
    return {
        # Debian bookworm images exist from Node 18 on; older majors only have older bases
        "node_variant": "bookworm-slim" if major >= 18 else "slim",
        "manifests": ["package.json", *([lock] if lock else []), *extra],
        "install_dirs": [d for d in _INSTALL_DIRS if (root / d).is_dir()]
        + ([schema.rsplit("/", 1)[0]] if schema and "/" in schema else []),
        # node images ship yarn 1; pnpm and yarn 2+ come through corepack (Node 16.9 and later)
        "corepack": (runner == "pnpm" or bool(berry)) and major >= 16,
        "install_command": install,
        "prune_command": prune,
        "generate_command": f"npx prisma generate{'' if schema == 'prisma/schema.prisma' else f' --schema {schema}'}"
        if schema
        else None,
        "build_command": _node_build(scripts, runner) or _scanned_build(bp),
        # read by the bundler during the build: CI passes them from the repository's variables
        "build_args": build_args(bp),
        "migrate_stage": True,
        "start": start or ("npm start" if "start" in scripts else "node index.js"),
    }


def _scanned_build(bp: Blueprint) -> str | None:
    """The build the scan found where no script names it: the `tsc` of `"start": "tsc && node
    src/index.js"`, whose start the image runs without it."""
    svc = _compute(bp)
    return (svc.settings.get("build_command") if svc else None) or None


def _compute(bp: Blueprint) -> Any:
    """The resource that runs the image: the ECS service, or the Lambda function."""
    return bp.resource("ecs_service") or bp.resource("lambda_function")


def _node_build(scripts: dict[str, Any], runner: str) -> str | None:
    """`build`, else the pre-hook of the start script (`prestart:prod: tsc`): npm runs it before
    the start, the image runs it once."""
    name = next((n for n in ("build", "prestart:prod", "prestart") if n in scripts), None)
    return f"{runner} {name}" if name else None


def build_args(bp: Blueprint) -> list[str]:
    """NEXT_PUBLIC_*, VITE_* ...: names the app reads that only exist at build time."""
    return sorted(
        u["name"]
        for u in bp.env_unset
        if _roles.BUILD_TIME.match(u["name"].upper())
        and "_" in u["name"]
        and u["name"].upper().startswith(_BUNDLER_PREFIXES)
    )


_BUNDLER_PREFIXES = (
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "EXPO_PUBLIC_",
    "GATSBY_",
    "NUXT_PUBLIC_",
    "PUBLIC_",
)


def _pnpm_major(root: Path) -> str:
    """The pnpm major that writes this lockfile version (9.0 -> 9, 6.x -> 8, 5.x -> 7)."""
    head = ""
    with contextlib.suppress(OSError):
        head = (root / "pnpm-lock.yaml").read_text(errors="replace")[:200]
    m = re.search(r"lockfileVersion:\s*'?(\d+)", head)
    return {"9": "9", "6": "8", "5": "7"}.get(m.group(1) if m else "", "9")


def _prisma_schema(root: Path, pkg: dict[str, Any]) -> str | None:
    configured = (
        (pkg.get("prisma") or {}).get("schema") if isinstance(pkg.get("prisma"), dict) else None
    )
    for rel in (configured, "prisma/schema.prisma", "schema.prisma"):
        if rel and (root / rel).is_file():
            return str(rel).removeprefix("./")
    folder = root / "prisma" / "schema"  # prismaSchemaFolder: a folder of .prisma files
    return "prisma/schema" if folder.is_dir() else None


def _static_on_s3(bp: Blueprint) -> bool:
    uploads = bp.resource("s3_uploads")
    return bool(uploads and uploads.settings.get("static"))


def _static_root(root: Path) -> bool:
    """A Django settings module with STATIC_ROOT: there is somewhere to collect static files."""
    for path in list(root.glob("*/settings.py")) + list(root.glob("*/settings/*.py")):
        with contextlib.suppress(OSError):
            if re.search(r"^STATIC_ROOT\s*=", path.read_text(errors="replace"), re.M):
                return True
    return False


_NATIVE = [  # a source-built driver -> (build packages, runtime packages)
    (re.compile(r"^\W*psycopg2(?!-binary)\b", re.M | re.I), ["gcc", "libpq-dev"], ["libpq5"]),
    (
        re.compile(r"^\W*mysqlclient\b", re.M | re.I),
        ["gcc", "pkg-config", "default-libmysqlclient-dev"],
        ["libmariadb3"],
    ),
]


def _native_packages(root: Path, manifests: list[str]) -> tuple[list[str], list[str]]:
    text = ""
    for rel in manifests:
        with contextlib.suppress(OSError):
            text += (root / rel).read_text(errors="replace") + "\n"
    build: list[str] = []
    run: list[str] = []
    for pattern, b, r in _NATIVE:
        if pattern.search(text):
            build += [p for p in b if p not in build]
            run += [p for p in r if p not in run]
    return sorted(build), sorted(run)


def _requirements(root: Path, rel: str, depth: int = 0) -> list[str]:
    """requirements.txt and the files it includes (-r, -c), which pip reads at install time."""
    out = [rel]
    with contextlib.suppress(OSError):
        text = (root / rel).read_text(errors="replace")
        folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
        for m in re.finditer(r"^\s*-[rc]\s+(\S+)", text, re.M):
            included = folder + m.group(1).removeprefix("./")
            if depth < 3 and (root / included).is_file() and included not in out:
                out += [f for f in _requirements(root, included, depth + 1) if f not in out]
    return out


def _go(root: Path, start: str | None, version: str, bp: Blueprint) -> dict[str, Any]:
    package, _ = go.main_package(Repo.walk(root))
    release = release_job(bp)
    command = str(release["command"]) if release else ""
    makefile = ""
    with contextlib.suppress(OSError):
        makefile = (root / "Makefile").read_text(errors="replace")
    gomod = ""
    with contextlib.suppress(OSError):
        gomod = (root / "go.mod").read_text(errors="replace")
    tools = []
    for pattern, module, path, default, tags in _MIGRATE_TOOLS:
        if pattern.search(command) or (command.startswith("make") and pattern.search(makefile)):
            pinned = re.search(rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", gomod, re.M)
            at = pinned.group(1) if pinned else default
            env = f"GOFLAGS={tags} " if tags else ""  # build tags: the drivers compiled in
            tools.append(f"{env}go install {module}/{path}@{at}")
    return {
        "go_package": package,
        "migrate_tools": tools,
        "migrate_stage": True,
        "start": "/usr/local/bin/app",
    }


def _python(root: Path, start: str | None, version: str, bp: Blueprint) -> dict[str, Any]:
    pyproject = ""
    with contextlib.suppress(OSError):
        pyproject = (root / "pyproject.toml").read_text(errors="replace")
    if (root / "requirements.txt").exists():
        manifests = _requirements(root, "requirements.txt")
        install = "pip install --no-cache-dir -r requirements.txt"
    elif (root / "uv.lock").exists():
        manifests = ["pyproject.toml", "uv.lock"]
        install = (
            "pip install --no-cache-dir uv==0.5.* && UV_PROJECT_ENVIRONMENT=/venv "
            "uv sync --frozen --no-dev --no-install-project"
        )
    elif "[tool.poetry" in pyproject:
        manifests = [
            "pyproject.toml",
            *(["poetry.lock"] if (root / "poetry.lock").exists() else []),
        ]
        install = (
            'pip install --no-cache-dir "poetry>=1.8,<3" && poetry config virtualenvs.create false '
            "&& poetry install --no-interaction --no-root --only main"
        )
    elif (root / "Pipfile").exists():
        lock = (root / "Pipfile.lock").exists()
        manifests = ["Pipfile", *(["Pipfile.lock"] if lock else [])]
        install = 'pip install --no-cache-dir "pipenv>=2023.10" && ' + (
            "pipenv requirements > /tmp/requirements.txt && pip install --no-cache-dir -r /tmp/requirements.txt"
            if lock
            else "pipenv install --system --skip-lock"
        )
    else:
        manifests, install = ["pyproject.toml"], "pip install --no-cache-dir ."
    build_pkgs, run_pkgs = _native_packages(root, manifests)
    return {
        "assets": _assets(root),
        # Heroku's Python buildpack runs collectstatic on every build; the image does too
        # (not when the static files go to S3: the build has no credentials, the release
        # step runs collectstatic with the task role's, plan/_storage.py)
        "collectstatic": (root / "manage.py").is_file()
        and _static_root(root)
        and not _static_on_s3(bp),
        "manifests": manifests,
        # psycopg2 and mysqlclient build from source on slim images: compilers and headers in
        # the build stage, the client library alone in the final one
        "build_packages": build_pkgs,
        "runtime_packages": run_pkgs,
        "install_command": install,
        "migrate_stage": False,  # alembic, manage.py: regular dependencies, in the image already
        "start": start or "python -m app",
    }


def _assets(root: Path) -> dict[str, Any] | None:
    """A Python app's package.json that builds its assets (webpack, tailwind for the templates):
    Heroku's Node buildpack runs its `build` before Python's, and the templates name the files
    it makes (static/dist/app.css). The image builds them in a Node stage of their own."""
    pkg = _read_json(root / "package.json")
    scripts = pkg.get("scripts") or {}
    if not isinstance(scripts, dict) or "build" not in scripts:
        return None
    lock = next((name for name in _NODE_INSTALL if (root / name).exists()), None)
    # no lockfile: the build scripts' own tool (`concurrently "yarn:build-css"` needs yarn)
    yarn = lock == "yarn.lock" or (lock is None and "yarn" in json.dumps(scripts))
    install = _NODE_INSTALL[lock][0] if lock else "yarn install" if yarn else "npm install"
    engines = str((pkg.get("engines") or {}).get("node", ""))
    major = m.group() if (m := re.search(r"\d+", engines)) and int(m.group()) >= 18 else "20"
    return {
        "node": major,
        "manifests": ["package.json", *([lock] if lock else [])],
        "install": install,
        "build": "yarn build" if yarn else "npm run build",
    }
