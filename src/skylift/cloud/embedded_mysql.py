"""An embedded MariaDB (Debian's mariadb-server binaries), standing in for an app's current MySQL
host during a rehearsal (`skylift up --target local` with a MySQL dump in the repository).

Like the embedded PostgreSQL it listens on 127.0.0.1 on a free port, keeps running between
commands (its port is in `port` next to the data) and is stopped by `skylift down`. Its root
user has a random password (kept 0600 in `<base>.password`); run as root, its data lives in a
folder only the `mysql` user may enter (cloud/_private.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from skylift.cloud import _private
from skylift.cloud._net import free_port
from skylift.errors import MissingToolError, SourceError
from skylift.workdir import make_dirs

LEGACY_PASSWORD = "rehearsal"  # the fixed password of servers set up before the random one


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name) or (
            f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None
        )
        if found:
            return found
    raise MissingToolError(
        "MariaDB is not installed",
        "rehearsing an app whose data is a MySQL dump needs a MySQL-compatible server",
        "apt-get install mariadb-server, or pass --source mysql://... (your current database)",
    )


def _running(base: Path) -> int | None:
    try:
        port = int((base / "port").read_text())
        pid = int((base / "mysqld.pid").read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return port


def _home(base: Path) -> Path:
    """Where the server's files are: `base`, or (root) the private folder it links to (the
    server runs as `mysql`, who may not enter the user's folders: see cloud/_private.py)."""
    if base.is_symlink():
        return Path(os.readlink(base))
    if os.geteuid() != 0 or base.exists():
        return base
    return _private.relocated(base, "mysql")


def _password_file(base: Path) -> Path:
    return base.with_name(base.name + ".password")


def _socket(home: Path) -> Path:
    """The server's socket: in its folder, or where its path fits (107 bytes at most)."""
    sock = home / "mysqld.sock"
    if len(str(sock)) < 100:
        return sock
    digest = hashlib.sha256(str(home).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"skylift-mysql-{digest}.sock"


def start(base: Path) -> str:
    """Start (initialising on first use) the server under `base`; its root URL (with the
    server's random password, kept 0600 next to `base`)."""
    base = Path(os.path.abspath(base))
    make_dirs(base.parent)
    user = "mysql" if os.geteuid() == 0 else None
    if user:
        _private.make_base("mysql")
        _private.remove_abandoned("mysql", lambda h: _running(h) is not None)
    home = _home(base)
    with _private.locked(home):
        port = _running(home)
        if port is None:
            port = _launch(base, home, user)
        password = _password_file(base).read_text().strip()
    return f"mysql://root:{password}@127.0.0.1:{port}/"


def _launch(base: Path, home: Path, user: str | None) -> int:
    data = home / "data"
    if not home.exists():
        home.mkdir(mode=0o700)
    if user:
        shutil.chown(home, user, user)
    if home != base and not base.is_symlink():
        _private.link_home(base, home)
    fresh = not data.exists()
    if fresh:
        subprocess.run([_binary("mariadb-install-db", "mysql_install_db"), f"--datadir={data}",
                        "--auth-root-authentication-method=normal", "--skip-test-db",
                        *([f"--user={user}"] if user else [])], check=True, capture_output=True)  # fmt: skip
    port = free_port()
    subprocess.Popen(
        [_binary("mariadbd", "mysqld"), "--no-defaults", *([f"--user={user}"] if user else []),
         f"--datadir={data}", f"--port={port}", "--bind-address=127.0.0.1",
         f"--socket={_socket(home)}", f"--pid-file={home}/mysqld.pid",
         "--skip-name-resolve", "--character-set-server=utf8mb4", f"--log-error={home}/error.log"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    _wait(home)
    _set_password(base, home, fresh)
    (home / "port").write_text(str(port))
    return port


def _set_password(base: Path, home: Path, fresh: bool) -> None:
    """A random root password, for the socket and for 127.0.0.1 (the server holds a copy of
    the app's data: other users of this machine may not read it)."""
    stored = _password_file(base)
    if stored.exists() and not fresh:
        return
    current = "" if fresh else LEGACY_PASSWORD
    password = secrets.token_urlsafe(24)
    _client(home, f"ALTER USER 'root'@'localhost' IDENTIFIED BY '{password}'; "
                  f"CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '{password}'; "
                  "GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;", password=current)  # fmt: skip
    fd = os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")


def _wait(base: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _socket(base).exists():
            return
        time.sleep(0.2)
    log = (
        (base / "error.log").read_text(errors="replace")[-800:]
        if (base / "error.log").exists()
        else ""
    )
    raise SourceError(
        "the embedded MariaDB did not start", log, "see its error.log under .skylift/"
    )


def _client(home: Path, sql: str | None = None, *, password: str | None = None,
            database: str = "", stdin: Path | None = None) -> None:  # fmt: skip
    """The mysql client on the server's socket; the password goes in the environment
    (MYSQL_PWD), never on a command line other users may read in `ps`."""
    args = [_binary("mariadb", "mysql"), f"--socket={_socket(home)}", "-uroot"]
    args += ["-e", sql] if sql else []
    args += [database] if database else []
    env = {**os.environ, "MYSQL_PWD": password if password is not None else _stored(home)}
    with open(stdin, "rb") if stdin else contextlib.nullcontext() as handle:
        done = subprocess.run(args, stdin=handle, capture_output=True, check=False, env=env)
    if done.returncode:
        raise SourceError(
            "the embedded MariaDB refused a statement",
            done.stderr.decode(errors="replace")[-600:],
            "",
        )


def _stored(home: Path) -> str:
    owner = home / _private.OWNER_FILE
    base = Path(owner.read_text()) if owner.exists() else home
    return _password_file(base).read_text().strip()


def load(base: Path, database: str, dump: Path) -> str:
    """Load `dump` once into `database`; its URL."""
    root = start(base)
    home = _home(Path(os.path.abspath(base)))
    marker = home / f"loaded-{database}"
    if not marker.exists():
        _client(home, f"CREATE DATABASE IF NOT EXISTS `{database}`")
        _client(home, database=database, stdin=dump)
        marker.write_text(str(dump))
    return root + database


def stop(base: Path) -> bool:
    base = _home(Path(os.path.abspath(base)))
    if _running(base) is None:
        return False
    pid = int((base / "mysqld.pid").read_text())
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 15)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _running(base) is not None:
        time.sleep(0.2)
    return True
