"""A password given to skylift, in any form, shows nowhere: not on the screen, not in --json,
not in a --report file, not in the work folder, not in the target's journal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from skylift.cloud import embedded_pg
from tests.db.sqlite_fixtures import make_app_db


def skylift(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "skylift", *args], capture_output=True,
                          text=True, cwd=cwd, check=False)  # fmt: skip


def _forms(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    plain = f"postgresql://{parts.username}@{parts.hostname}:{parts.port}{parts.path}"
    return {
        "user:password@": url,
        "?password=": f"{plain}?password={parts.password}&sslmode=disable",
        "key=value": f"host={parts.hostname} port={parts.port} user={parts.username} "
        f"password={parts.password} dbname={parts.path.lstrip('/')}",
    }


def _leaks(secret: str, texts: list[str], folder: Path) -> list[str]:
    found = [f"output {i}" for i, text in enumerate(texts) if secret in text]
    for path in folder.rglob("*"):
        if path.name.endswith(".pgpass"):  # the one place it belongs
            continue
        if path.is_file() and secret.encode() in path.read_bytes():
            found.append(str(path))
    return found


@pytest.mark.parametrize("form", ["user:password@", "?password=", "key=value"])
def test_a_target_password_shows_nowhere(tmp_path: Path, pg_url: str, form: str) -> None:
    secret = urlsplit(pg_url).password
    assert secret
    target = _forms(pg_url)[form]
    db = make_app_db(tmp_path / "app.db")
    wd = tmp_path / "wd"
    runs = [
        skylift("db", "migrate", str(db), target, "--workdir", str(wd), "--report",
                str(tmp_path / "migrate.json"), cwd=tmp_path),
        skylift("db", "migrate", str(db), target, "--workdir", str(wd), "--json", cwd=tmp_path),
        skylift("db", "verify", str(db), target, "--report", str(tmp_path / "verify.json"),
                cwd=tmp_path),
        skylift("db", "migrate", str(tmp_path / "missing.db"), target, cwd=tmp_path),
    ]  # fmt: skip
    assert [r.returncode for r in runs] == [0, 0, 0, 3], [r.stderr for r in runs]
    assert json.loads((tmp_path / "migrate.json").read_text())["target"].count("***") == 1
    assert _leaks(secret, [t for r in runs for t in (r.stdout, r.stderr)], tmp_path) == []
    with psycopg.connect(pg_url) as conn:
        journal = conn.execute("SELECT source, snapshot FROM skylift.runs").fetchall()
    assert secret not in repr(journal)


def test_a_postgres_source_password_shows_nowhere(tmp_path: Path, pg_url: str,
                                                  pg_admin_url: str) -> None:  # fmt: skip
    db = make_app_db(tmp_path / "app.db")
    assert skylift("db", "migrate", str(db), pg_url, cwd=tmp_path).returncode == 0
    copy = pg_url.rsplit("/", 1)[0] + "/" + urlsplit(pg_url).path.strip("/") + "_copy"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{copy.rsplit("/", 1)[1]}"')
    try:
        source = _forms(pg_url)["?password="]
        run = skylift("db", "migrate", source, copy, "--json", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        secret = urlsplit(pg_url).password or ""
        assert _leaks(secret, [run.stdout, run.stderr], tmp_path) == []
        with psycopg.connect(copy) as conn:
            assert secret not in repr(conn.execute("SELECT * FROM skylift.runs").fetchall())
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{copy.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_the_embedded_servers_password_stays_in_its_file(tmp_path: Path) -> None:
    db = make_app_db(tmp_path / "shop.db")
    wd = tmp_path / "wd"
    try:
        runs = [
            skylift("db", "migrate", str(db), "--workdir", str(wd), "--json", "--report",
                    str(tmp_path / "r.json"), cwd=tmp_path),
            skylift("db", "migrate", str(db), "--workdir", str(wd), cwd=tmp_path),
        ]  # fmt: skip
        assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
        server = embedded_pg.running(wd / "postgres")
        assert server is not None and server.password
        shown = json.loads(runs[0].stdout)["embedded_postgres"]
        assert "***" in shown["url"] and shown["stop"].startswith("skylift db stop")
        assert _leaks(server.password, [t for r in runs for t in (r.stdout, r.stderr)],
                      tmp_path) == []  # fmt: skip
        log = (wd / "postgres").resolve() / "server.log"
        assert server.password not in log.read_text(errors="replace")
        stop = skylift(*shown["stop"].split()[1:], "--json", cwd=tmp_path)  # the line printed
        assert json.loads(stop.stdout)["stopped"] is True
        assert embedded_pg.running(wd / "postgres") is None
    finally:
        embedded_pg.stop(wd / "postgres")
