"""Every command the generated documents tell the user to run exists and parses: MIGRATION.md,
migration.html, scripts/ecs-run.sh and the deploy workflow, for every app of the ledger matrix
(tests/render/matrix.py) and the five examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skylift.plan.report import Plan, render_html, render_markdown
from skylift.render import render_files
from tests.plan import commands
from tests.render import matrix

VARIANTS = matrix.variants()


def _files(plan: Plan) -> dict[str, str]:
    files, _ = render_files(
        Path("/nonexistent"), plan.blueprint, budget_usd=100, github_repository="a/b"
    )
    return files


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_command_in_the_plan_documents_exists(name: str) -> None:
    plan = VARIANTS[name]
    files = _files(plan)
    md, doc = render_markdown(plan), render_html(plan)
    printed = set(commands.markdown_commands(md)) | set(commands.html_commands(doc))
    assert {("skylift generate .", True), ("skylift up --target aws", True)} <= printed
    for command, complete in sorted(printed):
        commands.check(command, files, complete)
    assert "skylift cutover --target aws" in md and "skylift rollback --target aws" in md
    assert "task_network" not in md + doc  # an output that never existed


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_generated_scripts_and_workflow_name_what_terraform_creates(name: str) -> None:
    plan = VARIANTS[name]
    files = _files(plan)
    if plan.blueprint.compute == "lambda":  # no ECS: the workflow deploys the function
        workflow = files[".github/workflows/deploy.yml"]
        assert 'fn="$APP-$ENVIRONMENT"' in workflow and "--name live" in workflow
        assert "function_name                  = local.name" in files["infra/lambda.tf"]
        assert 'resource "aws_lambda_alias" "live"' in files["infra/lambda.tf"]
        assert "scripts/ecs-run.sh" not in files
        return
    script = files["scripts/ecs-run.sh"]
    assert commands.script_outputs(script) <= commands.outputs(files)
    for line in re.findall(r"^#   (scripts/ecs-run\.sh .+?)    #", script, re.M):
        assert line.startswith("scripts/ecs-run.sh ")
    workflow = files[".github/workflows/deploy.yml"]
    assert f"APP: {plan.blueprint.app}\n" in workflow
    assert re.search(
        r'\bname\s+= "\$\{var.app_name\}-\$\{var.environment\}"', files["infra/versions.tf"]
    )
    assert '--cluster "$APP-$ENVIRONMENT"' in workflow
    assert re.search(r"\n  name\s+= var\.app_name\n", files["infra/ecs.tf"])  # --service "$APP"
    loop = re.search(r"for name in ([\w -]+); do", workflow)
    names = loop.group(1).split() if loop else []
    assert names == [w["name"] for w in _workers(plan)]
    for worker in names:
        tf = files["infra/workers.tf"]
        # --task-definition "$APP-$ENVIRONMENT-$name" and --service "$APP-$name"
        assert re.search(rf'family\s+= "\$\{{local\.name\}}-{worker}"', tf), worker
        assert re.search(rf'\bname\s+= "\$\{{var\.app_name\}}-{worker}"', tf), worker
        assert f'"$APP-{worker}"' in workflow.split("services-stable")[1]


def _workers(plan: Plan) -> list[dict[str, str]]:
    return [
        r.settings for r in plan.blueprint.resources if r.kind == "ecs" and r.key != "ecs_service"
    ]


def test_one_off_commands_run_through_the_cli() -> None:
    md = render_markdown(VARIANTS["gengar"])
    assert "skylift task run --target aws 'yarn heroku:generate-embeddings'" in md


def test_a_checker_that_cannot_fail_is_no_checker() -> None:
    files = _files(VARIANTS["pantrypal"])
    for bad in (
        "skylift cutover --no-such-option",
        "skylift db migrate --no-such-option x",
        "terraform -chdir=infra output -raw task_network",
        "rsync -a data/ host:",
    ):
        with pytest.raises(AssertionError):
            commands.check(bad, files)


def test_the_cutover_the_app_gets_is_described_with_commands_that_exist() -> None:
    plan = VARIANTS["pantrypal"]
    md, doc = render_markdown(plan), render_html(plan)
    for text in (md, doc):
        assert "skylift cutover --target aws" in text and "skylift rollback --target aws" in text
        assert "forwarder (nginx)" in text and "nginx/api-pantrypal.conf" in text
    files = _files(plan)
    for command, complete in commands.markdown_commands(md):
        commands.check(command, files, complete)
    gengar = render_markdown(VARIANTS["gengar"])
    assert "forwarder (heroku)" in gengar and "DATABASE_URL" in gengar


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_the_notes_of_generate_name_only_real_commands(name: str) -> None:
    _, notes = render_files(
        Path("/nonexistent"), VARIANTS[name].blueprint, budget_usd=100, github_repository="a/b"
    )
    for note in notes:
        for mention in re.findall(r"\bskylift (?:db |task )?[a-z]+", note):
            commands.check(mention, {}, complete=False)
