"""The generated GitHub Actions workflows: zizmor (the Actions security linter) finds nothing in
them for apps of every kind (Fargate and Lambda, with and without a migrate stage, build args,
staging), every action is pinned to a commit, no `${{ }}` is expanded inside a script, the
pipeline runs the app's checks, then staging, then prod, and each stack's deploy role trusts
only its own GitHub environment."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from skylift.config import resolve
from skylift.plan import derive
from skylift.render import render_files
from skylift.render._workflow import ACTIONS
from skylift.scan import scan
from tests.render.test_dockerfiles import APPS, TEMPLATES
from tests.scan.conftest import package_json, write

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NEXT_APP = {
    "package.json": package_json(
        {"next": "14"}, scripts={"build": "next build", "lint": "next lint", "test": "jest"}
    ),
    "package-lock.json": "{}\n",
    ".env.example": "NEXT_PUBLIC_APP_URL=http://localhost:3000\n",
}
PNPM_APP = {
    "package.json": package_json(
        {"express": "4"}, scripts={"start": "node index.js", "test": "vitest run"}
    ),
    "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    "index.js": "app.get('/health', h)\n",
}
PYTEST_APP = {
    "requirements.txt": "flask\ngunicorn\n",
    "requirements-dev.txt": "pytest==8.3.0\nruff\n",
    "wsgi.py": "from flask import Flask\napp = Flask(__name__)\n",
}
# name -> (the app's files or an example's folder, skylift.toml values)
CASES: dict[str, tuple[dict[str, str] | str, dict[str, Any]]] = {
    "node-prisma-migrate-stage": (APPS["node-pnpm-prisma"], {}),
    "node-yarn-migrate-staging": (APPS["node-old-yarn"], {"app.staging": True}),
    "go-migrate-stage-staging": (APPS["go-tools"], {"app.staging": True}),
    "python-django-production": (APPS["python-django"], {"app.tier": "production"}),
    "next-build-args-staging": (NEXT_APP, {"app.staging": True}),
    "pos-api-lambda-staging": ("pos-api", {"app.compute": "lambda", "app.staging": True}),
    "pos-api-lambda": ("pos-api", {"app.compute": "lambda"}),
    "github-api-workers": ("github-api", {"app.tier": "production"}),
    "node-pnpm-tests": (PNPM_APP, {}),
    "python-pytest-ruff": (PYTEST_APP, {}),
}


def _render(tmp_path: Path, name: str) -> dict[str, str]:
    source, values = CASES[name]
    if isinstance(source, str):
        root = EXAMPLES / source
        if not root.is_dir():
            pytest.skip(f"examples/{source} is not in this checkout")
    else:
        root = write(tmp_path / name, source)
    profile = scan(root)
    cfg = resolve(
        derive.slug(profile.name), {}, values, lambda t, c: derive.derived_defaults(profile, t, c)
    )
    files, _ = render_files(
        root, derive.build(profile, cfg), budget_usd=50, github_repository="acme/app"
    )
    return files


def _workflows(files: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {
        Path(k).name: yaml.safe_load(v)
        for k, v in files.items()
        if k.startswith(".github/workflows/")
    }


def _zizmor() -> str:
    found = shutil.which("zizmor")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("zizmor is missing in CI: pip install zizmor")
        pytest.skip("SKIPPED LOUDLY: zizmor is not installed (pip install zizmor)")
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("apps")
    out = {}
    for name in CASES:
        source = CASES[name][0]
        if isinstance(source, str) and not (EXAMPLES / source).is_dir():
            continue
        out[name] = _render(tmp, name)
    return out


def test_zizmor_finds_nothing(tmp_path: Path, rendered: dict[str, dict[str, str]]) -> None:
    # every app's workflows in one run (zizmor starts once: the gate stays fast)
    for name, files in rendered.items():
        for rel, text in files.items():
            if rel.startswith(".github/workflows/"):
                path = tmp_path / name / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    proc = subprocess.run(
        [_zizmor(), "--offline", "--format", "json", "--no-progress", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    findings = [
        f"{f['ident']} ({f['determinations']['severity']}) at "
        + ", ".join(_where(loc) for loc in f["locations"])
        for f in json.loads(proc.stdout or "[]")
    ]
    assert findings == [], proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stderr[-2000:]


def _where(location: dict[str, Any]) -> str:
    key = location["symbolic"]["key"]["Local"]
    row = location["concrete"]["location"]["start_point"]["row"] + 1
    return f"{key.get('given_path') or key.get('path') or key}:{row}"


def test_every_zizmor_ignore_says_why() -> None:
    for template in sorted((TEMPLATES / "github").iterdir()):
        for line in template.read_text().splitlines():
            if "zizmor: ignore[" in line:  # the reason follows the ignore on its line
                assert re.search(r"zizmor: ignore\[[\w,-]+\]\s+\S.{10,}", line), line


def test_every_action_is_pinned_to_a_commit_with_its_version(
    rendered: dict[str, dict[str, str]],
) -> None:
    pins = set(ACTIONS.values())
    for name, files in rendered.items():
        for rel, text in files.items():
            for uses in re.findall(r"uses: (\S+@\S+.*)", text):
                if uses.startswith("./"):
                    continue
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", uses), (
                    name,
                    rel,
                    uses,
                )
                assert uses in pins, (name, uses)


def test_no_expression_inside_a_script_and_checkout_keeps_no_credentials(
    rendered: dict[str, dict[str, str]],
) -> None:
    for name, files in rendered.items():
        for file, wf in _workflows(files).items():
            for job in wf["jobs"].values():
                for step in job.get("steps", []):
                    assert "${{" not in step.get("run", ""), (name, file, step.get("name"))
                    if str(step.get("uses", "")).startswith("actions/checkout@"):
                        assert step["with"]["persist-credentials"] is False, (name, file)


def _chain(pipeline: dict[str, Any]) -> list[str]:
    """The jobs in the order their `needs` runs them."""
    jobs, order = pipeline["jobs"], ["test"]
    while nxt := [j for j, v in jobs.items() if v.get("needs") == order[-1]]:
        order += nxt
    assert sorted(order) == sorted(jobs)
    return order


def test_pipeline_is_checks_then_staging_then_prod(rendered: dict[str, dict[str, str]]) -> None:
    for name, files in rendered.items():
        wf = _workflows(files)
        pipeline, deploy = wf["pipeline.yml"], wf["deploy.yml"]
        staging = CASES[name][1].get("app.staging", False)
        expected = ["test", *(["deploy-staging"] if staging else []), "deploy-prod"]
        assert _chain(pipeline) == expected, name
        assert pipeline[True] == {"push": {"branches": ["main"]}}  # YAML 1.1 reads `on` as True
        for job in expected[1:]:
            call = pipeline["jobs"][job]
            assert call["uses"] == "./.github/workflows/deploy.yml"
            assert call["with"]["environment"] == job.removeprefix("deploy-")
        assert "workflow_call" in deploy[True]
        job = deploy["jobs"]["deploy"]
        assert job["environment"]["name"] == "${{ inputs.environment }}"
        assert job["steps"][-1]["id"] == "smoke" and "curl" in job["steps"][-1]["run"]


def test_the_test_job_runs_the_apps_own_checks(rendered: dict[str, dict[str, str]]) -> None:
    def runs(name: str) -> list[str]:
        steps = _workflows(rendered[name])["pipeline.yml"]["jobs"]["test"]["steps"]
        return [s["run"] for s in steps if "run" in s]

    assert runs("next-build-args-staging") == ["npm ci", "npm run lint", "npm run test"]
    assert runs("go-migrate-stage-staging") == ["go mod download", "go vet ./...", "go test ./..."]
    pnpm = runs("node-pnpm-tests")
    assert pnpm[0].startswith("corepack enable && ") and pnpm[0].endswith(
        "pnpm install --frozen-lockfile"
    )
    assert pnpm[1:] == ["pnpm test"]
    assert runs("python-pytest-ruff") == [
        "python -m pip install -r requirements-dev.txt -r requirements.txt ruff pytest",
        "ruff check .",
        "python -m pytest",
    ]
    # django declares neither pytest nor ruff: the job says so instead of inventing a command
    (only,) = runs("python-django-production")
    assert only.startswith("echo") and "no lint or test command" in only


def test_build_args_reach_the_build_through_env(rendered: dict[str, dict[str, str]]) -> None:
    deploy = rendered["next-build-args-staging"][".github/workflows/deploy.yml"]
    assert "NEXT_PUBLIC_APP_URL: ${{ vars.NEXT_PUBLIC_APP_URL }}" in deploy
    assert '--build-arg "NEXT_PUBLIC_APP_URL=$NEXT_PUBLIC_APP_URL"' in deploy


def test_each_deploy_role_trusts_only_its_own_environment(
    rendered: dict[str, dict[str, str]],
) -> None:
    for name, files in rendered.items():
        iam = files["infra/iam.tf"]
        (subjects,) = re.findall(r'githubusercontent.com:sub"\n\s+values\s+= (\[.*\])', iam)
        assert json.loads(subjects) == [
            "repo:${var.github_repository}:environment:${var.environment}"
        ], name
        for env in _workflows(files)["deploy.yml"][True]["workflow_dispatch"]["inputs"][
            "environment"
        ]["options"]:
            assert f"infra/envs/{env}.tfvars" in files, (name, env)
        # the outputs the workflows' headers tell the user to set as the environment's variables
        tf = "".join(v for k, v in files.items() if k.endswith(".tf"))
        assert 'output "deploy_role_arn"' in tf and 'output "app_url"' in tf, name


# --- promotion: prod deploys the image that passed staging, by digest ----------------------


def _image_step(files: dict[str, str]) -> dict[str, Any]:
    steps = _workflows(files)["deploy.yml"]["jobs"]["deploy"]["steps"]
    return next(s for s in steps if s.get("id") == "image")


def test_prod_is_promoted_from_staging_unless_build_args_bake_the_environment(
    rendered: dict[str, dict[str, str]],
) -> None:
    for name in ("node-yarn-migrate-staging", "go-migrate-stage-staging", "pos-api-lambda-staging"):
        if name not in rendered:
            continue
        jobs = _workflows(rendered[name])["pipeline.yml"]["jobs"]
        assert "promote_from" not in jobs["deploy-staging"]["with"]  # the first one builds
        assert jobs["deploy-prod"]["with"] == {
            "environment": "prod",
            "promote_from": "staging",
            "digest": "${{ needs.deploy-staging.outputs.digest }}",
        }
        iam = rendered[name]["infra/iam.tf"]
        assert 'promote_from = { prod = ["staging"] }' in iam and '"PullPromotedImage"' in iam
    jobs = _workflows(rendered["next-build-args-staging"])["pipeline.yml"]["jobs"]
    assert "promote_from" not in jobs["deploy-prod"]["with"]  # NEXT_PUBLIC_* differ per env
    assert "PullPromotedImage" not in rendered["node-prisma-migrate-stage"]["infra/iam.tf"]


def _run_image_step(
    tmp_path: Path, files: dict[str, str], env: dict[str, str], ecr_digest: str
) -> tuple[subprocess.CompletedProcess[str], str, str]:
    """The step's script with stand-ins for docker, skopeo and aws that record their calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    calls = tmp_path / "calls"
    for tool in ("docker", "skopeo"):
        (bin_dir / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\n')
    (bin_dir / "aws").write_text(f'#!/bin/sh\necho "aws $*" >> "{calls}"\necho {ecr_digest}\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    out = tmp_path / "out"
    out.write_text("")
    proc = subprocess.run(
        ["bash", "-e", "-c", _image_step(files)["run"]],
        env={
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "GITHUB_OUTPUT": str(out),
            "APP": "pos-api",
            "ENVIRONMENT": "prod",
            "PLATFORM": "linux/arm64",
            "REGISTRY": "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "SHA": "c0ffee",
            **env,
        },
        capture_output=True,
        text=True,
    )
    return proc, calls.read_text() if calls.exists() else "", out.read_text()


def test_a_promotion_copies_by_digest_builds_nothing_and_refuses_another_digest(
    tmp_path: Path, rendered: dict[str, dict[str, str]]
) -> None:
    files = rendered["go-migrate-stage-staging"]
    digest = "sha256:" + "a" * 64
    promoted = {"PROMOTE_FROM": "staging", "DIGEST": digest}
    proc, calls, out = _run_image_step(tmp_path / "ok", files, promoted, digest)
    assert proc.returncode == 0, proc.stderr
    assert "docker buildx" not in calls  # never rebuilt
    registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert (
        f"docker://{registry}/pos-api-staging@{digest} docker://{registry}/pos-api-prod:c0ffee"
        in calls
    )
    assert "--preserve-digests" in calls and "pos-api-prod:c0ffee-migrate" in calls
    assert f"image={registry}/pos-api-prod@{digest}" in out and f"digest={digest}" in out

    other = "sha256:" + "b" * 64  # the copy did not keep the bytes: stop before any deploy
    proc, _, out = _run_image_step(tmp_path / "bad", files, promoted, other)
    assert proc.returncode != 0 and "image=" not in out and digest in proc.stdout

    proc, _, _ = _run_image_step(
        tmp_path / "none", files, {"PROMOTE_FROM": "staging", "DIGEST": ""}, digest
    )
    assert proc.returncode != 0 and "no image digest" in proc.stdout

    proc, calls, out = _run_image_step(
        tmp_path / "build", files, {"PROMOTE_FROM": "", "DIGEST": ""}, digest
    )
    assert proc.returncode == 0 and "docker buildx build" in calls and "skopeo" not in calls
    assert f"digest={digest}" in out
