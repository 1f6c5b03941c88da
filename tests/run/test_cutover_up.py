"""The whole sequence on the local target, end to end through the CLI: `skylift up` (Terraform
on the embedded AWS, the data into the stand-in RDS), rows written on the old database after
the copy, `skylift cutover`, rows written on the new database, `skylift rollback`."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

pytestmark = [pytest.mark.terraform, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "pantrypal"


def skylift(*args: str, kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SKYLIFT_SYNC_KILL_AT"}
    if kill_at:
        env["SKYLIFT_SYNC_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-m", "skylift", *args], capture_output=True,
                          text=True, timeout=900, cwd=ROOT, env=env)  # fmt: skip


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cutover-up") / "pantrypal"
    shutil.copytree(EXAMPLE, folder)
    (folder / ".env").write_text("JWT_SECRET=cutover-test-secret\nNODE_ENV=production\n")
    # the stack and the data: the cutover moves traffic and the database (its health check is
    # the --health-url stand-in), so the app's own image is not built here (test_examples_run)
    up = skylift("up", str(folder), "--json", "--no-app")
    assert up.returncode == 0, up.stderr[-3000:]
    yield folder
    skylift("down", str(folder))


def _households(conn: sqlite3.Connection | psycopg.Connection) -> set[str]:  # type: ignore[type-arg]
    return {row[0] for row in conn.execute("SELECT name FROM households").fetchall()}


def test_up_then_cutover_then_rollback_on_the_local_target(app: Path) -> None:
    db = app / "data" / "pantrypal.db"
    with sqlite3.connect(db) as old:
        old.execute("INSERT INTO households (name) VALUES ('written after the copy')")
    # the alarms Terraform created on the embedded AWS are the gates: one in ALARM stops it
    cw = _cloudwatch(app)
    names = [a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]]
    assert {"pantrypal-api-prod-5xx-rate", "pantrypal-api-prod-latency-p95"} <= set(names)
    cw.set_alarm_state(AlarmName="pantrypal-api-prod-5xx-rate", StateValue="ALARM",
                       StateReason="Threshold Crossed: 9% 5xx")  # fmt: skip
    stopped = skylift("cutover", str(app), "--soak", "0")
    assert stopped.returncode == 16, stopped.stderr[-3000:]
    assert "error: pantrypal-api-prod-5xx-rate is in ALARM before the cutover" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    with sqlite3.connect(db) as old:  # the database did not move
        old.execute("INSERT INTO households (name) VALUES ('written while stopped')")
    cw.set_alarm_state(AlarmName="pantrypal-api-prod-5xx-rate", StateValue="OK",
                       StateReason="recovered")  # fmt: skip
    no_domain = skylift("cutover", str(app), "--check-dns")
    assert no_domain.returncode == 2 and "the app has no domain" in no_domain.stderr
    writer = Households(db).start()  # the old app writes the whole time, 60 a second
    killed = skylift("cutover", str(app), "--soak", "0", kill_at="app-cutover:database")
    assert killed.returncode == -9, (
        killed.returncode,
        killed.stderr[-3000:],
    )  # kill -9 once the database moved
    moved = skylift("cutover", str(app), "--json", "--soak", "0")
    writer.finish()
    assert moved.returncode == 0, moved.stderr[-3000:]
    assert len(writer.acknowledged) > 50 and writer.refused > 0, writer.refused
    result = json.loads(moved.stdout)
    assert result["finished"] and result["frozen_seconds"] is not None
    assert [s["step"] for s in result["steps"]] == [
        "preflight-health", "dns-ttl", "preflight", "database", "forwarder", "traffic",
        "finished"]  # fmt: skip
    assert result["forwarder"]["kind"] == "nginx"  # examples/pantrypal has nginx/
    snippet = Path(result["forwarder"]["file"]).read_text()
    assert "proxy_pass http://" in snippet and ".elb." in snippet
    target = _target_url(app)
    with psycopg.connect(target, autocommit=True) as new:
        assert {"written after the copy", "written while stopped"} <= _households(new)
        assert set(writer.acknowledged) <= _households(new)  # every acknowledged write
        new.execute("INSERT INTO households (name) VALUES ('written on AWS')")
    with (
        pytest.raises(sqlite3.IntegrityError, match="writes are frozen"),
        sqlite3.connect(db) as old,
    ):
        old.execute("INSERT INTO households (name) VALUES ('refused')")
    again = skylift("cutover", str(app), "--json")  # finished: a rerun changes nothing
    assert again.returncode == 0 and json.loads(again.stdout)["steps"] == result["steps"]
    back = skylift("rollback", str(app), "--json")
    assert back.returncode == 0, back.stderr[-3000:]
    assert json.loads(back.stdout)["finished"]
    with sqlite3.connect(db) as old:
        assert "written on AWS" in _households(old)  # the write made on AWS came back
        old.execute("INSERT INTO households (name) VALUES ('the old host writes again')")


class Households:
    """Inserts at `rate` a second into the old database; what it acknowledged, what it refused."""

    def __init__(self, db: Path, rate: float = 60) -> None:
        self.db, self.rate = db, rate
        self.acknowledged: list[str] = []
        self.refused = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Households:
        self.thread.start()
        return self

    def finish(self) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        conn = sqlite3.connect(self.db, timeout=30, isolation_level=None)
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                conn.execute("INSERT INTO households (name) VALUES (?)", (f"load {n}",))
                self.acknowledged.append(f"load {n}")
            except sqlite3.Error:
                self.refused += 1
            time.sleep(1 / self.rate)
        conn.close()


def _cloudwatch(app: Path) -> Any:
    import boto3

    from skylift.cloud import moto_server

    server = moto_server.running(app / ".skylift" / "up" / "local")
    assert server is not None
    return boto3.client("cloudwatch", endpoint_url=server.url, region_name="us-east-1",
                        **{k.lower(): v for k, v in moto_server.CREDENTIALS.items()})  # fmt: skip


def _target_url(app: Path) -> str:
    from skylift.cloud import embedded_pg

    server = embedded_pg.start(app / ".skylift" / "up" / "local" / "postgres")
    with psycopg.connect(server.url("postgres")) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'pantrypal%'").fetchall()]  # fmt: skip
    assert len(names) == 1, names
    return server.url(names[0])
