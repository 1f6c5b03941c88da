"""`skylift status`: the rehearsal's app as it runs now (the load balancer stand-in's judgement,
which containers still run). Unhealthy is an error (AppDidNotRun, exit 15) with the log tail,
so a script can poll it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from skylift.errors import AppDidNotRun, UsageError
from skylift.run._targets import state_dir


def status(root: Path, *, fail: bool = True) -> dict[str, Any]:
    from skylift import rehearse

    sdir = state_dir(root.resolve(), "local")
    if not (sdir / "app" / "state.json").is_file():
        raise UsageError(
            "no rehearsal runs for this app",
            f"{sdir / 'app'} holds no running app",
            "run `skylift up` first",
        )
    report = rehearse.status(sdir)
    if fail and not report["healthy"]:
        raise unhealthy(root)
    return report


def unhealthy(root: Path) -> AppDidNotRun:
    """The error `status` reports for an app that does not run (log tail, checks, fault)."""
    from skylift.rehearse._wiring import unhealthy as failure

    return failure(state_dir(root.resolve(), "local"))
