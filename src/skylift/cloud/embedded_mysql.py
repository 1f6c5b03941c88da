"""An embedded MariaDB (Debian's mariadb-server binaries), standing in for an app's current MySQL
host during a rehearsal (`skylift up --target local` with a MySQL dump in the repository).

Like the embedded PostgreSQL it listens on 127.0.0.1 on a free port, keeps running between
commands (its port is in `port` next to the data) and is stopped by `skylift down`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path

from skylift.cloud._net import free_port
from skylift.errors import MissingToolError, SourceError

PASSWORD = "rehearsal"  # a throwaway server on 127.0.0.1 holding a copy of the app's dump


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


def start(base: Path) -> str:
    """Start (initialising on first use) the server under `base`; its root URL."""
    base.mkdir(parents=True, exist_ok=True)
    port = _running(base)
    if port is not None:
        return f"mysql://root:{PASSWORD}@127.0.0.1:{port}/"
    user = "mysql" if os.geteuid() == 0 else None
    if user:
        for folder in [base, *base.parents]:
            folder.chmod(folder.stat().st_mode | 0o011)
        shutil.chown(base, user)
    data = base / "data"
    if not data.exists():
        subprocess.run([_binary("mariadb-install-db", "mysql_install_db"), f"--datadir={data}",
                        "--auth-root-authentication-method=normal", "--skip-test-db",
                        *([f"--user={user}"] if user else [])], check=True, capture_output=True)  # fmt: skip
    port = free_port()
    subprocess.Popen(
        [_binary("mariadbd", "mysqld"), "--no-defaults", *([f"--user={user}"] if user else []),
         f"--datadir={data}", f"--port={port}", "--bind-address=127.0.0.1",
         f"--socket={base}/mysqld.sock", f"--pid-file={base}/mysqld.pid",
         "--skip-name-resolve", "--character-set-server=utf8mb4", f"--log-error={base}/error.log"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    _wait(base)
    _client(base, f"ALTER USER 'root'@'localhost' IDENTIFIED BY '{PASSWORD}'; "
                  f"CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}'; "
                  "GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;", password="")  # fmt: skip
    (base / "port").write_text(str(port))
    return f"mysql://root:{PASSWORD}@127.0.0.1:{port}/"


def _wait(base: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (base / "mysqld.sock").exists():
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


def _client(base: Path, sql: str | None = None, *, password: str = PASSWORD, database: str = "",
            stdin: Path | None = None) -> None:  # fmt: skip
    args = [_binary("mariadb", "mysql"), f"--socket={base}/mysqld.sock", "-uroot"]
    args += [f"-p{password}"] if password else []
    args += ["-e", sql] if sql else []
    args += [database] if database else []
    with open(stdin, "rb") if stdin else contextlib.nullcontext() as handle:
        done = subprocess.run(args, stdin=handle, capture_output=True, check=False)
    if done.returncode:
        raise SourceError(
            "the embedded MariaDB refused a statement",
            done.stderr.decode(errors="replace")[-600:],
            "",
        )


def load(base: Path, database: str, dump: Path) -> str:
    """Load `dump` once into `database`; its URL."""
    root = start(base)
    marker = base / f"loaded-{database}"
    if not marker.exists():
        _client(base, f"CREATE DATABASE IF NOT EXISTS `{database}`")
        _client(base, database=database, stdin=dump)
        marker.write_text(str(dump))
    return root + database


def stop(base: Path) -> bool:
    if _running(base) is None:
        return False
    pid = int((base / "mysqld.pid").read_text())
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 15)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _running(base) is not None:
        time.sleep(0.2)
    return True
