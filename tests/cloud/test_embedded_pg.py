"""The embedded PostgreSQL holds a copy of the user's data: only its user gets in, it starts
wherever the work folder is, and a first start killed half-way is redone by the next."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from skylift.cloud import _private, embedded_pg
from skylift.errors import TargetError


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A work folder whose path has a space and is longer than a Unix socket path may be."""
    folder = tmp_path / "my apps" / ("a" * 110) / ".skylift" / "postgres"
    yield folder
    embedded_pg.remove(folder)


def _modes(path: Path) -> dict[Path, int]:
    return {p: p.stat().st_mode for p in [path, *path.parents]}


def test_starts_anywhere_and_asks_for_its_password(data_dir: Path, tmp_path: Path) -> None:
    before = _modes(tmp_path)
    server = embedded_pg.start(data_dir)
    assert _modes(tmp_path) == before  # no folder above the work folder was opened up
    with psycopg.connect(server.url()) as conn:
        assert conn.execute("SHOW unix_socket_directories").fetchone() == ("",)
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/postgres")
    secret = embedded_pg.password_file(data_dir)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and server.password in secret.read_text()
    home = data_dir.resolve()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE(data_dir.parent.stat().st_mode) == 0o700  # skylift made it: private
    if os.geteuid() == 0:  # the server's system user owns the data, outside the user's folders
        assert home.owner() == "embedded_postgres" and home.is_relative_to(_private.HOMES)
    assert embedded_pg.start(data_dir) == server  # running: reused, same port and password


def test_the_psql_line_connects(data_dir: Path) -> None:
    server = embedded_pg.start(data_dir)
    done = subprocess.run(server.psql() + " -tAc 'SELECT 41 + 1'", shell=True,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "42", done.stderr
    assert server.password not in server.psql()


def test_a_first_start_killed_during_initdb_is_redone(data_dir: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from skylift.cloud import embedded_pg; "
        "embedded_pg.start(Path(sys.argv[1]))"
    )
    home = _private.relocated(data_dir, "postgres") if os.geteuid() == 0 else data_dir
    partial = home.with_name(home.name + ".initdb")
    caught = False
    for delay in (0.3, 0.5, 0.7, 0.9, 1.2, 1.6):
        proc = subprocess.Popen([sys.executable, "-c", code, str(data_dir)],
                                start_new_session=True)  # fmt: skip
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole group: initdb too
        proc.wait()
        caught = caught or partial.exists()
        embedded_pg.stop(data_dir)
        if caught:
            break
    assert caught, "no kill landed during initdb: change the delays"
    server = embedded_pg.start(data_dir)
    with psycopg.connect(server.url()) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_half_made_data_folder_of_an_older_version_is_redone(tmp_path: Path) -> None:
    data_dir = tmp_path / "postgres"
    (data_dir / "global").mkdir(parents=True)
    (data_dir / "PG_VERSION").write_text("18\n")  # initdb's first files, then killed
    try:
        server = embedded_pg.start(data_dir)
        with psycopg.connect(server.url()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        embedded_pg.remove(data_dir)


def test_a_folder_of_the_users_own_is_never_deleted(tmp_path: Path) -> None:
    data_dir = tmp_path / "postgres"
    data_dir.mkdir()
    (data_dir / "notes.txt").write_text("mine")
    with pytest.raises(TargetError, match="not a PostgreSQL data folder"):
        embedded_pg.start(data_dir)
    assert (data_dir / "notes.txt").read_text() == "mine"


@pytest.mark.skipif(os.geteuid() != 0, reason="relocated data folders exist for root only")
def test_the_data_of_a_deleted_work_folder_is_cleaned_up(tmp_path: Path) -> None:
    gone = tmp_path / "gone" / "postgres"
    home = embedded_pg.start(gone).data_dir.resolve()
    embedded_pg.stop(gone)
    (gone.parent / "postgres").unlink()  # the user deletes .skylift
    kept = tmp_path / "kept" / "postgres"
    try:
        embedded_pg.start(kept)  # any later start cleans up the copy nobody can reach
        assert not home.exists()
    finally:
        embedded_pg.remove(kept)
