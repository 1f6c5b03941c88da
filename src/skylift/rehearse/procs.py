"""Background processes of the rehearsal (the load balancer and RDS TLS stand-ins): started
detached so they outlive `skylift up`, found again by pid and module name, ended by `down`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import skylift


def spawn(module: str, cfg: dict[str, Any], folder: Path, name: str) -> int:
    """Run `python -m module folder/name.json` in the background; wait until it listens."""
    path = folder / f"{name}.json"
    path.write_text(json.dumps(cfg))
    path.chmod(0o600)
    src = str(Path(skylift.__file__).parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p),
    }
    with (folder / f"{name}.log").open("ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", module, str(path)], stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL, env=env, start_new_session=True)  # fmt: skip
    for _ in range(200):
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", cfg["listen"]), 0.2),
        ):
            break
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    return proc.pid


def alive(pid: Any, module: str) -> bool:
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, PermissionError):
        return False
    with contextlib.suppress(OSError):
        return module.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    return True


def stop(pid: Any, module: str) -> bool:
    if not alive(pid, module):
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(int(pid), signal.SIGTERM)
    return True
