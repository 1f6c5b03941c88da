"""The rehearsal runs the app: its image built as CI builds it, the release step, the web
service behind a load balancer stand-in, the workers and the schedules, each with the
environment its task definition on the embedded AWS gives it, against the embedded
PostgreSQL holding the migrated data and a local Redis.

Modules import one way: engine, taskdefs, endpoints, state (bottom) <- image, containers,
environment, cache, database, lb, lbproc, diagnose <- rehearsal <- this package's API.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from skylift.rehearse.state import AppState

__all__ = ["one_off", "preflight", "rehearse", "report", "status", "stop"]


def preflight(bp: Any) -> None:
    """Before minutes of provisioning: the tools the app's rehearsal will need are here
    (a container engine; redis-server when there is a cache; openssl for the TLS stand-ins)."""
    import os
    import shutil

    from skylift.errors import MissingToolError
    from skylift.rehearse.engine import ENGINES

    forced = os.environ.get("SKYLIFT_ENGINE")
    missing = [] if any(shutil.which(e) for e in ((forced,) if forced else ENGINES)) else [
        "a container engine (docker, podman or buildah)"]  # fmt: skip
    if bp.cache and not shutil.which("redis-server"):
        missing.append("redis-server (the cache's stand-in)")
    if (bp.cache or bp.database) and not shutil.which("openssl"):
        missing.append("openssl (certificates of the TLS stand-ins)")
    if missing:
        raise MissingToolError(
            "the rehearsal cannot run the app on this machine",
            "missing: " + "; ".join(missing),
            "install them (Debian: apt-get install buildah redis-server openssl), or pass "
            "--no-app to provision and migrate only",
        )


def rehearse(
    root: Path,
    tgt: Any,
    bp: Any,
    environment: str,
    outputs: dict[str, Any],
    *,
    findings: list[str] | None = None,
    run_schedules: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Build and run the app of `root` on the local target `tgt`; the `app` part of `up`'s
    summary. Raises AppDidNotRun (exit 15) when it does not run."""
    from skylift.errors import AppDidNotRun
    from skylift.rehearse import _wiring
    from skylift.rehearse import state as state_mod

    say = log or (lambda _m: None)
    try:
        st = _wiring.rehearse(
            root, tgt, bp, environment, outputs, findings or [], run_schedules, say
        )
    except AppDidNotRun as exc:  # what ran, for `up --json` (the error says why)
        exc.app = {**report(state_mod.load(tgt.state_dir)), "healthy": False}
        raise
    return report(st)


def one_off(root: Path, tgt: Any, bp: Any, environment: str, outputs: dict[str, Any],
            command: str, log: Callable[[str], None] | None = None) -> tuple[int | None, list[str]] | None:  # fmt: skip
    """`task run` on the local target: (exit code, its log) of `command` in a new container of
    the rehearsal's image; None when no rehearsal has built the image yet."""
    from skylift.rehearse import _wiring

    svc = _wiring.one_off(root, tgt, bp, environment, outputs, command, log or (lambda _m: None))
    if svc is None:
        return None
    return svc.exit_code, Path(svc.log).read_text(errors="replace").splitlines()


def report(st: AppState) -> dict[str, Any]:
    return {
        "url": st.url or None,
        "health_path": st.health_path,
        "healthy": st.healthy,
        "engine": st.engine,
        "smoke": (st.lb or {}).get("smoke"),
        # the target group's check as Terraform set it (the stand-in checks every 2 s)
        "health_check": (st.lb or {}).get("target_group"),
        "services": [
            {
                "name": s.name,
                "kind": s.kind,
                "state": s.state,
                "exit_code": s.exit_code,
                "user": s.user,
                "memory": s.memory,
                "rewritten": s.rewritten,
                "notes": s.notes,
                "log": s.log,
                # a one-off that failed: the end of its log, where the reason is
                "tail": s.tail if s.exit_code else [],
            }
            for s in st.services
        ],
    }


def status(state_dir: Path) -> dict[str, Any]:
    """The running rehearsal as the load balancer stand-in judges it now."""
    from skylift.rehearse import _wiring

    return _wiring.status(state_dir)


def stop(state_dir: Path) -> list[str]:
    """Stop every container, the load balancer stand-in and the cache; remove the containers."""
    from skylift.rehearse import _wiring

    return _wiring.stop(state_dir)
