"""`skylift up --target local` of an app with compute = "lambda" runs the function's image:
built as CI builds it (the Lambda Web Adapter and the secrets reader in it), started with
the environment the function has on the embedded AWS, as Lambda's unprivileged user, its
secrets read at start by skylift-secrets from the embedded AWS with the function's role,
healthy on the web adapter's readiness path behind the load balancer stand-in, and serving
rows that came from the old database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.run.after_state import after_state
from tests.run.test_examples_run import EXAMPLES, SECRETS, Up, _standins, skylift

pytestmark = [pytest.mark.terraform, pytest.mark.slow, pytest.mark.timeout(1800)]
pytest.importorskip("skylift.rehearse", reason="the rehearsal engine is not in this checkout")


def test_a_lambda_app_runs_with_its_functions_environment_and_serves_migrated_rows(
    tmp_path: Path,
) -> None:
    text = (EXAMPLES / "gengar" / "data" / "dump.sql").read_text()
    doc_id, title = re.search(r"INSERT INTO public\.documents VALUES \('([\w-]+)', \d+, '([^']*)'", text).groups()  # type: ignore[union-attr]  # fmt: skip
    root = after_state("gengar", tmp_path)
    (root / "skylift.toml").write_text('[app]\ncompute = "lambda"\n')
    (root / ".env").write_text("".join(f"{k}={v}\n" for k, v in SECRETS["gengar"].items()))
    _standins(["node", "golang", "alpine", "lambda-adapter"])
    done, seconds = skylift(root, "up", "--json")
    try:
        assert done.returncode == 0, done.stderr[-4000:]
        up = Up(root, json.loads(done.stdout), seconds)
        assert up.app["healthy"] is True, done.stderr[-4000:]
        (web,) = up.app["services"]  # the function alone: no release task, no workers
        assert web["name"] == "gengar-prod" and web["user"] == "993:990"
        # the function's role and the embedded AWS's address: all the rehearsal added
        assert {"AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"} <= set(web["rewritten"])
        assert "DATABASE_URL" not in web["rewritten"]  # composed in the image from its secrets
        assert up.get("/health") == (200, b'{"status":"ok"}')
        status, body = up.get(f"/api/documents/{doc_id}")  # the database password came
        assert status == 200 and json.loads(body)["title"] == title  # through skylift-secrets
        # what is not rehearsed, said
        assert "the Lambda runtime and API Gateway" in up.report["switched_off"]["lambda_app"]
    finally:
        skylift(root, "down")
