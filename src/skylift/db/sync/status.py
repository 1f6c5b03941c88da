"""What a running sync tells other processes: a status file and a lease, in the work folder.

`<workdir>/sync/<target>.json` is rewritten (atomically) about once a second with the lag and
the counts, so a script, `skylift db sync --status` or the app-level cutover can read it without
touching either database. `<workdir>/sync/<target>.pid` names the process applying changes;
`db cutover` asks it to stop (SIGTERM) and takes over. The target's advisory lock is the real
exclusion; the lease only says whom to ask.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from skylift.db.urls import mask


@dataclass
class SyncStatus:
    source: str
    target: str
    capture: str = ""
    capture_reason: str = ""  # why this capture (PostgreSQL: logical replication or triggers)
    state: str = (
        "starting"  # starting | migrating | syncing | caught-up | stopped | frozen | failed
    )
    position: dict[str, Any] = field(default_factory=dict)
    applied: int = 0  # changes applied since the sync started
    rows: int = 0  # rows written by this process
    rejected: int = 0
    lag_changes: int = 0  # changes committed on the source, not yet on the target
    lag_seconds: float = 0.0  # age of the oldest of them
    batches: int = 0
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)
    updated_at: float = field(default_factory=time.time)
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def folder(workdir: Path) -> Path:
    return workdir / "sync"


def _name(target_url: str) -> str:
    return hashlib.sha256(mask(target_url).encode()).hexdigest()[:12]


def status_path(workdir: Path, target_url: str) -> Path:
    return folder(workdir) / f"{_name(target_url)}.json"


def lease_path(workdir: Path, target_url: str) -> Path:
    return folder(workdir) / f"{_name(target_url)}.pid"


def write(workdir: Path, target_url: str, status: SyncStatus) -> None:
    path = status_path(workdir, target_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    status.updated_at = time.time()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(status.as_dict(), default=str, indent=2) + "\n")
    os.replace(tmp, path)


def read(workdir: Path, target_url: str) -> dict[str, Any] | None:
    """The last status a sync wrote for this target (None when none ever ran here)."""
    try:
        data: dict[str, Any] = json.loads(status_path(workdir, target_url).read_text())
    except (OSError, ValueError):
        return None
    data["alive"] = holder(workdir, target_url) is not None
    return data


def take_lease(workdir: Path, target_url: str) -> None:
    path = lease_path(workdir, target_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{os.getpid()} {socket.gethostname()}\n")


def drop_lease(workdir: Path, target_url: str) -> None:
    path = lease_path(workdir, target_url)
    with contextlib.suppress(OSError):
        if path.read_text().split()[0] == str(os.getpid()):
            path.unlink()


def holder(workdir: Path, target_url: str) -> int | None:
    """The pid of a live process on this machine holding the lease, or None."""
    try:
        pid_text, host = lease_path(workdir, target_url).read_text().split()[:2]
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    if host != socket.gethostname() or pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid


def ask_to_stop(workdir: Path, target_url: str, timeout: float = 60.0) -> int | None:
    """SIGTERM the sync applying to this target (it stops between batches); wait for it."""
    pid = holder(workdir, target_url)
    if pid is None:
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and holder(workdir, target_url) == pid:
        time.sleep(0.05)
    return pid
