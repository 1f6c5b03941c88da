"""Seeds 000 and 002: backups written (a daily pg_dump into the bucket, expired as the plan
says), one GitHub OIDC provider for every environment, Spot for dev and staging only, and a
domain the scan found proposed in the plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skylift.plan import make_plan
from skylift.plan.report import Plan
from skylift.render import render_files

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _plan(name: str, **values: Any) -> Plan:
    from skylift.scan import scan

    if not (EXAMPLES / name).is_dir():
        pytest.skip(f"examples/{name} is not here")
    return make_plan(scan(EXAMPLES / name), values)


def _files(plan: Plan) -> dict[str, str]:
    files, _ = render_files(
        Path("/nonexistent"), plan.blueprint, budget_usd=100, github_repository="a/b"
    )
    return files


def test_the_daily_dump_is_scheduled_and_kept_as_long_as_the_plan_says() -> None:
    plan = _plan("pantrypal", **{"app.tier": "production", "sizes.backup_keep_days": 30})
    files = _files(plan)
    export, backups = files["infra/backup_export.tf"], files["infra/backups.tf"]
    assert 'schedule_expression          = "cron(0 3 * * ? *)"' in export
    assert "pg_dump --format=custom" in export
    assert 'image                  = "public.ecr.aws/docker/library/postgres:' in export
    assert 'prefix = "pg_dump/"' in backups and "days = 30" in backups
    assert "STANDARD_IA" not in backups  # a 30-day minimum charge for files deleted at 30
    r = plan.blueprint.resource("db_export")
    assert r and r.decision and "kept 30 days" in r.decision.choice
    items = {ln.item for ln in plan.estimate.lines if ln.resource == "db_export"}
    assert "Database export task vCPU (arm64)" in items


def test_an_app_without_a_database_has_no_export() -> None:
    from tests.render import matrix

    plan = make_plan(matrix.node_queue())
    assert plan.blueprint.database is None
    assert "infra/backup_export.tf" not in _files(plan)
    assert not plan.blueprint.has("db_export")


def test_one_oidc_provider_for_all_environments() -> None:
    files = _files(_plan("gengar"))
    assert "create_github_oidc_provider = true" in files["infra/envs/prod.tfvars"]
    for env in ("dev", "staging"):
        assert "create_github_oidc_provider = false" in files[f"infra/envs/{env}.tfvars"]
    assert 'data "aws_iam_openid_connect_provider" "github"' in files["infra/iam.tf"]


def test_spot_for_staging_and_on_demand_for_prod() -> None:
    plan = _plan("gengar", **{"sizes.spot_non_production": True})
    files = _files(plan)
    assert "spot                 = false" in files["infra/envs/prod.tfvars"]
    for env in ("dev", "staging"):
        tfvars = files[f"infra/envs/{env}.tfvars"]
        assert "spot                 = true" in tfvars and "on_demand_base_tasks = 0" in tfvars
    assert not [ln for ln in plan.estimate.lines if "Spot" in ln.item]  # prod is priced


def test_a_domain_found_by_the_scan_is_proposed() -> None:
    plan = _plan("pantrypal")
    if plan.blueprint.domain:
        pytest.skip("the domain is set")
    d = plan.blueprint.decisions["domain"]
    assert "api-pantrypal.subasically.me" in d.choice
    assert 'app.domain = "api-pantrypal.subasically.me"' in d.reason
