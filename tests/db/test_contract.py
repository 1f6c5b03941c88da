"""The exit-code contract (docs/exit-codes.md) on bad inputs a user can give: every one gets
its own code and one message — never a traceback, never "internal error" — and leaves the
target as it found it."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.db.sqlite_fixtures import make_app_db

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Ctx:
    tmp: Path
    target: str  # an empty database
    admin: str  # the server's maintenance database, as its superuser

    @property
    def app(self) -> str:
        path = self.tmp / "app.db"
        if not path.exists():
            make_app_db(path)
        return str(path)

    def url(self, user: str | None = None, password: str | None = None, **parts: str) -> str:
        """The target's URL with some parts changed."""
        split = urlsplit(self.target)
        user = user if user is not None else split.username or ""
        password = password if password is not None else split.password or ""
        host = parts.get("host", split.hostname or "")
        port = parts.get("port", str(split.port))
        auth = f"{user}:{password}@" if password else f"{user}@"
        return f"postgresql://{auth}{host}:{port}/{parts.get('db', split.path.lstrip('/'))}"

    def sql(self, *statements: str, admin: bool = False) -> None:
        with psycopg.connect(self.admin if admin else self.target, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def file(self, name: str, data: bytes) -> str:
        (self.tmp / name).write_bytes(data)
        return str(self.tmp / name)


def _no_tables(ctx: Ctx) -> list[str]:
    db = sqlite3.connect(ctx.tmp / "empty.db")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    return ["db", "migrate", str(ctx.tmp / "empty.db"), ctx.target]


def _too_wide(ctx: Ctx) -> list[str]:
    db = sqlite3.connect(ctx.tmp / "wide.db")
    db.execute("CREATE TABLE small (id INTEGER PRIMARY KEY)")
    db.execute(f"CREATE TABLE wide ({', '.join(f'c{i} INTEGER' for i in range(1700))})")
    db.commit()
    db.close()
    return ["db", "migrate", str(ctx.tmp / "wide.db"), ctx.target]


def _wal_alone(ctx: Ctx) -> list[str]:
    db = sqlite3.connect(ctx.tmp / "w.db")
    db.execute("PRAGMA journal_mode = wal")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute("CREATE TABLE t (a)")
    db.commit()
    shutil.copy(ctx.tmp / "w.db-wal", ctx.tmp / "lost.db-wal")
    db.close()
    return ["db", "migrate", str(ctx.tmp / "lost.db-wal"), ctx.target]


def _weak_user(ctx: Ctx) -> list[str]:
    name = "weak_" + urlsplit(ctx.target).path.strip("/")
    ctx.sql(f"CREATE ROLE {name} LOGIN PASSWORD 'weakpw'", admin=True)
    ctx.sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    return ["db", "migrate", ctx.app, ctx.url(user=name, password="weakpw")]


def _read_only(ctx: Ctx) -> list[str]:
    db = urlsplit(ctx.target).path.strip("/")
    ctx.sql(f"ALTER DATABASE {db} SET default_transaction_read_only = on", admin=True)
    return ["db", "migrate", ctx.app, ctx.target]


def _not_empty(ctx: Ctx) -> list[str]:
    ctx.sql("CREATE TABLE orders (id int)")
    return ["db", "migrate", ctx.app, ctx.target]


def _other_migration(ctx: Ctx) -> list[str]:
    other = ctx.tmp / "other.db"
    make_app_db(other)
    done = skylift("db", "migrate", str(other), ctx.target, cwd=ctx.tmp)
    assert done.returncode == 0, done.stderr
    return ["db", "migrate", ctx.app, ctx.target]


def _config(text: bytes) -> Callable[[Ctx], list[str]]:
    def build(ctx: Ctx) -> list[str]:
        app = ctx.tmp / "gengar"
        shutil.copytree(ROOT / "examples" / "gengar", app)
        (app / "skylift.toml").write_bytes(text)
        return ["plan", str(app)]

    return build


CASES: list[tuple[str, Callable[[Ctx], list[str]], int, str]] = [
    # the source
    ("missing file", lambda c: ["db", "migrate", str(c.tmp / "nope.db"), c.target], 3,
     "no such database file"),
    ("a folder", lambda c: ["db", "migrate", str(c.tmp), c.target], 3, "is a folder"),
    ("an empty file", lambda c: ["db", "migrate", c.file("zero.db", b""), c.target], 3,
     "holds no tables: nothing to migrate"),
    ("no tables", _no_tables, 3, "holds no tables: nothing to migrate"),
    ("a WAL file without its db", _wal_alone, 3, "not a SQLite database"),
    ("1700 columns", _too_wide, 3, "table wide has 1700 columns: PostgreSQL allows at most 1600"),
    ("a text file", lambda c: ["db", "migrate", c.file("notes.txt", b"hello"), c.target], 3,
     "not a SQLite database"),
    ("a damaged file",
     lambda c: ["db", "migrate", c.file("bad.db", b"SQLite format 3\x00" + b"\x07" * 4096),
                c.target], 3, "cannot read"),
    ("an unknown scheme", lambda c: ["db", "migrate", "ftp://h/db", c.target], 2,
     "unknown database URL scheme"),
    ("MySQL without a database", lambda c: ["db", "migrate", "mysql://u:pw@127.0.0.1:1/",
                                            c.target], 3, "no database named"),
    ("MySQL refusing", lambda c: ["db", "migrate", "mysql://u:pw@127.0.0.1:1/x", c.target], 3,
     "cannot connect to MySQL"),
    ("PostgreSQL source, wrong password",
     lambda c: ["db", "migrate", c.url(password="wrong"), c.admin], 3,
     "cannot connect to PostgreSQL"),
    ("source = target", lambda c: ["db", "migrate", c.target, c.url(host="localhost"),
                                   "--restart"], 2, "SOURCE and TARGET are the same database"),
    # the target
    ("a MySQL target", lambda c: ["db", "migrate", c.app, "mysql://root:pw@h/app"], 2,
     "is a MySQL database"),
    ("a path as target", lambda c: ["db", "migrate", c.app, "out.db"], 2, "is a file path"),
    ("wrong password", lambda c: ["db", "migrate", c.app, c.url(password="wrong")], 4,
     "the target refused the password"),
    ("no password", lambda c: ["db", "migrate", c.app, c.url(password="")], 4,
     "asks for a password"),
    ("no such user", lambda c: ["db", "migrate", c.app, c.url(user="ghost", password="x")], 4,
     "refused the password"),
    ("a closed port", lambda c: ["db", "migrate", c.app, c.url(port="1")], 4,
     "nothing listens"),
    ("an unknown host", lambda c: ["db", "migrate", c.app, c.url(host="no-such-host.invalid")],
     4, "does not resolve"),
    ("no such database", lambda c: ["db", "migrate", c.app, c.url(db="no_such_db")], 4,
     "the target database does not exist"),
    ("no permission", _weak_user, 4, "the target user may not do this"),
    ("a read-only target", _read_only, 4, "the target is read-only"),
    ("a target with tables", _not_empty, 4, "already has tables named orders"),
    ("another migration's target", _other_migration, 4, "the migration of another database"),
    ("a DSN with a wrong password",
     lambda c: ["db", "migrate", c.app,
                f"host=127.0.0.1 port={urlsplit(c.target).port} user=postgres password=wrongpw "
                f"dbname={urlsplit(c.target).path.strip('/')}"], 4,
     "the target refused the password"),
    # options
    ("--report into a missing folder",
     lambda c: ["db", "migrate", c.app, c.target, "--report", str(c.tmp / "no" / "r.json")], 2,
     "does not exist"),
    ("--report onto a folder", lambda c: ["db", "migrate", c.app, c.target, "--report",
                                          str(c.tmp)], 2, "it is a folder"),
    ("--type without a column", lambda c: ["db", "migrate", c.app, c.target, "--type", "x=int"],
     2, "bad --type"),
    ("--identifiers upper", lambda c: ["db", "migrate", c.app, c.target, "--identifiers", "up"],
     2, "--identifiers"),
    ("--jobs 0", lambda c: ["db", "migrate", c.app, c.target, "--jobs", "0"], 2, "--jobs"),
    ("--workdir a file",
     lambda c: ["db", "migrate", c.app, c.target, "--workdir", c.file("wd", b"")], 13,
     "is a file"),
    # verification alone
    ("verify a target without the tables", lambda c: ["db", "verify", c.app, c.target], 4,
     "the target has no table named user"),
    ("verify into MySQL", lambda c: ["db", "verify", c.app, "mysql://u@h/db"], 2,
     "is a MySQL database"),
    # skylift.toml
    ("skylift.toml not UTF-8", _config(b'[app]\nname = "caf\xe9"\n'), 7, "is not UTF-8"),
    ("a [section] in a message", _config(b"[sizes]\ncpu = 3.0\n"), 7, "under [sizes] in"),
]  # fmt: skip


def skylift(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "skylift", *args], capture_output=True,
                          text=True, cwd=cwd, check=False)  # fmt: skip


def _relations(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_%'"
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.parametrize(("build", "code", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_input(tmp_path: Path, pg_url: str, pg_admin_url: str,
                   build: Callable[[Ctx], list[str]], code: int, words: str) -> None:  # fmt: skip
    ctx = Ctx(tmp_path, pg_url, pg_admin_url)
    args = build(ctx)
    before = _relations(pg_url)
    result = skylift(*args, cwd=tmp_path)
    shown = result.stdout + result.stderr
    assert result.returncode == code, shown
    assert words in result.stderr, result.stderr
    assert "Traceback" not in shown and "internal error" not in shown
    secret = urlsplit(pg_url).password
    assert not secret or secret not in shown  # the password never shows, in any message
    assert _relations(pg_url) == before  # nothing half-done in the target


def test_a_locked_source(tmp_path: Path, pg_url: str) -> None:
    db = make_app_db(tmp_path / "app.db")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # an app in a long write
    try:
        result = skylift("db", "migrate", str(db), pg_url, cwd=tmp_path)
    finally:
        holder.close()
    assert result.returncode == 3, result.stderr
    assert "is locked by another program" in result.stderr
    assert "restore it from a backup" not in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small file system needs root")
@pytest.mark.parametrize(("options", "words"), [("size=32k,ro", "Read-only file system"),
                                                ("size=32k", "is full")])  # fmt: skip
def test_a_work_folder_read_only_or_full(tmp_path: Path, pg_url: str, options: str,
                                         words: str) -> None:  # fmt: skip
    db = make_app_db(tmp_path / "app.db")
    mount = tmp_path / "mnt"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], check=True)
    try:
        result = skylift("db", "migrate", str(db), pg_url, "--workdir", str(mount / "wd"),
                         cwd=tmp_path)  # fmt: skip
        leftovers = list(mount.rglob("*.partial*"))
    finally:
        subprocess.run(["umount", str(mount)], check=True)
    assert result.returncode == 13, result.stderr
    assert words in result.stderr and "restore it from a backup" not in result.stderr
    assert leftovers == []


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small file system needs root")
def test_a_full_target_disk_then_a_rerun_resumes(tmp_path: Path, pg_url: str) -> None:
    """The target's tables on a 12 MB file system (a tablespace): the copy fills it."""
    from tests.db.sqlite_fixtures import make_big_db

    db = make_big_db(tmp_path / "big.db", 300_000)
    base = Path(tempfile.mkdtemp(prefix="skylift-disk-"))  # the server's user must reach it
    base.chmod(0o711)
    mount = base / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m,mode=0700", "tmpfs", str(mount)],
                   check=True)  # fmt: skip
    name = urlsplit(pg_url).path.strip("/")
    try:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            owner = conn.execute("SELECT current_setting('data_directory')").fetchone()
            shutil.chown(mount, Path(owner[0]).owner() if owner else "root")
            conn.execute(f"CREATE TABLESPACE {name} LOCATION '{mount}'")
            conn.execute(f"ALTER DATABASE {name} SET default_tablespace = {name}")
        full = skylift("db", "migrate", str(db), pg_url, cwd=tmp_path)
        assert full.returncode == 4, full.stderr
        assert "the target's disk is full (copying rows)" in full.stderr
        assert "Traceback" not in full.stderr and "internal error" not in full.stderr
        subprocess.run(["mount", "-o", "remount,size=200m", str(mount)], check=True)
        rerun = skylift("db", "migrate", str(db), pg_url, "--json", cwd=tmp_path)
        assert rerun.returncode == 0, rerun.stderr
        assert '"resumed": true' in rerun.stdout and '"rows": 300000' in rerun.stdout
    finally:
        try:
            with psycopg.connect(pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
                c.execute(f"DROP DATABASE {name} WITH (FORCE)")  # its tables live there
                c.execute(f"DROP TABLESPACE IF EXISTS {name}")
                c.execute(f"CREATE DATABASE {name}")  # for the fixture to drop
        finally:
            subprocess.run(["umount", str(mount)], check=True)
            shutil.rmtree(base)


def test_the_embedded_server_killed_mid_copy_then_a_rerun_resumes(tmp_path: Path) -> None:
    from skylift.cloud import embedded_pg
    from tests.db.sqlite_fixtures import make_big_db

    db = make_big_db(tmp_path / "big.db", 600_000)
    wd = tmp_path / "wd"
    args = [sys.executable, "-m", "skylift", "db", "migrate", str(db), "--workdir", str(wd)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            server = embedded_pg.running(wd / "postgres")
            try:
                with psycopg.connect(server.url("big")) if server else _nothing() as conn:
                    done = conn.execute("SELECT count(*) FROM skylift.progress").fetchone()
                if done and done[0] >= 1:
                    break
            except psycopg.Error:
                pass
            time.sleep(0.05)
        assert proc.poll() is None, "the copy ended before the server could be killed"
        pid = int((wd / "postgres" / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 4, err
        assert "(copying rows)" in err and "starts the embedded PostgreSQL again" in err
        assert "Traceback" not in err and "internal error" not in err
        time.sleep(1)  # the killed server's backends notice and end
        rerun = subprocess.run([*args, "--json"], capture_output=True, text=True, check=False)
        assert rerun.returncode == 0, rerun.stderr
        assert '"resumed": true' in rerun.stdout and '"rows": 600000' in rerun.stdout
    finally:
        if proc.poll() is None:
            proc.kill()
        embedded_pg.remove(wd / "postgres")


def _nothing() -> psycopg.Connection[Any]:
    raise psycopg.OperationalError("not started yet")


def _as_nobody(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m skylift ARGS` as nobody, from a world-readable copy of the package (the
    checkout itself may sit in a folder only root can enter)."""
    import skylift

    code = home / "code"
    shutil.copytree(Path(skylift.__file__).parent, code / "skylift", dirs_exist_ok=True)
    for folder in (home, *code.rglob("*")):
        folder.chmod(0o755 if folder.is_dir() else 0o644)
    return subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
         sys.executable, *args],
        capture_output=True, text=True, cwd=home, check=False,
        env={**os.environ, "HOME": str(home), "PYTHONPATH": str(code)},
    )  # fmt: skip


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="root reads every file: the run drops to nobody")  # fmt: skip
def test_a_source_the_user_may_not_read(tmp_path: Path) -> None:
    db = make_app_db(tmp_path / "app.db")
    db.chmod(0o600)  # root's file; the run below is nobody's
    tmp_path.chmod(0o755)
    home = Path(tempfile.mkdtemp(prefix="skylift-nobody-"))
    os.chown(home, 65534, 65534)
    try:
        probe = _as_nobody(home, "-c", "import skylift.cli")
        if probe.returncode != 0:
            pytest.skip(f"nobody cannot import skylift's dependencies here: {probe.stderr[-200:]}")
        done = _as_nobody(home, "-m", "skylift", "db", "migrate", str(db),
                          "postgresql://u:p@127.0.0.1:1/x", "--workdir", str(home / "wd"))  # fmt: skip
    finally:
        shutil.rmtree(home)
    assert done.returncode == 3, done.stderr
    assert f"cannot read {db}" in done.stderr and "Permission denied" in done.stderr
