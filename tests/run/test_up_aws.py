"""`skylift up --target aws`: the real-account path, run against moto through AWS_ENDPOINT_URL.

Identical code to the local target except endpoints, credentials and remote state; the only
concession to moto is TF_VAR_local_rehearsal (moto cannot emulate budgets or autoscaling tags),
set in the environment the way a user never would.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from skylift.cloud import moto_server

pytestmark = [pytest.mark.terraform, pytest.mark.slow]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pantrypal"


@pytest.fixture
def fake_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = moto_server.start(tmp_path / "moto")
    for key, value in server.env("us-east-1").items():
        monkeypatch.setenv(key, value) if value else monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("TF_VAR_local_rehearsal", "true")
    monkeypatch.setenv("TF_VAR_db_performance_insights", "false")
    yield server.url
    moto_server.stop(tmp_path / "moto")


def test_up_target_aws(
    fake_account: str, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not EXAMPLE.is_dir():
        pytest.skip("examples/pantrypal is not in this checkout")
    app = tmp_path / "pantrypal"
    shutil.copytree(EXAMPLE, app)
    (app / ".env").write_text("JWT_SECRET=aws-path-secret\n")
    monkeypatch.setenv("SKYLIFT_TARGET_DATABASE_URL", pg_url)  # stands for the SSM tunnel
    from skylift.run.up import up

    result = up(app, target="aws")
    assert result.added > 50 and result.switched_off == {}
    assert "embedded_aws" not in result.endpoints
    assert result.database and result.database["verified"]
    s3 = boto3.client("s3", endpoint_url=fake_account)
    state = s3.get_object(Bucket="pantrypal-api-terraform-state", Key="pantrypal-api/prod.tfstate")
    body = state["Body"].read()
    assert b"aws_ecs_service" in body and b"aws-path-secret" not in body
    assert not (app / ".skylift" / "up" / "aws" / "tf" / "skylift_local_override.tf").exists()

    from skylift.run.down import down

    assert down(app, target="aws").destroyed
    ecs = boto3.client("ecs", endpoint_url=fake_account)
    clusters = ecs.describe_clusters(clusters=["pantrypal-api-prod"])["clusters"]
    assert all(c["status"] == "INACTIVE" for c in clusters)  # terraform destroy ran
