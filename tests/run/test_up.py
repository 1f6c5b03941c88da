"""`skylift up` / `down` on the embedded AWS, end to end, with a real example app.

One session-scoped rehearsal (terraform apply of the full stack on moto takes minutes): the
tests read what it left behind.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from skylift.cli._app import main
from skylift.cloud import moto_server

pytestmark = [pytest.mark.terraform, pytest.mark.slow]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pantrypal"
SECRET_VALUE = "pantry-jwt-Zq8-never-in-files"


@dataclass
class Rehearsal:
    app: Path
    first: dict[str, Any]
    second: dict[str, Any]


@pytest.fixture(scope="session")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rehearsal]:
    if not EXAMPLE.is_dir():
        pytest.skip("examples/pantrypal is not in this checkout")
    app = tmp_path_factory.mktemp("up") / "pantrypal"
    shutil.copytree(EXAMPLE, app)
    (app / ".env").write_text(f"JWT_SECRET={SECRET_VALUE}\nNODE_ENV=production\n")
    from skylift.run.up import up

    # provisioning and data only: the app itself runs in tests/run/test_rehearsal.py
    first = up(app, run_app=False).as_dict()
    second = up(app, run_app=False).as_dict()
    yield Rehearsal(app, first, second)
    from skylift.run.down import down

    down(app)


def test_first_up_provisions_stores_secrets_and_verifies_data(rehearsal: Rehearsal) -> None:
    r = rehearsal.first
    assert r["added"] > 50 and r["resources"] >= r["added"]
    assert r["secrets_stored"] == ["JWT_SECRET"]
    assert r["database"]["verified"] and r["database"]["rows"] > 0
    assert r["endpoints"]["embedded_aws"].startswith("http://127.0.0.1:")
    assert "aws_budgets_budget" in r["switched_off"]
    assert r["monthly_cost"] and r["monthly_cost"] > 0


def test_second_up_changes_nothing(rehearsal: Rehearsal) -> None:
    r = rehearsal.second
    assert (r["added"], r["changed"], r["destroyed"]) == (0, 0, 0)
    assert r["database"]["rows"] == rehearsal.first["database"]["rows"]
    assert r["database"]["verified"]


def test_no_row_duplicated_in_the_stand_in_rds(rehearsal: Rehearsal) -> None:
    from skylift.cloud import embedded_pg

    data_dir = rehearsal.app / ".skylift" / "up" / "local" / "postgres"
    server = embedded_pg.start(data_dir)
    name = rehearsal.first["database"]["target"].rsplit("/", 1)[-1]
    with psycopg.connect(server.url(name)) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            " AND table_type = 'BASE TABLE'"
        ).fetchall()
        total = sum(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for (t,) in tables)  # type: ignore[index]
    assert total == rehearsal.first["database"]["rows"]


def test_secret_value_is_nowhere_on_disk(rehearsal: Rehearsal) -> None:
    hits = []
    for path in rehearsal.app.rglob("*"):
        skip = path.name == ".env" or "postgres" in path.parts  # the source, and SSM's stand-in
        if path.is_file() and not skip and SECRET_VALUE.encode() in path.read_bytes():
            hits.append(str(path.relative_to(rehearsal.app)))
    assert hits == []


def test_secret_is_in_ssm(rehearsal: Rehearsal) -> None:
    import boto3

    server = moto_server.running(rehearsal.app / ".skylift" / "up" / "local")
    assert server is not None
    ssm = boto3.client(
        "ssm",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    param = ssm.get_parameter(Name="/pantrypal-api/prod/JWT_SECRET", WithDecryption=True)
    assert param["Parameter"]["Value"] == SECRET_VALUE


def test_journal_and_report(rehearsal: Rehearsal) -> None:
    lines = [
        json.loads(x)
        for x in (rehearsal.app / ".skylift" / "journal.jsonl").read_text().splitlines()
    ]
    assert [x["step"] for x in lines if x["status"] == "done"][:4] == [
        "provision",
        "secrets",
        "database",
        "up",
    ]
    html = (rehearsal.app / "migration.html").read_text()
    assert html.count("<!-- skylift up: start -->") == 1  # replaced, not appended twice
    assert "JWT_SECRET" in html and SECRET_VALUE not in html


def test_cli_down_removes_the_rehearsal(tmp_path: Path) -> None:
    # down on an app that was never brought up: nothing to stop, still a clean exit
    assert main(["down", str(tmp_path)]) == 0


def test_task_run_starts_a_one_off_task(
    rehearsal: Rehearsal, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["task", "run", "node scripts/seed.js", "--path", str(rehearsal.app)]) == 0
    request = json.loads(capsys.readouterr().out)
    assert request["cluster"] == "pantrypal-api-prod"
    override = request["overrides"]["containerOverrides"][0]
    assert override["command"] == ["sh", "-c", "node scripts/seed.js"]
    assert request["networkConfiguration"]["awsvpcConfiguration"]["subnets"]


def test_an_unknown_environment_is_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = tmp_path / "pantrypal"
    shutil.copytree(EXAMPLE, app, ignore=shutil.ignore_patterns(".skylift", "infra"))
    code = main(["up", str(app), "--env", "qa"])
    err = capsys.readouterr().err
    assert code == 2
    assert "no environment 'qa'" in err and "prod" in err
    assert "Traceback" not in err
    assert not (app / ".skylift" / "up" / "local" / "moto.json").exists()


def test_a_rerun_after_apply_was_killed_provisions_again(tmp_path: Path) -> None:
    """kill -9 of `up` and of its terraform (which runs in its own session: skylift's death
    alone would let it finish) in the middle of the apply: moto holds resources the state
    never recorded; the rerun says so, starts the embedded AWS afresh and finishes."""
    import os
    import signal
    import subprocess
    import sys

    app = tmp_path / "pantrypal"
    shutil.copytree(EXAMPLE, app)
    (app / ".env").write_text(f"JWT_SECRET={SECRET_VALUE}\n")
    cmd = [sys.executable, "-m", "skylift", "up", str(app), "--no-app"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stderr is not None
    try:
        for line in proc.stderr:
            if "Creation complete" in line or "created" in line:
                break
        running = app / ".skylift" / "up" / "local" / "tf" / "skylift-terraform-run.json"
        os.kill(json.loads(running.read_text())["pid"], signal.SIGKILL)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        rerun = subprocess.run([*cmd, "--json"], capture_output=True, text=True, timeout=900)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert "cut off" in rerun.stderr
        result = json.loads(rerun.stdout)
        assert result["added"] > 50 and result["database"]["verified"]
    finally:
        subprocess.run([sys.executable, "-m", "skylift", "down", str(app)], capture_output=True)
