"""`skylift cutover` and `skylift rollback` on a moto server (Route 53 weighted records and a
health check, CloudWatch alarms, a load balancer) with a real SQLite app database moving to a
real PostgreSQL while a load generator writes the whole time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from skylift.cloud import moto_server
from skylift.cutover import Options, Setup, cutover, rollback
from skylift.cutover.journal import Journal
from skylift.db.sync.faults import VARIABLE
from skylift.errors import CutoverStopped
from tests.db.sync._check import assert_same
from tests.db.sync._load import Load, make_sqlite, sqlite_writer
from tests.db.sync.test_postgres_sync import pg_source  # noqa: F401  (a fixture)

from ._cutover_env import Follow, balancer, client, make_setup, weights

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
FAST = {"soak": 0.6, "poll": 0.2}


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("moto")
    server = moto_server.start(folder)
    yield server.url
    moto_server.stop(folder)


@pytest.fixture(scope="module")
def alb(moto: str) -> tuple[object, str]:
    return balancer(moto)


@pytest.fixture
def setup(moto: str, alb: tuple[object, str], tmp_path: Path, pg_url: str) -> Setup:
    source = tmp_path / "app.db"
    make_sqlite(source)
    lb, tg = alb
    return make_setup(moto, tmp_path, lb, tg, source, pg_url)  # type: ignore[arg-type]


def test_cutover_under_load_then_rollback_keeps_every_write(setup: Setup) -> None:
    journal = Journal.at(setup.root, setup.target, setup.environment)
    source, target = Path(str(setup.source_url)), str(setup.target_url)
    follow = Follow(source, target, journal, on_switch=lambda: assert_same(source, target))
    load = Load(follow.write, rate=60).start()
    time.sleep(1.0)
    moved = cutover(setup, Options(**FAST))  # type: ignore[arg-type]
    time.sleep(0.5)
    assert moved.finished and weights(setup) == {"skylift-old": 0, "skylift-aws": 100}
    assert [s["step"] for s in moved.steps] == [
        "preflight-health", "dns-ttl", "preflight", "database", "forwarder", "weighted",
        "traffic-10", "traffic-50", "traffic-100", "finished"]  # fmt: skip
    assert moved.frozen_seconds is not None and moved.frozen_seconds < 5
    assert follow.writes["old"] > 50 and follow.writes["new"] > 10, follow.writes
    assert follow.checked  # every write the old database acknowledged was on the target
    assert load.refused > 0 and "writes are frozen" in load.refusals[0]
    follow.hold = True  # until checked: the old host still forwards to the (frozen) target
    back = rollback(setup)
    assert back.finished and weights(setup) == {"skylift-old": 100, "skylift-aws": 0}
    # every write acknowledged on either side is on both: the old one has them all again
    assert_same(Path(str(setup.source_url)), str(setup.target_url))
    follow.hold = False
    time.sleep(0.8)  # the app writes to the old database again
    load.finish()
    follow.close()
    assert follow.on == "old" and load.acknowledged == sum(follow.writes.values())
    assert moved.forwarder and moved.forwarder["kind"] == "socat"


def test_an_alarm_steps_the_traffic_back_and_a_rerun_finishes(setup: Setup) -> None:
    cw = client(str(setup.endpoint), "cloudwatch")

    def fire_at_fifty() -> None:
        for _ in range(300):
            if weights(setup).get("skylift-aws") == 50:
                cw.set_alarm_state(AlarmName=setup.alarms[0], StateValue="ALARM",
                                   StateReason="Threshold Crossed: 5xx 12% > 5%")  # fmt: skip
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=fire_at_fifty)
    watcher.start()
    with pytest.raises(CutoverStopped) as stopped:
        cutover(setup, Options(soak=1.5, poll=0.1))
    watcher.join()
    assert stopped.value.exit_code == 16
    assert "went into ALARM at 50% on AWS: the traffic is back at 10%" in stopped.value.what
    assert weights(setup) == {"skylift-old": 90, "skylift-aws": 10}
    with pytest.raises(CutoverStopped, match="is in ALARM"):  # still firing: nothing moves
        cutover(setup, Options(**FAST))  # type: ignore[arg-type]
    assert weights(setup) == {"skylift-old": 90, "skylift-aws": 10}
    cw.set_alarm_state(AlarmName=setup.alarms[0], StateValue="OK", StateReason="recovered")
    moved = cutover(setup, Options(**FAST))  # type: ignore[arg-type]
    assert moved.finished and weights(setup) == {"skylift-old": 0, "skylift-aws": 100}
    events = [(e["step"], e["status"]) for e in Journal.at(setup.root, "local", "prod").current()]
    assert events.count(("database", "done")) == 1  # the database moved once
    assert ("traffic-50", "stepped-back") in events


def test_single_switch(setup: Setup) -> None:
    moved = cutover(setup, Options(single=True, **FAST))  # type: ignore[arg-type]
    assert [s["step"] for s in moved.steps][-2:] == ["traffic-100", "finished"]
    assert weights(setup) == {"skylift-old": 0, "skylift-aws": 100}


SCRIPT = """
import json, sys
from skylift.cutover import Options, Setup, cutover, rollback
setup = Setup.from_json(open(sys.argv[1]).read())
result = (cutover if sys.argv[2] == "cutover" else rollback)(setup, Options(soak=0.3, poll=0.1))
print(json.dumps(result.as_dict(), default=str))
"""
CUTOVER_STEPS = ["preflight-health", "dns-ttl", "preflight", "database", "forwarder",
                 "weighted", "traffic-10", "traffic-50", "traffic-100", "finished"]  # fmt: skip
ROLLBACK_STEPS = ["traffic-back", "database-back", "forwarder-undo", "finished"]


def _run(setup: Setup, operation: str, kill_at: str | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    path = setup.root / "setup.json"
    path.write_text(setup.to_json())
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop(VARIABLE, None)
    if kill_at:
        env[VARIABLE] = kill_at
    return subprocess.run([sys.executable, "-c", SCRIPT, str(path), operation], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip


def _once_each(setup: Setup, operation: str, killed: str) -> None:
    """Every step done exactly once; only the killed one was started twice."""
    entries = Journal.at(setup.root, "local", "prod").current()
    for step in CUTOVER_STEPS if operation == "cutover" else ROLLBACK_STEPS:
        mine = [e["status"] for e in entries if e["operation"] == operation and e["step"] == step]
        assert mine.count("done") == 1, (step, mine)
        assert mine.count("started") == (2 if step == killed else 1), (step, mine)


@pytest.mark.parametrize("step", CUTOVER_STEPS)
def test_cutover_killed_at_every_step_resumes(setup: Setup, step: str) -> None:
    # the app writes to the old database the whole time (refused once frozen): the target
    # must then hold exactly what the old database holds
    load = Load(sqlite_writer(Path(str(setup.source_url))), rate=50).start()
    killed = _run(setup, "cutover", kill_at=f"app-cutover:{step}")
    assert killed.returncode == -9, killed.stderr[-2000:]
    again = _run(setup, "cutover")
    load.finish()
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout)["finished"] and load.acknowledged > 20
    _once_each(setup, "cutover", step)
    assert weights(setup) == {"skylift-old": 0, "skylift-aws": 100}
    assert_same(Path(str(setup.source_url)), str(setup.target_url))


@pytest.mark.parametrize("step", ROLLBACK_STEPS)
def test_rollback_killed_at_every_step_resumes(setup: Setup, step: str) -> None:
    assert _run(setup, "cutover").returncode == 0
    follow = Follow(Path(str(setup.source_url)), str(setup.target_url),
                    Journal.at(setup.root, "local", "prod"), on="new", hold=True)  # fmt: skip
    load = Load(follow.write, rate=50, next_account=300_000).start()
    time.sleep(0.5)
    killed = _run(setup, "rollback", kill_at=f"app-rollback:{step}")
    assert killed.returncode == -9, killed.stderr[-2000:]
    again = _run(setup, "rollback")
    time.sleep(0.3)
    load.finish()
    assert again.returncode == 0, again.stderr[-2000:]
    _once_each(setup, "rollback", step)
    assert weights(setup) == {"skylift-old": 100, "skylift-aws": 0}
    assert follow.writes["new"] > 10
    assert_same(Path(str(setup.source_url)), str(setup.target_url))


def test_the_preflight_reads_a_running_sync_and_the_cutover_takes_it_over(setup: Setup) -> None:
    from skylift.db.sync import status

    source, target = str(setup.source_url), str(setup.target_url)
    load = Load(sqlite_writer(Path(source)), rate=50).start()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    sync = subprocess.Popen([sys.executable, "-m", "skylift", "db", "sync", source, target,
                             "--workdir", str(setup.db_workdir)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(600):
            if (status.read(setup.db_workdir, target) or {}).get("state") == "caught-up":
                break
            time.sleep(0.1)
        with pytest.raises(CutoverStopped, match=r"the database sync is .* behind") as stopped:
            cutover(setup, Options(max_lag=-1, **FAST))  # type: ignore[arg-type]
        assert "wait for `skylift db sync` to catch up" in stopped.value.fix
        moved = cutover(setup, Options(**FAST))  # type: ignore[arg-type]
        assert sync.wait(30) is not None  # the running sync was asked to stop, and did
    finally:
        load.finish()
        if sync.poll() is None:
            sync.kill()
    lag = Journal.at(setup.root, "local", "prod").done("cutover", "preflight")
    assert moved.finished and lag and lag["lag"]["lag_seconds"] < 5
    assert_same(Path(source), target)


def test_killed_in_the_middle_of_a_soak_resumes_that_step(setup: Setup) -> None:
    path = setup.root / "setup.json"
    path.write_text(setup.to_json())
    slow = SCRIPT.replace("soak=0.3", "soak=3")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop(VARIABLE, None)
    proc = subprocess.Popen([sys.executable, "-c", slow, str(path), "cutover"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(600):
        if weights(setup).get("skylift-aws") == 50:
            break
        time.sleep(0.05)
    proc.kill()  # SIGKILL while the 50% step soaks
    assert proc.wait() == -9
    assert weights(setup) == {"skylift-old": 50, "skylift-aws": 50}
    again = _run(setup, "cutover")
    assert again.returncode == 0, again.stderr[-2000:]
    _once_each(setup, "cutover", "traffic-50")
    assert weights(setup) == {"skylift-old": 0, "skylift-aws": 100}


def test_a_heroku_app_on_postgresql(setup: Setup, pg_source: str) -> None:  # noqa: F811
    """Heroku-like: the old database is PostgreSQL (capture by triggers), and the old dynos
    get the new database's URL instead of a forwarder; no password lands in the journal."""
    from urllib.parse import urlsplit

    from tests.db.sync._check import assert_pg_same
    from tests.db.sync.test_sqlite_cutover import pg_writer

    setup.host, setup.source_url = "heroku", pg_source
    load = Load(pg_writer(pg_source), rate=60, dialect="postgresql").start()  # type: ignore[arg-type]
    time.sleep(1.0)
    moved = cutover(setup, Options(**FAST))  # type: ignore[arg-type]
    load.finish()
    assert moved.finished and load.acknowledged > 50 and load.refused > 0
    assert_pg_same(pg_source, str(setup.target_url))  # every acknowledged write moved
    assert moved.forwarder and moved.forwarder["kind"] == "heroku"
    assert moved.forwarder["commands"] == [
        f'heroku config:set -a {setup.app} DATABASE_URL="$SKYLIFT_TARGET_DATABASE_URL"'
    ]
    dynos = Load(pg_writer(str(setup.target_url)), rate=60, seed=5, next_account=600_000)  # type: ignore[arg-type]
    dynos.start()  # the old dynos now write to the new database
    time.sleep(1.0)
    dynos.finish()
    assert rollback(setup).finished
    assert_pg_same(pg_source, str(setup.target_url))  # every write made on AWS came back
    journal = Journal.at(setup.root, "local", "prod").path.read_text()
    for url in (pg_source, str(setup.target_url)):
        password = urlsplit(url).password
        assert password and password not in journal
