"""Start and stop a throwaway MariaDB server (tests and benchmarks; never the system service).

The server runs as an unprivileged OS user, with its own data directory and a free TCP port on
127.0.0.1; root connects without a password over TCP (the install script's default for a
--auth-root-authentication-method=normal data directory is a passwordless root@localhost).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pymysql


@dataclass(frozen=True)
class MariaDB:
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes]

    def url(self, database: str = "") -> str:
        return f"mysql://root:rootpw@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str | None = None) -> pymysql.connections.Connection:
        return pymysql.connect(
            host="127.0.0.1",
            port=self.port,
            user="root",
            password="rootpw",
            database=database,
            charset="utf8mb4",
            autocommit=True,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_binary() -> str:
    for name in ("mariadbd", "mysqld"):
        found = shutil.which(name) or (
            f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None
        )
        if found:
            return found
    raise RuntimeError("MariaDB is not installed (apt-get install mariadb-server)")


def start(base: Path, *, binlog: bool = False, tls: Path | None = None) -> MariaDB:
    """Initialise `base`/data and start a server on a free port (as `mysql` when we are root)."""
    base.mkdir(parents=True, exist_ok=True)
    data = base / "data"
    user = "mysql" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    if os.geteuid() == 0:
        for folder in [base, *base.parents]:
            folder.chmod(folder.stat().st_mode | 0o011)
        shutil.chown(base, user)
    if not data.exists():
        subprocess.run(
            [
                "mariadb-install-db",
                f"--user={user}",
                f"--datadir={data}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            check=True,
            capture_output=True,
        )
    port = _free_port()
    args = [
        _server_binary(),
        "--no-defaults",
        f"--user={user}",
        f"--datadir={data}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        f"--socket={base}/mysqld.sock",
        f"--pid-file={base}/mysqld.pid",
        "--innodb-buffer-pool-size=256M",
        "--innodb-flush-log-at-trx-commit=2",
        "--skip-name-resolve",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_general_ci",
        f"--log-error={base}/error.log",
    ]
    if binlog:
        args += ["--log-bin=mysql-bin", "--server-id=1"]
    if tls is not None:  # _certs.make(tls): the server offers TLS, clients choose
        args += [
            f"--ssl-cert={tls}/server.pem",
            f"--ssl-key={tls}/server.key",
            f"--ssl-ca={tls}/ca.pem",
        ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = pymysql.connect(unix_socket=f"{base}/mysqld.sock", user="root", password="")
            break
        except pymysql.err.OperationalError:
            try:
                conn = pymysql.connect(host="127.0.0.1", port=port, user="root", password="rootpw")
                conn.close()
                return MariaDB(base, port, proc)
            except pymysql.err.OperationalError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (base / "error.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"MariaDB did not start:\n{log}") from None
            time.sleep(0.2)
    with conn.cursor() as cur:
        cur.execute("CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY 'rootpw'")
        cur.execute("GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION")
        cur.execute("ALTER USER 'root'@'localhost' IDENTIFIED BY 'rootpw'")
    conn.close()
    return MariaDB(base, port, proc)


def stop(server: MariaDB) -> None:
    server.process.terminate()
    try:
        server.process.wait(30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
