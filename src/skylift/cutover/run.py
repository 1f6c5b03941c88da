"""`skylift cutover` and `skylift rollback`: the whole move as a journal of steps.

Cutover: `preflight-health` (the new stack answers) -> `dns-ttl` (the domain's TTL lowered, in
Route 53 by skylift itself, elsewhere by the user) -> `preflight` (the old TTL has run out since,
the sync lag is under the threshold, no gate alarm firing) -> `database` (`db cutover`: freeze,
last changes, verify, capture on the target) -> `forwarder` (the old host sends its requests
to the design's front: one database takes writes) -> `weighted` -> `traffic-10`, `traffic-50`,
`traffic-100` (each checked through the front first, then held for the soak time, gated on the
alarms; an alarm in ALARM puts the traffic back at the step before and stops) -> `finished`.
The front is what the design serves traffic from (front.py): the load balancer, CloudFront,
or the API Gateway custom domain of a Lambda app.

Rollback, in the same journal: `traffic-back` (weights 100/0 for the old host) ->
`database-back` (`db rollback`: every write made on AWS copied back) -> `forwarder-undo` ->
`finished`. Each step is recorded when done (journal.py); a rerun after kill -9 skips those.
The checks of the first three steps are in preflight.py.
"""

from __future__ import annotations

import contextlib
import shlex
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from skylift.cutover import alarms, dns, forward, preflight
from skylift.cutover import front as front_mod
from skylift.cutover.journal import Journal
from skylift.cutover.setup import Setup
from skylift.db.report import Progress
from skylift.db.sync import faults
from skylift.errors import InfraError, UsageError

Say = Callable[[str], None]


@dataclass
class Options:
    steps: list[int] = field(default_factory=lambda: [10, 50, 100])
    single: bool = False  # one switch: 0 -> 100
    soak: float = 300.0  # seconds each traffic step is held, alarms read throughout
    poll: float = 5.0  # seconds between two reads of the alarms
    max_lag: float = 5.0  # seconds a running `db sync` may be behind at the preflight
    ttl_wait: float = 300.0  # wait this long at most for the old TTL to run out; else stop
    freeze_command: str | None = None  # `db cutover --freeze-command`
    forward_command: str | None = None  # puts the forwarder in place on the old host
    unforward_command: str | None = None  # takes it out again (rollback)
    prepare: bool = False  # only lower the TTL (a day before, for a long TTL)

    def percents(self) -> list[int]:
        if self.single:
            return [100]
        steps = sorted({int(s) for s in self.steps})
        if not steps or steps[0] <= 0 or steps[-1] != 100 or any(s > 100 for s in steps):
            raise UsageError(f"--steps {','.join(map(str, self.steps))}",
                             "steps are percentages between 1 and 100, ending at 100",
                             "e.g. --steps 10,50,100, or --single")  # fmt: skip
        return steps


@dataclass
class Result:
    operation: str
    finished: bool
    steps: list[dict[str, Any]]
    traffic: dict[str, int] | None = None  # {"aws": %, "old": %}
    frozen_seconds: float | None = None
    forwarder: dict[str, Any] | None = None
    dns_steps: list[str] = field(default_factory=list)  # DNS outside Route 53: what to set
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Steps:
    def __init__(self, journal: Journal, operation: str, say: Say) -> None:
        self.journal, self.operation, self.say = journal, operation, say

    def run(self, step: str, label: str, func: Callable[[], dict[str, Any]], *,
            again: bool = False) -> dict[str, Any]:  # fmt: skip
        """The step once (a rerun skips it when done), or `again` on every run: a check whose
        answer of yesterday says nothing about now (the journal keeps its first record, so
        each step is done once in it)."""
        done = self.journal.done(self.operation, step)
        if done is not None and again:
            self.say(label)
            return func()
        if done is not None:
            return done
        self.say(label)
        self.journal.record(self.operation, step, "started")
        detail = func()
        faults.point(f"app-{self.operation}:{step}")
        self.journal.record(self.operation, step, "done", **detail)
        return detail


def cutover(setup: Setup, options: Options | None = None, *, say: Say | None = None,
            progress: Progress | None = None) -> Result:  # fmt: skip
    """Move the app: preflight, database, forwarder, traffic; resumes where it stopped."""
    journal = Journal.at(setup.root, setup.target, setup.environment)
    with journal.lock(), _aws_errors(setup):
        return _cutover(setup, journal, options or Options(), say or (lambda _m: None), progress)


@contextlib.contextmanager
def _aws_errors(setup: Setup) -> Iterator[None]:
    """A refused or failed AWS call is one message (what was asked, AWS's answer), never a
    traceback; the journal keeps what was done before it."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise InfraError(
            f"an AWS call failed on the {setup.target} target",
            str(exc)[:400],
            "check the credentials and their permissions (Route 53, CloudWatch, Elastic Load "
            "Balancing), then rerun: finished steps are not done again",
        ) from None


def _cutover(setup: Setup, journal: Journal, options: Options, say: Say,
             progress: Progress | None) -> Result:  # fmt: skip
    percents = options.percents()
    if journal.finished("rollback"):
        journal.new_run()
    steps = _Steps(journal, "cutover", say)
    r53 = setup.client("route53") if setup.zone_id else None
    notes: list[str] = list(setup.front_notes)
    moved = journal.done("cutover", "database") is not None
    steps.run("preflight-health", "checking the new stack's health",
              lambda: preflight.health(setup), again=not moved)  # fmt: skip
    ttl = steps.run("dns-ttl", "lowering the DNS TTL", lambda: preflight.lower_ttl(setup, r53))
    for i, line in enumerate(ttl.get("manual") or [], 1):
        say(f"DNS {i}. {line}")
    if options.prepare:
        return _result(journal, "cutover", setup, ttl=ttl, notes=[preflight.ttl_note(ttl)])
    pre = steps.run("preflight", "preflight: TTL, sync lag, alarms",
                    lambda: preflight.preflight(setup, options, ttl, say))  # fmt: skip
    notes += pre.get("notes", [])
    steps.run("database", "moving the database (db cutover)",
              lambda: _database(setup, options, progress))  # fmt: skip
    steps.run("forwarder", "the old host forwards to AWS",
              lambda: _forwarder(setup, options, say))  # fmt: skip
    if r53 is not None and setup.domain:
        _stepped(setup, options, steps, r53, ttl, percents, say)
    elif setup.domain:
        steps.run("dns-switch", "checking the DNS switch", lambda: _manual_switch(setup, ttl))
    else:
        steps.run("traffic", "no domain to switch", lambda: _no_domain(setup))
    steps.run("finished", "cutover finished", lambda: {})
    return _result(journal, "cutover", setup, ttl=ttl, notes=notes)


# -- database and forwarder -------------------------------------------------------------------
def _db_options(setup: Setup) -> Any:
    from skylift.db.sync import run as db_run

    return db_run.Options(workdir=setup.db_workdir)


def _database(setup: Setup, options: Options, progress: Progress | None) -> dict[str, Any]:
    if not setup.database:
        return {"skipped": "the app has no database"}
    _need_urls(setup)
    assert setup.source_url and setup.target_url
    from skylift.db.sync import cutover as db_cutover
    from skylift.db.urls import mask

    done_back = [s["step"] for s in _db_journal(setup.target_url, "rollback")]
    if "source-unfrozen" in done_back:
        raise UsageError("this database was already cut over and rolled back",
                         "a second cutover needs a new sync from the source",
                         "`skylift db sync --remove SOURCE TARGET`, `skylift db migrate "
                         "--restart SOURCE TARGET`, then rerun")  # fmt: skip
    moved = db_cutover.cutover(setup.source_url, setup.target_url, options=_db_options(setup),
                               freeze_command=options.freeze_command, progress=progress)  # fmt: skip
    return {"source": mask(setup.source_url), "target": mask(setup.target_url),
            "frozen_seconds": moved.frozen_seconds, "changes": moved.changes, "ok": moved.ok,
            "recopied": moved.recopied, "tables": len(moved.checks)}  # fmt: skip


def _need_urls(setup: Setup) -> None:
    """Never switch the traffic of an app whose database did not move."""
    if not setup.source_url:
        raise UsageError("the old database was not found",
                         "the plan names no SQLite file or dump skylift can read",
                         "pass --source URL (the database the old host writes to)")  # fmt: skip
    if not setup.target_url:
        raise UsageError("the new database's URL is not known",
                         "RDS is private: skylift reaches it through your tunnel",
                         "open a tunnel to RDS and set SKYLIFT_TARGET_DATABASE_URL, then rerun")  # fmt: skip


def _db_journal(target_url: str, operation: str) -> list[dict[str, Any]]:
    from skylift.db.sync import cutover as db_cutover

    try:
        return db_cutover.journal(target_url, operation)
    except Exception:  # no skylift schema yet: nothing was done there
        return []


def _forwarder(setup: Setup, options: Options, say: Say) -> dict[str, Any]:
    fwd = choose_forwarder(setup)
    detail: dict[str, Any] = {"forwarder": fwd.as_dict()}
    say(f"forwarder on the old host: {fwd.kind} ({fwd.why})")
    for line in [] if options.forward_command else fwd.commands + fwd.notes:
        say(f"  on the old host: {line}")
    if options.forward_command:
        _run_command(options.forward_command, "the forward command")
        detail["ran"] = options.forward_command
    return detail


def choose_forwarder(setup: Setup) -> forward.Forwarder:
    """To the front, never around it: behind CloudFront the load balancer takes only
    CloudFront's addresses, and a Lambda app has no load balancer."""
    front = setup.front
    lb = front.dns_name if front else "LOAD_BALANCER_DNS"
    https = front.secure(setup.https) if front else setup.https
    return forward.choose(setup.root, host=setup.host, app=setup.app, port=setup.port,
                          domain=setup.domain, lb_dns=lb, https=https,
                          out_dir=setup.root / ".skylift" / "cutover",
                          front=front.label if front else "the load balancer")  # fmt: skip


def _run_command(command: str, what: str) -> None:
    done = subprocess.run(shlex.split(command), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise UsageError(f"{what} failed (exit {done.returncode}): {command}",
                         (done.stderr or done.stdout).strip()[-500:], "fix it, then rerun")  # fmt: skip


# -- traffic ----------------------------------------------------------------------------------
def _stepped(setup: Setup, options: Options, steps: _Steps, r53: Any, ttl: dict[str, Any],
             percents: list[int], say: Say) -> None:  # fmt: skip
    assert setup.zone_id and setup.domain and setup.front
    zone, lb = setup.zone_id, setup.front
    made = steps.run("weighted", "weighted DNS records: old host 100, AWS 0",
                     lambda: _weighted(setup, r53, ttl, steps.journal.run()))  # fmt: skip
    old, check, lb = made["old"], made.get("health_check"), _made_front(setup, made)
    before = 0
    cw = setup.client("cloudwatch")
    for pct in percents:

        def one(pct: int = pct, before: int = before) -> dict[str, Any]:
            hot, _ = alarms.firing(cw, setup.alarms)
            if hot:
                raise preflight.stopped(f"{hot[0].name} is in ALARM", hot[0].reason,
                               f"the traffic stays at {before}% on AWS; rerun when it is OK")  # fmt: skip
            preflight.through_front(
                setup, f"the traffic stays at {before}% on AWS; fix it, then rerun"
            )
            weights = dns.set_weights(r53, zone, old, lb, pct, check)
            say(f"{pct}% of the traffic on AWS; soaking {options.soak:.0f}s")
            fired = alarms.soak(cw, setup.alarms, options.soak, interval=options.poll, say=say)
            if fired:
                _step_back(setup, lb, steps.journal, r53, old, check, pct, before, fired)
            return {"weights": weights, "soaked": options.soak}

        steps.run(f"traffic-{pct}", f"sending {pct}% of the traffic to AWS", one)
        before = pct


def _weighted(setup: Setup, r53: Any, ttl: dict[str, Any], run: int) -> dict[str, Any]:
    assert setup.zone_id and setup.domain and setup.front
    old = dns.old_host(ttl.get("record"), setup.old_host, setup.domain)
    if not old:
        raise UsageError(f"cannot tell where {setup.domain} points today",
                         "its record in Route 53 is an alias, or missing",
                         "pass --old-host IP-or-name (the old host)")  # fmt: skip
    reference = f"skylift-{setup.app}-{setup.environment}-old-{run}-{old['values'][0]}"
    check = dns.health_check(r53, old, setup.health_path, reference)
    made = dns.make_weighted(r53, setup.zone_id, old, setup.front, check)
    front = {"kind": setup.front.kind, "dns_name": setup.front.dns_name,
             "zone_id": setup.front.zone_id}  # fmt: skip
    return {"old": old, "health_check": check, "front": front, **made}


def _step_back(setup: Setup, front: Any, journal: Journal, r53: Any, old: dict[str, Any],
               check: str | None, pct: int, before: int, fired: list[alarms.Firing]) -> None:  # fmt: skip
    assert setup.zone_id
    dns.set_weights(r53, setup.zone_id, old, front, before, check)
    names = ", ".join(f.name for f in fired)
    journal.record("cutover", f"traffic-{pct}", "stepped-back", to=before, alarms=names)
    raise preflight.stopped(
        f"{names} went into ALARM at {pct}% on AWS: the traffic is back at {before}%",
        fired[0].reason or "the alarm's metric crossed its threshold",
        f"find the cause ({front.label}'s 5xx and latency, the app's logs), then rerun "
        f"`skylift cutover` to retry the {pct}% step, or `skylift rollback` to go back",
    )


def _manual_switch(setup: Setup, ttl: dict[str, Any]) -> dict[str, Any]:
    assert setup.domain
    lb = setup.front.dns_name if setup.front else ""
    label = setup.front.label if setup.front else "the load balancer"
    if setup.target == "local" and not setup.old_host:
        # the embedded AWS's fronts have no public address: nothing can point at them
        return {"rehearsed": "the local target is not in public DNS: the switch is the steps "
                             "printed above, made for real with --target aws"}  # fmt: skip
    found = dns.check(setup.domain, lb, [setup.old_host] if setup.old_host else [])
    if found.on_aws:
        return {"check": found.as_dict()}
    raise preflight.stopped(f"{setup.domain} does not point at {label} yet",
                   f"its DNS is outside Route 53; it resolves to {found.addresses or 'nothing'}",
                   "; ".join(ttl.get("manual", [])[2:3]) + "; then rerun `skylift cutover` "
                   "(it checks and finishes)")  # fmt: skip


def _no_domain(setup: Setup) -> dict[str, Any]:
    front = setup.front
    where = (f"{'https' if front.secure(setup.https) else 'http'}://{front.dns_name}"
             if front else "the load balancer's name")  # fmt: skip
    return {"note": f"the app has no domain (app.domain in skylift.toml): it answers at "
                    f"{where}; point your users' name at it"}  # fmt: skip


def _result(journal: Journal, operation: str, setup: Setup, *, ttl: dict[str, Any] | None = None,
            notes: list[str] | None = None) -> Result:  # fmt: skip
    done = journal.steps(operation)
    traffic = None
    for entry in journal.steps("cutover") + journal.steps("rollback"):
        if "weights" in entry:
            traffic = entry["weights"]
    db = journal.done(operation, "database" if operation == "cutover" else "database-back")
    fwd = journal.done("cutover", "forwarder")
    return Result(
        operation, journal.finished(operation), done, traffic,
        (db or {}).get("frozen_seconds"), (fwd or {}).get("forwarder"),
        list((ttl or {}).get("manual", [])), list(notes or []),
    )  # fmt: skip


# -- rollback ---------------------------------------------------------------------------------
def rollback(setup: Setup, options: Options | None = None, *, say: Say | None = None,
             progress: Progress | None = None) -> Result:  # fmt: skip
    """Traffic back to the old host, every write made on AWS back into the old database."""
    journal = Journal.at(setup.root, setup.target, setup.environment)
    with journal.lock(), _aws_errors(setup):
        return _rollback(setup, journal, options or Options(), say or (lambda _m: None), progress)


def _rollback(setup: Setup, journal: Journal, options: Options, say: Say,
              progress: Progress | None) -> Result:  # fmt: skip
    if journal.done("cutover", "preflight-health") is None:
        raise UsageError("there is no cutover to roll back",
                         "`skylift cutover` has not started for this target and environment",
                         "")  # fmt: skip
    steps = _Steps(journal, "rollback", say)
    steps.run("traffic-back", "traffic back to the old host", lambda: _traffic_back(setup, journal))
    steps.run("database-back", "the database back (db rollback)",
              lambda: _database_back(setup, journal, progress))  # fmt: skip
    steps.run("forwarder-undo", "the old host serves the app again",
              lambda: _unforward(options))  # fmt: skip
    steps.run("finished", "rollback finished", lambda: {})
    result = _result(journal, "rollback", setup)
    fwd = journal.done("cutover", "forwarder")
    if fwd and not options.unforward_command:
        result.notes += (fwd.get("forwarder") or {}).get("undo", [])
    return result


def _traffic_back(setup: Setup, journal: Journal) -> dict[str, Any]:
    made = journal.done("cutover", "weighted")
    if made and setup.zone_id and setup.front:
        r53 = setup.client("route53")
        weights = dns.set_weights(r53, setup.zone_id, made["old"], _made_front(setup, made), 0,
                                  made.get("health_check"))  # fmt: skip
        return {"weights": weights}
    if setup.domain and journal.done("cutover", "dns-switch") is not None:
        return {"manual": f"point {setup.domain} back at the old host where its DNS is "
                          f"(TTL {dns.LOW_TTL} s)"}  # fmt: skip
    return {"note": "the traffic had not moved"}


def _made_front(setup: Setup, made: dict[str, Any]) -> Any:
    """The front the weighted records were made with (UPSERT must name the same alias)."""
    assert setup.front
    was = made.get("front")  # a journal of before the fronts: the load balancer
    if not was:
        return setup.front
    return front_mod.Front(was["dns_name"], was["zone_id"], was["kind"], setup.front.health_path)


def _database_back(setup: Setup, journal: Journal, progress: Progress | None) -> dict[str, Any]:
    if not setup.database or (journal.done("cutover", "database") is None and not (
        setup.target_url and _db_journal(setup.target_url, "cutover"))):  # fmt: skip
        return {"skipped": "the database had not moved"}
    _need_urls(setup)
    assert setup.source_url and setup.target_url
    from skylift.db.sync import cutover as db_cutover

    back = db_cutover.rollback(setup.source_url, setup.target_url, options=_db_options(setup),
                               progress=progress)  # fmt: skip
    return {"frozen_seconds": back.frozen_seconds, "changes": back.changes, "ok": back.ok}


def _unforward(options: Options) -> dict[str, Any]:
    if options.unforward_command:
        _run_command(options.unforward_command, "the unforward command")
        return {"ran": options.unforward_command}
    return {}
