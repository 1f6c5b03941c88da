"""`skylift generate`: the files, their owners, and the golden sets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skylift.errors import WouldOverwrite
from skylift.render import generate, render_files
from tests.render import blueprints, golden


@pytest.mark.parametrize("name", ["production", "starter"])
def test_generated_files_match_golden(name: str, tmp_path: Path) -> None:
    bp = getattr(blueprints, name)()
    files, _ = render_files(tmp_path, bp, budget_usd=150, github_repository="acme/app")
    golden.check(name, files)


def test_production_has_every_concern(tmp_path: Path) -> None:
    files, _ = render_files(
        tmp_path, blueprints.production(), budget_usd=150, github_repository="acme/gengar"
    )
    for name in (
        "network",
        "alb",
        "ecs",
        "ecr",
        "rds",
        "cache",
        "logs",
        "alarms",
        "backups",
        "dns",
        "iam",
        "jobs",
        "waf",
        "variables",
        "outputs",
        "versions",
    ):
        assert f"infra/{name}.tf" in files
    assert {"infra/envs/dev.tfvars", "infra/envs/staging.tfvars", "infra/envs/prod.tfvars"} <= set(
        files
    )
    assert 'version = "~> 5.0"' in files["infra/versions.tf"]
    assert "ignore_changes = [task_definition, desired_count]" in files["infra/ecs.tf"]
    assert "nat_gateways        = 2" in files["infra/envs/prod.tfvars"]
    assert "nat_gateways        = 0" in files["infra/envs/dev.tfvars"]
    assert "cron(0 0 1 * ? *)" in files["infra/jobs.tf"]
    workflow = files[".github/workflows/deploy.yml"]
    assert "role-to-assume" in workflow and "aws_access_key_id" not in workflow.lower()
    assert "yarn migration:run" in workflow  # migrations before the rollout


def test_secret_values_never_rendered(tmp_path: Path) -> None:
    bp = blueprints.production()
    files, _ = render_files(tmp_path, bp, budget_usd=150, github_repository="acme/gengar")
    ecs = files["infra/ecs.tf"]
    assert 'name = "JWT_SECRET", valueFrom = "arn:' in ecs
    assert "manage_master_user_password   = true" in files["infra/rds.tf"]


def test_user_dockerfile_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM node:20\n")
    result = generate(tmp_path, blueprints.starter(), budget_usd=60)
    assert (tmp_path / "Dockerfile").read_text() == "FROM node:20\n"
    assert "Dockerfile" not in result.report.written
    assert any("Dockerfile is yours" in n for n in result.notes)


def test_regenerate_is_a_no_op_then_refuses_user_edits(tmp_path: Path) -> None:
    generate(tmp_path, blueprints.starter(), budget_usd=60)
    again = generate(tmp_path, blueprints.starter(), budget_usd=60)
    assert again.report.written == []
    # a generated file the user edited is now theirs: a diff and exit code 9, nothing written
    ecs = tmp_path / "infra" / "ecs.tf"
    ecs.write_text(
        ecs.read_text().replace(
            "desired_count          = var.min_tasks", "desired_count          = 3"
        )
    )
    with pytest.raises(WouldOverwrite) as info:
        generate(tmp_path, blueprints.production(), budget_usd=60)
    assert info.value.exit_code == 9
    assert "-  desired_count          = 3" in info.value.diffs["infra/ecs.tf"]  # type: ignore[attr-defined]
    assert "desired_count          = 3" in ecs.read_text()
    generate(tmp_path, blueprints.starter(), budget_usd=60, force=True)
    assert "desired_count          = var.min_tasks" in ecs.read_text()


def test_cli_generate_refuses_with_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from skylift.cli._app import main

    example = Path(__file__).resolve().parents[2] / "examples" / "pantrypal"
    if not example.is_dir():
        pytest.skip("examples/pantrypal is not in this checkout")
    import shutil

    app = tmp_path / "pantrypal"
    shutil.copytree(example, app)
    assert main(["generate", str(app)]) == 0
    (app / "infra" / "alb.tf").write_text("# mine\n")
    assert main(["generate", str(app)]) == 9
    captured = capsys.readouterr()
    assert "+++ b/infra/alb.tf (skylift)" in captured.out
    assert "--force" in captured.err


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["pantrypal", "pos-api", "gengar", "github-api", "tracker"])
def test_example_apps_match_golden(name: str) -> None:
    """scan -> plan -> generate for each example; a change anywhere upstream shows up here
    (regenerate with SKYLIFT_UPDATE_GOLDEN=1 pytest tests/render once the change is right)."""
    root = EXAMPLES / name
    if not root.is_dir():
        pytest.skip(f"examples/{name} is not in this checkout")
    from skylift.plan import make_plan
    from skylift.render import _budget
    from skylift.scan import scan

    bp = make_plan(scan(root)).blueprint
    files, notes = render_files(root, bp, budget_usd=_budget(bp), github_repository="acme/" + name)
    names = re.findall(r'\{ name = "(\w+)"', files["infra/ecs.tf"])
    assert len(names) == len(set(names)), "a variable is set twice in the task definition"
    files["NOTES.txt"] = "".join(f"{n}\n" for n in notes)
    golden.check(f"examples/{name}", files)
