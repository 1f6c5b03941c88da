"""Ctrl-C and SIGTERM during `skylift db migrate`: exit 12 with a message, and the rerun resumes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.db.sqlite_fixtures import make_big_db

ROWS = 400_000


def _wait_for_a_chunk(proc: subprocess.Popen[str], pg_url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with psycopg.connect(pg_url) as conn:
                done = conn.execute("SELECT count(*) FROM skylift.progress").fetchone()
            if done and done[0] >= 1:
                return
        except psycopg.Error:
            pass
        time.sleep(0.05)
    pytest.fail("the migration finished before it could be interrupted: make the table bigger")


@pytest.mark.parametrize(
    ("signum", "words"), [(signal.SIGINT, "Ctrl-C (SIGINT)"), (signal.SIGTERM, "SIGTERM")]
)
def test_interrupted_copy_exits_12_and_the_rerun_resumes(
    tmp_path: Path, pg_url: str, signum: int, words: str
) -> None:
    db = make_big_db(tmp_path / "big.db", ROWS)
    args = ["db", "migrate", str(db), pg_url, "--workdir", str(tmp_path / "wd")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "skylift", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a signal to this process only, as `kill PID` sends it
    )
    _wait_for_a_chunk(proc, pg_url)
    sent = time.monotonic()
    proc.send_signal(signum)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 12, err
    assert time.monotonic() - sent < 15  # the workers were stopped, not waited for
    assert f"interrupted by {words}" in err and "rerun the same command" in err
    assert f"skylift db migrate {db}" in err and "Traceback" not in err
    assert urlsplit(pg_url).password not in err  # the rerun line masks it
    with psycopg.connect(pg_url) as conn:
        kept = conn.execute("SELECT count(*) FROM log").fetchone()
        busy = conn.execute(  # nothing of the interrupted run still works on the server
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchone()
    # under load the last chunk may commit before the signal lands: the rerun then resumes
    # from the post-load steps
    assert kept and 0 < kept[0] <= ROWS and busy == (0,)
    rerun = subprocess.run([sys.executable, "-m", "skylift", *args, "--json"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["resumed"] and report["rows"] == ROWS and report["status"] == "ok"
    assert all(v["ok"] for v in report["verification"])


def test_cancelled_post_load_steps_stop_on_the_server(pg_url: str) -> None:
    """An index build running when the run is interrupted is cancelled, not waited for."""
    from skylift.db._ddl import Background, _scheduled
    from skylift.db.schema import Schema
    from skylift.db.translate import Step

    slow = [Step("SELECT pg_sleep(60)", f"slow {i}", kind="index", table=f"t{i}") for i in range(4)]

    def steps(url: str, stop: object) -> None:
        _scheduled(url, slow, Schema(), 2, stop)  # type: ignore[arg-type]

    post = Background(steps, pg_url)
    post.start()
    time.sleep(1.0)
    began = time.monotonic()
    post.cancel()
    assert time.monotonic() - began < 10
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'"
        ).fetchone()
    assert row == (0,)


def test_sigterm_while_profiling_stops_the_scans(tmp_path: Path, pg_url: str) -> None:
    """The profile's scans run in threads: a signal interrupts them (the pool waited for every
    scan it had started, by hand 25 s on this table, forever on the sparse-rowid probe of
    test_sqlite_sparse.py), and the run exits 12 at once."""
    import sqlite3

    path = tmp_path / "wide.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b, c, d)")  # untyped: a full look
    db.execute("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 4000000)"
               " INSERT INTO t SELECT i, i, 'x' || i, i * 1.5, hex(i) FROM r")  # fmt: skip
    db.commit()
    db.close()
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "skylift", "db", "migrate", str(path), pg_url, "--workdir",
             str(tmp_path / "wd")],
            stdout=subprocess.DEVNULL, stderr=stderr, text=True, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while "profiling" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.5)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    err = log.read_text()
    assert proc.returncode == 12, err
    assert "creating the schema" not in err, err  # it was profiling
    assert time.monotonic() - sent < 8, (time.monotonic() - sent, err)
