"""The cache stand-in: Debian's redis-server on a free port of 127.0.0.1, with TLS and AUTH
when the Terraform turns them on for ElastiCache (transit encryption, the auth token), so an
app that cannot speak TLS to its cache fails here and not in production.

The certificate comes from the rehearsal's throwaway CA (certs.py); the
containers trust it through the CA bundle mounted at the system path (and NODE_EXTRA_CA_CERTS),
as they trust Amazon's CA on AWS. The token is the one the task reads from SSM; it reaches
redis-server on its stdin (a config include), never on its command line.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from skylift.cloud._net import free_port
from skylift.errors import MissingToolError
from skylift.rehearse.certs import bundle as ca_bundle
from skylift.rehearse.certs import server_certificate
from skylift.workdir import make_dirs


@dataclass
class Cache:
    port: int
    tls: bool
    auth: bool
    pid: int
    ca_bundle: Path | None  # system CAs + the rehearsal's CA


def wants_tls(tf_dir: Path) -> bool:
    """Whether the Terraform sets transit encryption on the replication group."""
    for path in tf_dir.glob("*.tf"):
        if re.search(
            r"^\s*transit_encryption_enabled\s*=\s*true", path.read_text(errors="replace"), re.M
        ):
            return True
    return False


def start(folder: Path, tls: bool, token: str | None, certs_home: Path) -> Cache:
    """redis-server for this rehearsal, reused while it runs with the same settings."""
    make_dirs(folder)
    state = folder / "cache.json"
    if state.is_file():
        known = json.loads(state.read_text())
        if _alive(known["pid"]) and known["tls"] == tls and known["auth"] == bool(token):
            return Cache(known["port"], tls, bool(token), known["pid"],
                         Path(known["ca_bundle"]) if known.get("ca_bundle") else None)  # fmt: skip
        stop(folder)
    binary = shutil.which("redis-server")
    if binary is None:
        raise MissingToolError(
            "redis-server is not installed: the rehearsal's cache stands in for ElastiCache",
            "the Blueprint has a cache",
            "apt-get install redis-server (Debian's Redis 7 speaks TLS)",
        )
    port = free_port()
    conf = [f"port {0 if tls else port}", "bind 127.0.0.1", "save ''", "appendonly no",
            f"dir {_q(folder)}", "protected-mode yes"]  # fmt: skip
    bundle = None
    if tls:
        certs = server_certificate(certs_home)
        conf += [f"tls-port {port}", f"tls-cert-file {_q(certs / 'server.crt')}",
                 f"tls-key-file {_q(certs / 'server.key')}",
                 f"tls-ca-cert-file {_q(certs / 'ca.crt')}", "tls-auth-clients no"]  # fmt: skip
        bundle = ca_bundle(folder, certs / "ca.crt")
    if token:
        conf.append(f"requirepass {_q(token)}")
    log = (folder / "redis.log").open("ab")
    proc = subprocess.Popen([binary, "-"], stdin=subprocess.PIPE, stdout=log, stderr=log,
                            start_new_session=True)  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(("\n".join(conf) + "\n").encode())
    proc.stdin.close()
    _wait(port, proc)
    state.write_text(json.dumps({"port": port, "tls": tls, "auth": bool(token), "pid": proc.pid,
                                 "ca_bundle": str(bundle) if bundle else None}))  # fmt: skip
    return Cache(port, tls, bool(token), proc.pid, bundle)


def _q(value: object) -> str:
    """A redis.conf string: quoted, so a path with spaces (or a token) stays one argument."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def stop(folder: Path) -> bool:
    state = folder / "cache.json"
    if not state.is_file():
        return False
    pid = json.loads(state.read_text()).get("pid")
    state.unlink()
    if pid and _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        return True
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    with contextlib.suppress(OSError):
        if "redis" not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
            return False
    return True


def _wait(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        if proc.poll() is not None:
            break
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    from skylift.errors import InfraError

    raise InfraError(
        "redis-server did not start",
        f"exit {proc.poll()}",
        "read .skylift/up/local/cache/redis.log",
    )
