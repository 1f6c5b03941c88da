"""`skylift up --target local` with seeds 000's and 002's own choices in skylift.toml: 000
(PantryPal, SQLite on a VPS) asks for Multi-AZ, autoscaling from 1 to 4 tasks and backups;
002 (Gengar, a NestJS app on Heroku) for ARM and Spot in staging. Prod's provisioning, secrets
and data migration complete on the embedded AWS, what the seed chose is in what was built
(staging's Spot is checked in its tfvars: the local target holds one environment at a time, and
a staging `up` beside prod's is refused), and the plan's cost is the one `up`
reports. The app itself is not run here (run_app=False):
tests/run/test_examples_run.py runs each example's image."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.run.after_state import EXAMPLES, after_state

pytestmark = [pytest.mark.terraform, pytest.mark.slow, pytest.mark.timeout(1800)]

SEEDS = {
    "pantrypal": """\
[app]
tier = "production"

[sizes]
db_multi_az = true
min_count = 1
desired_count = 1
max_count = 4
backup_keep_days = 35
""",
    "gengar": """\
[app]
staging = true

[sizes]
arch = "arm64"
spot_non_production = true
""",
}


@pytest.fixture(scope="module", params=sorted(SEEDS))
def run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    name = request.param
    if not (EXAMPLES / name).is_dir():
        pytest.skip(f"examples/{name} is not in this checkout")
    app = after_state(name, tmp_path_factory.mktemp(f"seed-{name}"))
    (app / "skylift.toml").write_text(SEEDS[name])
    from skylift.run.down import down
    from skylift.run.up import up

    # prod only: the local target holds one environment at a time (a staging up beside it is
    # refused, tested below), and staging reads the OIDC provider prod creates
    try:
        yield name, app, up(app, run_app=False).as_dict()
    finally:
        down(app)


def _state(app: Path, env: str) -> list[dict[str, Any]]:
    path = app / ".skylift" / "up" / "local" / "tf" / "terraform.tfstate"
    if not path.is_file():  # one state per environment
        path = next((app / ".skylift").rglob("terraform.tfstate"))
    doc = json.loads(path.read_text())
    return [r for r in doc["resources"] if r["mode"] == "managed"]


def test_up_completes_with_the_seed_s_choices_built(run: tuple[str, Path, dict[str, Any]]) -> None:
    name, app, result = run
    assert result["added"] > 50
    from skylift.plan import plan

    planned = plan(app, write_reports=False).plan
    assert result["monthly_cost"] == planned.estimate.total
    resources = {f"{r['type']}.{r['name']}": r for r in _state(app, result["environment"])}
    if name == "pantrypal":
        db = resources["aws_db_instance.main"]["instances"][0]["attributes"]
        assert db["multi_az"] is True
        assert "aws_scheduler_schedule.db_export" in resources  # the daily pg_dump
        rule = resources["aws_s3_bucket_lifecycle_configuration.backups"]["instances"][0]
        days = [r["expiration"][0]["days"] for r in rule["attributes"]["rule"] if r["expiration"]]
        assert 35 in days
        assert result["database"]["verified"]
        tfvars = (app / "infra" / "envs" / "prod.tfvars").read_text()
        assert "min_tasks           = 1" in tfvars and "max_tasks           = 4" in tfvars
    else:
        task = resources["aws_ecs_task_definition.app"]["instances"][0]["attributes"]
        assert task["runtime_platform"][0]["cpu_architecture"] == "ARM64"
        # Spot for staging only: its tfvars turn it on (the capacity provider strategy of
        # ecs.tf; off in the rehearsal, where moto has no capacity providers), prod's do not
        staging = (app / "infra" / "envs" / "staging.tfvars").read_text()
        prod = (app / "infra" / "envs" / "prod.tfvars").read_text()
        assert re.search(r"^spot\s+= true$", staging, re.M)
        assert re.search(r"^spot\s+= false$", prod, re.M)
        assert "FARGATE_SPOT" in (app / "infra" / "ecs.tf").read_text()
        # the local rehearsal holds prod: a staging up is refused before it touches anything
        from skylift.errors import UsageError
        from skylift.run.up import up

        before = _state(app, "prod")
        with pytest.raises(UsageError, match="holds the 'prod' environment"):
            up(app, environment="staging", run_app=False)
        assert _state(app, "prod") == before
