"""`skylift db migrate/verify` as a user runs them: exit codes, messages, resume after kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.db.sqlite_fixtures import make_app_db, make_bad_db, make_big_db


def skylift(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skylift", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_migrate_and_report(tmp_path: Path, pg_url: str) -> None:
    db = make_app_db(tmp_path / "app.db")
    result = skylift("db", "migrate", str(db), pg_url, "--report", str(tmp_path / "r.json"),
                     "--workdir", str(tmp_path / "wd"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "✓ checksum" in result.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert (
        report["status"] == "ok" and report["rows"] == 38 + 60 + 60 + 3 + 60
    )  # events: by trigger
    assert all(v["ok"] for v in report["verification"])


def test_rejects_have_their_own_exit_code(tmp_path: Path, pg_url: str) -> None:
    result = skylift("db", "migrate", str(make_bad_db(tmp_path / "bad.db")), pg_url, "--json",
                     "--workdir", str(tmp_path / "wd"))  # fmt: skip
    assert result.returncode == 10, result.stderr
    assert json.loads(result.stdout)["rejected"] == 8
    assert "skylift.rejects" in result.stderr and "Traceback" not in result.stderr


def test_verify_catches_one_changed_value(tmp_path: Path, pg_url: str) -> None:
    db = make_app_db(tmp_path / "app.db")
    assert (
        skylift("db", "migrate", str(db), pg_url, "--workdir", str(tmp_path / "wd")).returncode == 0
    )
    assert skylift("db", "verify", str(db), pg_url).returncode == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE orders SET total = total + 1e-12 WHERE id = 120"
        )  # one float, one ulp-ish
    result = skylift("db", "verify", str(db), pg_url)
    assert result.returncode == 11
    assert "orders" in result.stdout and "key 120: content differs" in result.stdout
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE orders SET total = total - 1e-12 WHERE id = 120")
        conn.execute("""UPDATE "user" SET email = left(email, length(email) - 1) WHERE id = 7""")
    result = skylift("db", "verify", str(db), pg_url)
    assert result.returncode == 11 and "key 7: content differs" in result.stdout


def test_resume_after_kill_9(tmp_path: Path, pg_url: str) -> None:
    db = make_big_db(tmp_path / "big.db", 400_000)
    args = [
        sys.executable,
        "-m",
        "skylift",
        "db",
        "migrate",
        str(db),
        pg_url,
        "--workdir",
        str(tmp_path / "wd"),
    ]
    proc = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with psycopg.connect(pg_url) as conn:
                done = conn.execute("SELECT count(*) FROM skylift.progress").fetchone()[0]
        except psycopg.Error:
            done = 0
        if done >= 1:
            break
        time.sleep(0.05)
    assert proc.poll() is None, (
        "the migration finished before it could be killed: make the table bigger"
    )
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with psycopg.connect(pg_url) as conn:
        partial = conn.execute("SELECT count(*) FROM log").fetchone()[0]
    assert 0 < partial < 400_000
    result = skylift("db", "migrate", str(db), pg_url, "--workdir", str(tmp_path / "wd"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["resumed"] and report["rows"] == 400_000
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT id), max(id) FROM log").fetchone() == (
            400_000,
            400_000,
            400_000,
        )


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (
            ["db", "migrate", "/no/such/app.db", "postgresql://x@127.0.0.1:1/db"],
            3,
            "no such database file",
        ),
        (
            ["db", "migrate", "ftp://host/db", "postgresql://x@127.0.0.1:1/db"],
            2,
            "unknown database URL scheme",
        ),
        (["db", "migrate", "--identifiers", "upper", "x.db"], 2, "--identifiers"),
        (["db", "migrate", "--type", "nodot=int", "x.db"], 2, "bad --type"),
    ],
)
def test_bad_input_gets_one_message(tmp_path: Path, args: list[str], code: int, words: str) -> None:
    result = skylift(*args, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr


def test_corrupt_file(tmp_path: Path) -> None:
    bad = tmp_path / "corrupt.db"
    bad.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    result = skylift("db", "migrate", str(bad), "postgresql://x@127.0.0.1:1/db")
    assert result.returncode == 3 and "cannot read" in result.stderr, result.stderr
    (tmp_path / "notes.txt").write_text("hello")
    result = skylift("db", "migrate", str(tmp_path / "notes.txt"), "postgresql://x@127.0.0.1:1/db")
    assert result.returncode == 3 and "not a SQLite database" in result.stderr


def test_unreachable_and_non_empty_targets(tmp_path: Path, pg_url: str) -> None:
    db = make_app_db(tmp_path / "app.db")
    result = skylift("db", "migrate", str(db), "postgresql://nobody:secret@127.0.0.1:1/db")
    assert result.returncode == 4 and "cannot connect" in result.stderr
    assert "secret" not in result.stderr  # the password never shows
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id int)")
    result = skylift("db", "migrate", str(db), pg_url, "--workdir", str(tmp_path / "wd"))
    assert result.returncode == 4 and "already has tables named orders" in result.stderr


def test_embedded_default_target(tmp_path: Path) -> None:
    db = make_app_db(tmp_path / "shop.db")
    result = skylift("db", "migrate", str(db), "--workdir", str(tmp_path / "wd"))
    try:
        assert result.returncode == 0, result.stderr
        assert "postgresql://postgres:***@127.0.0.1:" in result.stdout and "/shop" in result.stdout
    finally:
        from skylift.cloud import embedded_pg

        embedded_pg.stop(tmp_path / "wd" / "postgres")
