"""The rehearsal runs the app: `skylift up` on tests/run/apps/shop (a web server, a worker, a
schedule and a release step, reading DATABASE_URL and REDIS_URL) builds its image with the
machine's container engine, runs every service with its task definition's environment from
the embedded AWS, behind the load balancer stand-in, against the migrated data.

Real parts throughout: buildah (or podman, docker), moto's server, Terraform, the embedded
PostgreSQL, redis-server with TLS and AUTH. One session-scoped rehearsal; the tests that break
the app come last and put it back.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.slow, pytest.mark.containers]
APP = Path(__file__).resolve().parent / "apps" / "shop"


@dataclass
class Rehearsal:
    app: Path
    first: dict[str, Any]
    first_seconds: float
    second: dict[str, Any] | None = None
    second_seconds: float = 0.0


def skylift(app: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "skylift", *args, str(app)],
                          capture_output=True, text=True, check=False, timeout=600)  # fmt: skip


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


def app_state(app: Path) -> dict[str, Any]:
    return dict(json.loads((app / ".skylift/up/local/app/state.json").read_text()))


def service(report: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in report["services"] if s["kind"] == kind)


@pytest.fixture(scope="module")
def rehearsal(standins: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rehearsal]:
    app = tmp_path_factory.mktemp("rehearsal") / "shop"
    shutil.copytree(APP, app)
    started = time.monotonic()
    done = skylift(app, "up", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    r = Rehearsal(app, json.loads(done.stdout), time.monotonic() - started)
    yield r
    skylift(app, "down")


def test_first_up_is_healthy_behind_the_load_balancer_with_the_migrated_data(
    rehearsal: Rehearsal,
) -> None:
    app = rehearsal.first["app"]
    assert app["healthy"] is True and app["engine"] in ("docker", "podman", "buildah")
    assert app["url"].startswith("http://127.0.0.1:") and app["health_path"] == "/"
    assert app["smoke"] == {"path": "/", "status": 200}
    products = get(app["url"] + "/products")  # through the stand-in, from the migrated rows
    assert [p["name"] for p in products] == ["Blue kettle", "Oak shelf", "Linen apron"]
    web = service(app, "web")
    assert web["state"] == "healthy" and web["user"] == "10001"  # the image's non-root user
    # the production Dockerfile docker-compose.prod.yml builds, not the failing dev one
    workflow = (rehearsal.app / ".github/workflows/deploy.yml").read_text()
    assert "--push -f docker/Dockerfile.production ." in workflow


def test_release_worker_and_schedule_ran_with_their_task_definitions(rehearsal: Rehearsal) -> None:
    app = rehearsal.first["app"]
    assert service(app, "release")["exit_code"] == 0, service(app, "release")
    schedules = {s["name"]: s for s in app["services"] if s["kind"] == "schedule"}
    nightly = schedules.pop("shop-prod-nightly")  # the shop's own, in the app's image
    assert nightly["exit_code"] == 0, nightly
    for other in schedules.values():  # the generated database export, in its own image
        assert other["exit_code"] == 0 or (
            other["state"] == "skipped" and "cannot be pulled" in other["notes"][0]
        ), other
    assert service(app, "worker")["state"] == "running"
    events = get(app["url"] + "/events")
    # each wrote its row through the TLS front of the database, the worker its key through
    # redis with TLS and AUTH (the app verifies the cache's certificate)
    assert events["events"][:2] == ["imported", "release"]  # the release before any service
    assert sorted(events["events"][2:]) == ["schedule", "worker"]  # these two race
    assert events["worker_in_cache"] == "ran"


def test_only_the_endpoints_are_rewritten_and_no_secret_is_written(rehearsal: Rehearsal) -> None:
    web = service(rehearsal.first["app"], "web")
    assert {"SKYLIFT_DB_HOST", "SKYLIFT_DB_PORT", "SKYLIFT_CACHE_PORT"} <= set(web["rewritten"])
    assert set(web["rewritten"]) <= {"SKYLIFT_DB_HOST", "SKYLIFT_DB_PORT", "SKYLIFT_CACHE_PORT",
                                     "PORT", "NODE_EXTRA_CA_CERTS"}  # fmt: skip
    import boto3

    from skylift.cloud.moto_server import CREDENTIALS

    moto = json.loads((rehearsal.app / ".skylift/up/local/moto.json").read_text())["url"]
    kw = {"endpoint_url": moto, "region_name": "us-east-1",
          "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
          "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}  # fmt: skip
    token = boto3.client("ssm", **kw).get_parameter(Name="/shop/prod/REDIS_AUTH_TOKEN",
                                                    WithDecryption=True)["Parameter"]["Value"]  # fmt: skip
    sm = boto3.client("secretsmanager", **kw)
    arn = sm.list_secrets()["SecretList"][0]["ARN"]
    password = json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])["password"]
    for path in (rehearsal.app / ".skylift").rglob("*"):
        if path.is_file() and "postgres" not in path.parts and "tf" not in path.parts:
            text = path.read_bytes()
            assert token.encode() not in text and password.encode() not in text, path


def test_second_up_reuses_the_running_app(rehearsal: Rehearsal) -> None:
    before = app_state(rehearsal.app)
    started = time.monotonic()
    done = skylift(rehearsal.app, "up", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    rehearsal.second, rehearsal.second_seconds = json.loads(done.stdout), time.monotonic() - started
    after = app_state(rehearsal.app)
    assert len(after["image_id"].removeprefix("sha256:")) == 64  # the build's id, not its tag
    web = next(s for s in after["services"] if s["kind"] == "web")
    assert web["pid"] == next(s for s in before["services"] if s["kind"] == "web")["pid"]
    assert rehearsal.second["app"]["healthy"] and rehearsal.second["app"]["url"] == after["url"]
    assert get(after["url"] + "/events")["events"].count("release") == 1  # not run again
    print(f"first up {rehearsal.first_seconds:.0f}s, second up {rehearsal.second_seconds:.0f}s")


def test_task_run_runs_a_one_off_command_in_the_rehearsal(rehearsal: Rehearsal) -> None:
    done = subprocess.run([sys.executable, "-m", "skylift", "task", "run", "python3 -m app.nightly",
                           "--path", str(rehearsal.app)],
                          capture_output=True, text=True, check=False, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "nightly job ran" in done.stdout
    url = app_state(rehearsal.app)["url"]
    assert get(url + "/events")["events"].count("schedule") == 2  # the schedule's and this one
    assert "task" not in [s["name"] for s in app_state(rehearsal.app)["services"]]


def test_the_cutover_preflight_reads_the_rehearsal(rehearsal: Rehearsal) -> None:
    done = skylift(rehearsal.app, "cutover", "--prepare", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    health = [s for s in json.loads(done.stdout)["steps"] if s["step"] == "preflight-health"]
    assert health[-1]["rehearsal"] == {"healthy": True, "url": app_state(rehearsal.app)["url"],
                                       "health_path": "/"}  # fmt: skip


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(stat.parent.name)
            out += [child, *_children(child)]
    return out


def test_a_killed_app_is_reported_unhealthy_with_its_log(rehearsal: Rehearsal) -> None:
    web = next(s for s in app_state(rehearsal.app)["services"] if s["kind"] == "web")
    app_pids = [p for p in _children(web["pid"])
                if b"app.web" in Path(f"/proc/{p}/cmdline").read_bytes()]  # fmt: skip
    assert app_pids
    os.kill(app_pids[-1], signal.SIGKILL)
    deadline = time.monotonic() + 20
    done = skylift(rehearsal.app, "status")
    while done.returncode == 0 and time.monotonic() < deadline:
        time.sleep(1)
        done = skylift(rehearsal.app, "status")
    assert done.returncode == 15, done.stdout + done.stderr
    assert "shop listening on" in done.stderr  # the log's tail
    as_json = skylift(rehearsal.app, "status", "--json")
    assert as_json.returncode == 15
    report = json.loads(as_json.stdout)
    assert report["healthy"] is False and service(report, "web")["state"] == "exited"
    assert "Traceback" not in done.stderr.split("last")[0]
    # the cutover's preflight asks the same question again (yesterday's answer is not kept)
    cut = skylift(rehearsal.app, "cutover", "--prepare")
    assert cut.returncode == 16, cut.stdout + cut.stderr
    assert "the rehearsed app is not healthy behind the load balancer stand-in" in cut.stderr


def test_a_failing_release_stops_the_deploy_with_exit_15(rehearsal: Rehearsal) -> None:
    """The rehearsal's library entry point on the running target (what `up` calls after the
    data step; Terraform has nothing to change, so the test skips its minute of refresh)."""
    from skylift.errors import AppDidNotRun
    from skylift.rehearse import rehearse
    from skylift.run._targets import open_target
    from skylift.run.up import load_plan

    procfile = rehearsal.app / "Procfile"
    good = procfile.read_text()
    procfile.write_text(good.replace("python3 -m app.release", "python3 -m app.release --fail"))
    try:
        bp = load_plan(rehearsal.app, reports=False).blueprint
        tgt = open_target(rehearsal.app, "local", bp.app, "prod", bp.region)
        with pytest.raises(AppDidNotRun) as failed:
            rehearse(rehearsal.app, tgt, bp, "prod", {"ecs_cluster": "shop-prod"})
    finally:
        procfile.write_text(good)
    assert failed.value.exit_code == 15
    assert "the release step failed (exit 3)" in failed.value.what
    assert "migration 002 failed" in failed.value.why  # the release's own log line
    ran = failed.value.app  # what `up --json` prints beside the error
    assert ran is not None and ran["healthy"] is False
    assert (
        service(ran, "release")["state"] == "failed" and service(ran, "release")["exit_code"] == 3
    )
    state = app_state(rehearsal.app)
    web = next(s for s in state["services"] if s["kind"] == "web")
    assert web["pid"] is None and web["state"] in ("stopped", "exited")  # not deployed


def test_down_stops_and_removes_every_container(rehearsal: Rehearsal) -> None:
    st = app_state(rehearsal.app)
    done = skylift(rehearsal.app, "down")
    assert done.returncode == 0, done.stderr
    assert "load balancer stand-in" in done.stdout
    engine = shutil.which(st["engine"]) or st["engine"]
    listed = subprocess.run([engine, "containers", "--format", "{{.ContainerName}}"]
                            if st["engine"] == "buildah" else [engine, "ps", "-a", "--format", "{{.Names}}"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert st["prefix"] not in listed
    for pid in [s["pid"] for s in st["services"] if s["pid"]] + [st["lb"]["pid"]]:
        assert not Path(f"/proc/{pid}").exists() or b"Z" in Path(f"/proc/{pid}/stat").read_bytes()
