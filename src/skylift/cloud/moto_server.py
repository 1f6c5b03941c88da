"""The embedded AWS of `--target local`: moto's server on a free local port.

It runs as its own background process (so `skylift up` can return and `skylift down` find it
later), recorded in <state_dir>/moto.json. moto keeps its state in memory only: when the
recorded server is gone, `start` launches a new, empty one and says so (`fresh=True`), so the
caller can forget Terraform state that described the old one.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from skylift.cloud._net import free_port
from skylift.errors import InfraError, MissingToolError

REGION_DEFAULT = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
# Fake credentials: moto accepts any; real ones must never reach a local rehearsal.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass(frozen=True)
class MotoServer:
    url: str
    pid: int
    fresh: bool = False  # True when this call started it (no state from an earlier run)

    def env(self, region: str) -> dict[str, str]:
        """Environment for boto3 and Terraform to talk to this server, and only to it."""
        return {
            **CREDENTIALS,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            "AWS_ENDPOINT_URL": self.url,
            "AWS_SESSION_TOKEN": "",
            "AWS_PROFILE": "",
        }


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our own child that exited
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=timeout) as resp:
            return resp.status < 500
    except OSError:
        return False


def running(state_dir: Path) -> MotoServer | None:
    """The server recorded in state_dir if it still runs and answers."""
    try:
        info = json.loads((state_dir / "moto.json").read_text())
        server = MotoServer(str(info["url"]), int(info["pid"]))
    except (OSError, ValueError, KeyError):
        return None
    if _alive(server.pid) and _answers(server.url):
        return server
    return None


def start(state_dir: Path, timeout: float = 30.0) -> MotoServer:
    """Reuse the recorded server, or start a new one on a free port; idempotent."""
    existing = running(state_dir)
    if existing:
        return existing
    try:
        import moto.server  # noqa: F401  (checked here so the error names the fix)
    except ImportError as exc:
        raise MissingToolError(
            "moto's server is not installed", str(exc), "pip install 'moto[server]'"
        ) from exc
    state_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (state_dir / "moto.log").open("ab")
    env = {**os.environ, "MOTO_ACM_VALIDATION_WAIT": "0"}  # certificates issue at once
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=log,
        env=env,
        start_new_session=True,  # outlives this command; `skylift down` stops it
    )
    deadline = time.monotonic() + timeout
    while not _answers(url, 0.5):
        if proc.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            raise InfraError(
                "the embedded AWS (moto) did not start",
                f"no answer on {url} (see {state_dir / 'moto.log'})",
                "check that moto[server] is installed, then rerun",
            )
        time.sleep(0.1)
    (state_dir / "moto.json").write_text(json.dumps({"url": url, "pid": proc.pid}) + "\n")
    return MotoServer(url, proc.pid, fresh=True)


def stop(state_dir: Path) -> bool:
    """Stop the recorded server; True when one was running."""
    server = running(state_dir)
    (state_dir / "moto.json").unlink(missing_ok=True)
    if server is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGTERM)
        for _ in range(50):
            if not _alive(server.pid):
                break
            time.sleep(0.1)
        else:
            os.kill(server.pid, signal.SIGKILL)
    return True
