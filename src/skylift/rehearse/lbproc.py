"""Start, read and stop the load balancer stand-in's background process (lb.py)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
from pathlib import Path
from typing import Any

from skylift.cloud._net import free_port
from skylift.rehearse import procs
from skylift.rehearse.taskdefs import HealthCheck

MODULE = "skylift.rehearse.lb"

REHEARSAL_INTERVAL = 2  # seconds between checks here (the target group's own is kept in the report)


def start(
    folder: Path, upstream: int, health: HealthCheck, known: dict[str, Any]
) -> dict[str, Any]:
    """The stand-in for `upstream` (reused when it runs already for the same port and check)."""
    cfg_health = {
        "path": health.path,
        "matcher": health.matcher,
        "interval": min(health.interval, REHEARSAL_INTERVAL),
        "timeout": min(health.timeout, 5),
        "healthy": health.healthy,
        "unhealthy": health.unhealthy,
    }
    if (
        known
        and procs.alive(known.get("pid"), MODULE)
        and known.get("upstream") == upstream
        and known.get("health") == cfg_health
        and known.get("upstream_host") == task_address()
    ):
        return known
    stop(known)
    port = free_port()
    status = folder / "lb-status.json"
    status.unlink(missing_ok=True)
    cfg = {"listen": port, "upstream": upstream, "upstream_host": task_address(),
           "health": cfg_health, "status": str(status)}  # fmt: skip
    pid = procs.spawn(MODULE, cfg, folder, "lb")
    return {**cfg, "pid": pid, "target_group": health.__dict__}


def task_address() -> str:
    """This machine's own (non-loopback) IPv4 address, where the stand-in reaches the app;
    127.0.0.1 when it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))  # no packet is sent: it only picks a route
            return str(sock.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def status(lb: dict[str, Any]) -> dict[str, Any]:
    """The stand-in's judgement; "stopped" when its process is gone (its file is stale)."""
    try:
        found = dict(json.loads(Path(lb["status"]).read_text()))
    except (OSError, KeyError, ValueError):
        found = {"state": "initial", "checks": []}
    if not procs.alive(lb.get("pid"), MODULE):
        found["state"] = "stopped"
    return found


def reset(lb: dict[str, Any]) -> None:
    """Forget the judgement (a new target registered): restart the checker's counts."""
    if procs.alive(lb.get("pid"), MODULE):
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(lb["pid"]), signal.SIGHUP)


def stop(lb: dict[str, Any]) -> bool:
    return procs.stop((lb or {}).get("pid"), MODULE)
