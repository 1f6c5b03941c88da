"""The checks before `skylift cutover` moves anything (run.py's first three steps): the new
stack's health — the load balancer's targets, a rehearsal's web service, the health path
through the design's front — the DNS TTL lowered and waited for, the sync lag, the alarms."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.cutover import alarms, dns
from skylift.cutover import front as front_mod
from skylift.cutover.setup import Setup
from skylift.errors import CutoverStopped, UsageError

if TYPE_CHECKING:
    from skylift.cutover.run import Options

Say = Callable[[str], None]


def health(setup: Setup) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if setup.health_url:
        try:
            with urllib.request.urlopen(setup.health_url, timeout=10) as resp:
                out["health_url"] = {"url": setup.health_url, "status": resp.status}
        except OSError as exc:
            raise stopped(f"the new stack does not answer at {setup.health_url}", str(exc),
                           "start it (skylift up), then rerun") from None  # fmt: skip
    if setup.target_group:
        described = setup.client("elbv2").describe_target_health(
            TargetGroupArn=setup.target_group)["TargetHealthDescriptions"]  # fmt: skip
        states = [t["TargetHealth"]["State"] for t in described]
        out["targets"] = states
        if states and any(s != "healthy" for s in states):
            raise stopped(f"the load balancer's targets are not all healthy: {states}",
                           "a task fails the health check", "read the service's logs, rerun")  # fmt: skip
        if not states and setup.target != "local":
            raise stopped("no task is registered with the load balancer",
                           "the service has not started (or not deployed) a task",
                           "deploy the app (push to main), wait for the service, rerun")  # fmt: skip
        if not states and setup.app_state is None:
            out["note"] = (
                "the embedded AWS runs no tasks and the app was not rehearsed: target health not checked"
            )
    if setup.app_state is not None:
        out["rehearsal"] = _rehearsal_health(setup.app_state)
    out["front"] = through_front(setup, "start it (skylift up), then rerun")
    return out


def through_front(setup: Setup, fix: str) -> dict[str, Any]:
    return front_mod.check(setup.front, setup.domain, setup.https, local=setup.target == "local",
                           fix=fix)  # fmt: skip


def _rehearsal_health(state_dir: Path) -> dict[str, Any]:
    """The rehearsal's web service as its load balancer stand-in judges it now (`skylift
    status`): on the local target these are the targets of the load balancer."""
    from skylift.rehearse import status

    st = status(state_dir)
    web = next((s for s in st["services"] if s["kind"] == "web"), None)
    if not st["healthy"]:
        state = web["state"] if web else "not running"
        raise stopped(f"the rehearsed app is not healthy behind the load balancer stand-in (web service {state})",
                       "a cutover moves the data and the traffic to a stack that does not answer",
                       "see `skylift status` for its log, fix it, run `skylift up`, then rerun")  # fmt: skip
    return {"healthy": True, "url": st["url"], "health_path": st["health_path"]}


def lower_ttl(setup: Setup, r53: Any) -> dict[str, Any]:
    if r53 is None or setup.zone_id is None or not setup.domain:
        lb = setup.front.dns_name if setup.front else "the load balancer"
        label = setup.front.label if setup.front else "the load balancer"
        manual = (
            [] if not setup.domain
            else dns.delegation_steps(setup.domain, label) if setup.delegate
            else dns.manual_steps(setup.domain, lb, None, label)
        )  # fmt: skip
        return {"route53": False, "lowered_at": time.time(), "old_ttl": 0, "manual": manual}
    found = dns.lower_ttl(r53, setup.zone_id, setup.domain)
    if found.get("missing") and not setup.old_host:
        raise UsageError(f"{setup.domain} has no A or CNAME record in zone {setup.zone_id}",
                         "skylift switches the record that points at the old host today",
                         "pass --old-host IP-or-name (what the domain should answer now)")  # fmt: skip
    return {"route53": True, **found}


def ttl_note(ttl: dict[str, Any]) -> str:
    if not ttl.get("route53"):
        return "the domain's DNS is outside Route 53: set its TTL to 60 s yourself (see above)"
    ready = float(ttl["lowered_at"]) + int(ttl["old_ttl"])
    at = time.strftime("%H:%M UTC", time.gmtime(ready))
    return f"TTL lowered from {ttl['old_ttl']} s: run `skylift cutover` after {at}"


def preflight(setup: Setup, options: Options, ttl: dict[str, Any], say: Say) -> dict[str, Any]:
    notes: list[str] = []
    left = float(ttl["lowered_at"]) + int(ttl["old_ttl"]) - time.time()
    if left > options.ttl_wait:
        raise stopped(f"the DNS TTL was lowered less than one old TTL ago ({ttl['old_ttl']} s)",
                       "resolvers may still hold the old record with its long TTL, and would "
                       "miss the stepped switch", ttl_note(ttl) + " (it goes on from there)")  # fmt: skip
    if left > 0:
        say(f"waiting {left:.0f}s for the old TTL to run out")
        time.sleep(left)
    lag = _lag(setup, options)
    if lag.get("note"):
        notes.append(lag["note"])
    hot, missing = alarms.firing(setup.client("cloudwatch"), setup.alarms)
    if hot:
        raise stopped(f"{hot[0].name} is in ALARM before the cutover", hot[0].reason,
                       "find the cause on the new stack first, then rerun")  # fmt: skip
    if missing:
        notes.append(f"alarm(s) not found, not gating the traffic steps: {', '.join(missing)}")
    return {"lag": lag, "alarms": setup.alarms, "missing_alarms": missing, "notes": notes}


def _lag(setup: Setup, options: Options) -> dict[str, Any]:
    if not setup.target_url:
        return {}
    from skylift.db.sync import status

    found = status.read(setup.db_workdir, setup.target_url)
    if not found or not found.get("alive"):
        return {"note": "no `db sync` is running: the database step catches up by itself, "
                        "inside a longer freeze"}  # fmt: skip
    lag = float(found.get("lag_seconds") or 0)
    if found.get("state") == "failed" or lag > options.max_lag:
        raise stopped(f"the database sync is {lag:.1f}s behind (state {found.get('state')})",
                       f"the threshold is {options.max_lag}s: the freeze would last that long",
                       "wait for `skylift db sync` to catch up (--status), then rerun")  # fmt: skip
    return {"lag_seconds": lag, "lag_changes": found.get("lag_changes", 0)}


def stopped(what: str, why: str, fix: str) -> CutoverStopped:
    return CutoverStopped(what, why, fix)
