"""`skylift up --target local` of seed 001's choices for its Go POS app (compute = "lambda",
a NAT instance, RDS Proxy, the WebSocket API, a $100 budget): everything moto emulates is
built, the data is migrated and verified, and a second run changes nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.slow]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pos-api"
SEED_001 = """\
[app]
compute = "lambda"

[sizes]
rds_proxy = true
nat_instance = true
budget_monthly_usd = 100
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[dict[str, Any]]]]:
    if not EXAMPLE.is_dir():
        pytest.skip("examples/pos-api is not in this checkout")
    app = tmp_path_factory.mktemp("up-lambda") / "pos-api"
    shutil.copytree(EXAMPLE, app)
    (app / "skylift.toml").write_text(SEED_001)
    from skylift.run.down import down
    from skylift.run.up import up

    try:
        # provisioning and data only: pos-api's image downloads Go modules, which no module
        # proxy serves here (tests/run/test_up_lambda_app.py runs a function's image)
        yield app, [up(app, run_app=False).as_dict() for _ in range(3)]
    finally:
        down(app)


def test_the_serverless_design_is_built_and_the_data_verified(
    runs: tuple[Path, list[dict[str, Any]]],
) -> None:
    app, (first, *_) = runs
    assert first["added"] > 80
    ends = first["endpoints"]
    assert ends["api_endpoint"].startswith("https://") and ends["app_url"] == ends["api_endpoint"]
    assert ends["ws_url"].startswith("wss://") and ends["function_name"] == "pos-api-prod"
    assert "db-proxy" in ends["db_proxy_endpoint"]
    assert first["database"]["verified"] and first["database"]["rows"] > 0
    assert "aws_lambda_provisioned_concurrency_config" in first["switched_off"]
    assert "lambda_app" in first["switched_off"] and first["app"] is None
    from skylift.plan import plan

    assert first["monthly_cost"] == plan(app, write_reports=False).plan.estimate.total
    tf = (app / "infra" / "lambda.tf").read_text()
    assert 'package_type                   = "Image"' in tf


def test_reruns_build_nothing_new_and_settle(runs: tuple[Path, list[dict[str, Any]]]) -> None:
    _, (_, second, third) = runs
    # moto drops the descriptions of a few security group rules the first apply creates (the
    # proxy's): the second run writes them again; after that nothing changes
    assert (second["added"], second["destroyed"]) == (0, 0) and second["changed"] <= 4
    assert (third["added"], third["changed"], third["destroyed"]) == (0, 0, 0)
    assert third["database"]["verified"]
