"""The GitHub Actions workflows: the actions they use (pinned to a commit), the environments
the pipeline deploys in order, and the app's own checks its `test` job runs first.

The checks are facts read from the repository, as _docker.py reads the build's: package.json's
`lint` and `test` scripts, pytest and ruff where a Python app declares them, `go vet` and
`go test` for Go. Nothing is invented: an app without any gets a test job that says so.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

from skylift.plan.blueprint import Blueprint
from skylift.render._docker import _DEFAULT_VERSIONS

# Each action at the full commit SHA of its release (zizmor's unpinned-uses: a tag can be
# moved, a commit cannot); the version is the comment Dependabot and Renovate update.
ACTIONS = {
    "checkout": "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
    "configure_aws_credentials": "aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3",
    "amazon_ecr_login": "aws-actions/amazon-ecr-login@03f1aad4c6c7ffd436567f42f9384779290529bd # v2.1.7",
    "setup_qemu": "docker/setup-qemu-action@96fe6ef7f33517b61c61be40b68a1882f3264fb8 # v4.2.0",
    "setup_buildx": "docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e # v4.3.0",
    "setup_node": "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0",
    "setup_python": "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0",
    "setup_go": "actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e # v7.0.0",
}
# npm init's placeholder test script fails on purpose: it is no test
_NPM_PLACEHOLDER = re.compile(r"no test specified")
_LOOKED_FOR = {
    "node": "package.json scripts lint and test",
    "python": "pytest or ruff in requirements*.txt, pyproject.toml, setup.cfg",
    "go": "go.mod, for go vet and go test",
}
_PYTEST = re.compile(r"^\s*pytest\b|[\"']pytest\b", re.M | re.I)
_RUFF = re.compile(r"^\s*ruff\b|[\"']ruff\b|^\[tool\.ruff", re.M | re.I)


def environments(bp: Blueprint) -> list[str]:
    """The GitHub environments the pipeline deploys, in order (prod last, after approval)."""
    return list(bp.environments)


def promotions(bp: Blueprint) -> dict[str, str]:
    """Environment -> the one before it in the pipeline, whose tested image it deploys by
    digest (its deploy role may read that repository: infra/iam.tf)."""
    envs = environments(bp)
    return dict(zip(envs[1:], envs[:-1], strict=True))


def context(root: Path, bp: Blueprint, docker: dict[str, Any] | None) -> dict[str, Any]:
    """Template values of pipeline.yml and deploy.yml."""
    return {
        "actions": ACTIONS,
        "environments": environments(bp),
        "checks": checks(root, bp, docker),
    }


def checks(root: Path, bp: Blueprint, docker: dict[str, Any] | None) -> dict[str, Any]:
    """How the test job sets the runtime up, installs and runs the app's checks."""
    # the image's version (a Dockerfile of the user's: the app's, else the image template's)
    version = (docker or {}).get("runtime_version") or bp.runtime_version
    version = version or _DEFAULT_VERSIONS.get(bp.runtime, "")
    out: dict[str, Any] = {
        "runtime": bp.runtime,
        "version": version,
        "install": "",
        "run": [],
        "looked_for": _LOOKED_FOR.get(bp.runtime, "no check skylift knows for this runtime"),
    }
    if bp.runtime == "node":
        out.update(_node(root, docker))
    elif bp.runtime == "python":
        out.update(_python(root))
    elif bp.runtime == "go" and (root / "go.mod").is_file():
        out.update(
            install="go mod download", run=[("vet", "go vet ./..."), ("test", "go test ./...")]
        )
    if not out["run"]:
        out["install"] = ""
    return out


def _node(root: Path, docker: dict[str, Any] | None) -> dict[str, Any]:
    pkg: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        data = json.loads((root / "package.json").read_text())
        pkg = data if isinstance(data, dict) else {}
    found = pkg.get("scripts")
    scripts: dict[str, Any] = found if isinstance(found, dict) else {}
    install = str((docker or {}).get("install_command") or "npm install")
    # the image's install, with the development dependencies the checks need
    install = install.split(" && yarn cache clean")[0]
    runner = "pnpm" if "pnpm" in install else "yarn" if "yarn" in install else "npm run"
    run = []
    for name in ("lint", "test"):
        command = scripts.get(name)
        if isinstance(command, str) and not _NPM_PLACEHOLDER.search(command):
            run.append((name, f"{runner} {name}"))
    corepack = bool((docker or {}).get("corepack"))
    return {"install": f"corepack enable && {install}" if corepack else install, "run": run}


def _python(root: Path) -> dict[str, Any]:
    declared = ""
    files = sorted(p.name for p in root.glob("requirements*.txt"))
    for name in [*files, "pyproject.toml", "setup.cfg"]:
        with contextlib.suppress(OSError):
            declared += (root / name).read_text(errors="replace") + "\n"
    run = []
    if _RUFF.search(declared) or (root / "ruff.toml").is_file():
        run.append(("lint", "ruff check ."))
    if _PYTEST.search(declared):
        run.append(("test", "python -m pytest"))
    if files:
        install = "python -m pip install " + " ".join(f"-r {f}" for f in files)
    else:
        install = "python -m pip install ."
    tools = {"lint": "ruff", "test": "pytest"}
    # declared for development, not necessarily in the files installed
    install += "".join(f" {tools[name]}" for name, _ in run)
    return {"install": install, "run": run}
