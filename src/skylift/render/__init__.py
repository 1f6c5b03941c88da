"""Blueprint -> files in the app's repository: infra/ (Terraform), Dockerfile, .dockerignore,
the deploy workflow and the one-off command script. Templates live in templates/; the
renderers only translate the Blueprint (see _context.py) and never decide anything.
"""

from __future__ import annotations

import json
import posixpath
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from skylift.errors import SkyliftError
from skylift.plan.blueprint import Blueprint
from skylift.render import _blueprint, _lambda, _ledger, _workflow
from skylift.render import _context as ctxs
from skylift.render._docker import docker_context
from skylift.render._jinja import render
from skylift.render._write import FilesWouldChange, WriteReport, is_generated, write_files

__all__ = ["FilesWouldChange", "GenerateResult", "generate", "render_files"]

INFRA_FILES = (
    "versions",
    "network",
    "alb",
    "dns",
    "ecs",
    "ecr",
    "logs",
    "alarms",
    "backups",
    "iam",
    "variables",
    "outputs",
)


@dataclass
class GenerateResult:
    root: Path
    report: WriteReport
    notes: list[str]


def render_files(
    root: Path, bp: Blueprint, *, budget_usd: int, github_repository: str
) -> tuple[dict[str, str], list[str]]:
    """Every generated file (relative path -> content) and notes for the user. Pure: no writes."""
    ctx = {**ctxs.terraform_context(bp, github_repository), **_blueprint.context(bp)}
    ctx.update(_lambda.context(bp))  # compute = "lambda" (render/_lambda.py)
    ctx["promote_from"] = _workflow.promotions(bp)  # CI deploys the previous env's image
    serverless = _lambda.is_lambda(bp)
    files = {
        f"infra/{name}.tf": render(f"infra/{name}.tf.j2", ctx)
        for name in _lambda.infra_files(bp, INFRA_FILES)
    }
    for name, wanted in (
        ("rds", bp.database),
        ("rotation", bp.database and not serverless),
        ("lambda_rotation", bp.database and serverless),  # new environments after a rotation
        ("cache", bp.cache),
        ("jobs", ctx["jobs"]),
        ("workers", ctx["workers"]),
        ("storage", ctx["uploads"]),
        ("waf", ctx["waf"]),  # regional at the ALB, or at CloudFront's scope with cdn.tf
        ("cdn", ctx["cdn"]),
        ("ses", ctx["ses"]),
        ("backup_export", ctx["db_export"]),
    ):
        if wanted:
            files[f"infra/{name}.tf"] = render(f"infra/{name}.tf.j2", ctx)
    files["infra/backend.hcl"] = render("infra/backend.hcl.j2", ctx)
    for env in ctxs.env_contexts(bp, budget_usd):
        env.update(_blueprint.env_settings(bp, env["name"]))
        env.update(_lambda.env_settings(bp, env["name"]))
        files[f"infra/envs/{env['name']}.tfvars"] = render(
            "infra/envs/env.tfvars.j2", {**ctx, "env": env}
        )
    # in a monorepo the image is built from the app's folder; infra/ and CI stay at the root
    app = root / bp.app_dir if bp.app_dir else root
    prefix = f"{bp.app_dir}/" if bp.app_dir else ""
    docker = docker_context(app, bp) if _ours(app, bp.dockerfile) else None
    image_files = _shell_less_files(app, bp) if docker is None else None
    release_argv = ctxs.release_argv(bp, image_files)
    app_ctx = {
        **ctx,
        "platform": "linux/arm64" if bp.cpu_arch == "arm64" else "linux/amd64",
        "release_command": ctxs.release_command(bp) if release_argv else None,
        # the override's JSON, inside the workflow's single-quoted shell word
        "release_overrides": _overrides(bp.app, release_argv) if release_argv else "",
        "release_no_shell": ctxs.release_command(bp) if not release_argv else None,
        "release_unwired": ctxs.release_unwired(bp),
        "one_off": ctxs.one_off_commands(bp),
        # only a Dockerfile skylift wrote has the migrate stage
        "migrate_stage": bool(docker and docker.get("migrate_stage")),
        "build_context": _build_context(root, bp, docker is None),
        # the bundler's build-time variables (NEXT_PUBLIC_*), from the repository's variables
        "build_args": docker.get("build_args", []) if docker else [],
        "app_dir": bp.app_dir,
        **_workflow.context(app, bp, docker),
    }
    workflow = "github/deploy-lambda.yml.j2" if serverless else "github/deploy.yml.j2"
    files[".github/workflows/deploy.yml"] = render(workflow, app_ctx)
    files[".github/workflows/pipeline.yml"] = render("github/pipeline.yml.j2", app_ctx)
    if not serverless:  # one-off ECS tasks: there is no cluster on Lambda
        files["scripts/ecs-run.sh"] = render("scripts/ecs-run.sh.j2", app_ctx)
    files[f"{prefix}scripts/skylift-env.sh"] = render("scripts/skylift-env.sh.j2", app_ctx)
    if serverless and _lambda.secrets(bp):  # what the entrypoint reads the secrets with
        files[f"{prefix}scripts/skylift-secrets.go"] = render(
            "scripts/skylift-secrets.go.j2", app_ctx
        )
    override = None if serverless else _entrypoint_override(app, bp, docker is None)
    if override is None and (cmd := None if serverless else _missing_cmd(app, bp, docker is None)):
        ctx["image_command"] = cmd  # after the image's own ENTRYPOINT, as compose gives it
        files["infra/ecs.tf"] = render("infra/ecs.tf.j2", ctx)
    if override is not None:  # the user's image, started through the entrypoint all the same
        ctx["entrypoint_override"] = override
        ctx["entrypoint_script"] = _script_body(files[f"{prefix}scripts/skylift-env.sh"])
        for name in ("ecs", "workers") if ctx["workers"] else ("ecs",):
            files[f"infra/{name}.tf"] = render(f"infra/{name}.tf.j2", ctx)
    _ledger.check(bp, files)
    notes = _docker_files(app, bp, ctx, files, docker, prefix)
    notes += [] if serverless else ctxs.job_notes(bp)  # Lambda's are in the plan's risks
    if app_ctx["release_no_shell"]:
        notes.append(
            f"the release command `{app_ctx['release_no_shell']}` is not run by the workflow: "
            "the image has no shell and not that tool (distroless or scratch)"
        )
    if serverless and f"{prefix}Dockerfile" in files:
        files[f"{prefix}Dockerfile"] = _lambda.with_adapter(files[f"{prefix}Dockerfile"], bp)
    notes += _lambda.notes(bp, f"{prefix}Dockerfile" in files)
    ignore = root / ".gitignore"
    if ignore.is_file() and ".skylift" not in ignore.read_text(errors="replace"):
        notes.append("add .skylift/ to .gitignore: it holds local state (rehearsal, journal)")
    return files, notes


def _docker_files(
    root: Path,
    bp: Blueprint,
    ctx: dict[str, object],
    files: dict[str, str],
    docker: dict[str, object] | None,
    prefix: str = "",
) -> list[str]:
    notes: list[str] = []
    ours = _ours(root, bp.dockerfile)
    if ours:
        if docker is None:
            notes.append(f"no Dockerfile template for runtime {bp.runtime!r}: write one by hand")
        else:
            files[f"{prefix}Dockerfile"] = render(
                f"docker/Dockerfile.{bp.runtime}.j2",
                {**ctx, **docker, "port": bp.port, "health_path": bp.health_path},
            )
    else:
        notes.append(
            f"{bp.dockerfile} is yours and stays as it is (the plan lists what would stop it working); "
            "start the app through scripts/skylift-env.sh when it reads a database or cache URL: "
            "it composes them from the parts ECS injects"
        )
    if _ours(root, ".dockerignore"):
        files[f"{prefix}.dockerignore"] = render("docker/dockerignore.j2", ctx)
    return notes


def _build_context(root: Path, bp: Blueprint, users: bool) -> str:
    """`docker buildx build`'s Dockerfile, stage and context: the app's folder; `-f` with the
    production Dockerfile the scan chose (`Dockerfile.prod`, the one docker-compose.prod.yml
    builds, with its context and `--target`); the repository root with `-f <app>/Dockerfile`
    when the user's Dockerfile copies files from outside its folder (a monorepo built from
    the root)."""
    folder = posixpath.normpath(posixpath.join(bp.app_dir or ".", bp.docker_context))
    dockerfile = posixpath.normpath(posixpath.join(bp.app_dir or ".", bp.dockerfile))
    stage = f"--target {bp.docker_target} " if users and bp.docker_target else ""
    path = root / dockerfile
    if bp.app_dir and users and path.is_file():
        from skylift.scan.dockerfile import copy_sources

        outside = [
            s
            for s in copy_sources(path.read_text(errors="replace"))
            if not (root / folder / s).exists() and (root / s).exists()
        ]
        if outside:
            return f"{stage}-f {dockerfile} ."
    if dockerfile != posixpath.join(folder, "Dockerfile").removeprefix("./"):
        return f"{stage}-f {dockerfile} {folder}"
    return f"{stage}{folder}"


def _entrypoint_override(app: Path, bp: Blueprint, users: bool) -> list[str] | None:
    """What the user's image runs, when the task must run skylift's entrypoint before it: the
    app reads URLs only the entrypoint can compose, and the Dockerfile does not start through it."""
    from skylift.scan.dockerfile import image_argv

    needs = ctxs.composed(ctxs.wiring(bp), "db") or ctxs.composed(ctxs.wiring(bp), "cache")
    text = _user_dockerfile(app, bp) if users and needs else None
    if text is None or "skylift-env" in text:
        return None
    argv = image_argv(text)
    missing = _missing_cmd(app, bp, users) or []
    if argv is None:  # no CMD nor ENTRYPOINT (or no shell): only the start command runs
        return missing or None
    return argv + missing


def _missing_cmd(app: Path, bp: Blueprint, users: bool) -> list[str] | None:
    """The CMD the user's Dockerfile leaves to whatever starts it (an ENTRYPOINT that ends in
    `exec "$@"`; compose's `command:` gives the rest): the app's start command becomes the task
    definition's, or the entrypoint runs with nothing to start and the container exits. A
    script that starts the app itself ignores the arguments."""
    from skylift.scan.dockerfile import lacks_cmd

    text = _user_dockerfile(app, bp) if users else None
    entry = lacks_cmd(text) if text is not None else None
    svc = bp.resource("ecs_service")
    start = _start_argv(str(svc.settings.get("start_command") or "")) if svc else []
    if entry is None or not start or start == entry or (entry and _runs_the_app(entry)):
        return None
    return start


def _start_argv(command: str) -> list[str]:
    """The start command as a task definition's `command`: its words, or a shell when it
    expands variables (`--port ${PORT:-8000}`), which no exec form does."""
    if not command.strip():
        return []
    return ["/bin/sh", "-c", f"exec {command}"] if "$" in command else shlex.split(command)


# an ENTRYPOINT that is itself the app's command (`node server.js`), not a wrapper that runs
# its arguments: the start command would only be appended to it
_RUNTIMES = {
    "node",
    "python",
    "python3",
    "gunicorn",
    "uvicorn",
    "java",
    "npm",
    "yarn",
    "pnpm",
    "deno",
}


def _runs_the_app(entry: list[str]) -> bool:
    return entry[0].rsplit("/", 1)[-1] in _RUNTIMES and len(entry) > 1


def _shell_less_files(app: Path, bp: Blueprint) -> list[str] | None:
    """What the user's image holds when it has no shell (distroless, scratch), else None."""
    from skylift.scan.dockerfile import final_files

    text = _user_dockerfile(app, bp)
    return final_files(text) if text is not None else None


def _user_dockerfile(app: Path, bp: Blueprint) -> str | None:
    """The production Dockerfile as CI builds it (up to its `--target` stage), or None."""
    from skylift.scan.image import upto_stage

    path = app / bp.dockerfile
    if not path.is_file():
        return None
    return upto_stage(path.read_text(errors="replace"), bp.docker_target)


def _overrides(container: str, argv: list[str]) -> str:
    text = json.dumps(
        {"containerOverrides": [{"name": container, "command": argv}]}, separators=(",", ":")
    )
    return text.replace("'", "'\\''")


def _script_body(script: str) -> str:
    """The entrypoint script without its comments, to pass inline to sh -c."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    return "\n".join(line for line in lines if line.strip()) + "\n"


def _ours(root: Path, rel: str) -> bool:
    """True when the file is missing or skylift generated it: the user's own stays untouched."""
    path = root / rel
    return not path.exists() or is_generated(path.read_text(errors="replace"), None)


def generate(
    root: Path, bp: Blueprint, *, force: bool = False, budget_usd: int | None = None
) -> GenerateResult:
    """Write the generated files into the app at `root`; see _write for the ownership rules."""
    if budget_usd is None:
        budget_usd = _budget(bp)
    files, notes = render_files(
        root, bp, budget_usd=budget_usd, github_repository=github_repository(root)
    )
    report = write_files(root, files, force=force)
    return GenerateResult(root, report, notes)


def _budget(bp: Blueprint) -> int:
    budget = bp.resource("budget")
    amount = budget.settings.get("amount_usd") if budget else None
    if amount:
        return int(amount)
    try:
        from skylift.plan import cost

        return cost.budget_amount(cost.estimate(bp).total)
    except SkyliftError:  # no price file for the region: a round default the user adjusts
        return 100


def github_repository(root: Path) -> str:
    """owner/name from the git remote, so the OIDC role trusts exactly this repository."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:  # only the app's own repository counts, not one that merely contains it
        if Path(git("rev-parse", "--show-toplevel")).resolve() != root.resolve():
            return "OWNER/REPO"
        url = git("remote", "get-url", "origin")
    except (OSError, subprocess.CalledProcessError):
        return "OWNER/REPO"
    path = url.removesuffix(".git").replace(":", "/").split("/")
    return "/".join(path[-2:]) if len(path) >= 2 else "OWNER/REPO"
