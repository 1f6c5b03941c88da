"""Dockerfile context: what the build needs to know, read from the files the image is built
from (lockfiles, go.mod, package.json). Facts about the build, no architecture decisions."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

from skylift.plan.blueprint import Blueprint
from skylift.render._context import shell_words

_NODE_INSTALL = {  # lockfile -> (install, prune) commands
    "pnpm-lock.yaml": ("corepack enable && pnpm install --frozen-lockfile", "pnpm prune --prod"),
    "yarn.lock": (
        "corepack enable && yarn install --frozen-lockfile",
        "yarn install --production --frozen-lockfile",
    ),
    "package-lock.json": ("npm ci", "npm prune --omit=dev"),
}


def docker_context(root: Path, bp: Blueprint) -> dict[str, Any] | None:
    """Template values for Dockerfile.<runtime>.j2, or None when skylift has no template."""
    maker = {"node": _node, "go": _go, "python": _python}.get(bp.runtime)
    if maker is None:
        return None
    svc = bp.resource("ecs_service")
    start = (svc.settings.get("start_command") if svc else None) or None
    ctx = maker(root, start)
    ctx.setdefault("start_argv", json.dumps(shell_words(ctx.pop("start"))))
    return ctx


def _node(root: Path, start: str | None) -> dict[str, Any]:
    pkg: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        pkg = json.loads((root / "package.json").read_text())
    lock = next((name for name in _NODE_INSTALL if (root / name).exists()), None)
    install, prune = _NODE_INSTALL[lock] if lock else ("npm install", "npm prune --omit=dev")
    scripts = pkg.get("scripts") or {}
    runner = {"pnpm-lock.yaml": "pnpm", "yarn.lock": "yarn"}.get(lock or "", "npm run")
    engines = str((pkg.get("engines") or {}).get("node", ""))
    major = re.search(r"\d+", engines)
    return {
        "runtime_version": major.group() if major and int(major.group()) >= 18 else "20",
        "manifests": ["package.json", *([lock] if lock else [])],
        "install_command": install,
        "prune_command": prune,
        "build_command": f"{runner} build" if "build" in scripts else None,
        "start": start or ("npm start" if "start" in scripts else "node index.js"),
    }


def _go(root: Path, start: str | None) -> dict[str, Any]:
    version = "1.22"
    try:
        found = re.search(r"^go (\d+\.\d+)", (root / "go.mod").read_text(), re.M)
        version = found.group(1) if found else version
    except OSError:
        pass
    mains = sorted(p.parent for p in root.glob("cmd/*/main.go"))
    package = f"./{mains[0].relative_to(root).as_posix()}" if mains else "."
    return {"runtime_version": version, "go_package": package, "start": "/usr/local/bin/app"}


def _python(root: Path, start: str | None) -> dict[str, Any]:
    if (root / "requirements.txt").exists():
        manifests, install = ["requirements.txt"], "pip install --no-cache-dir -r requirements.txt"
    else:
        manifests, install = ["pyproject.toml"], "pip install --no-cache-dir ."
    return {
        "runtime_version": "3.12",
        "manifests": manifests,
        "install_command": install,
        "start": start or "python -m app",
    }
