"""`skylift db cutover` and `skylift db rollback`: a journal of steps that resumes after kill -9.

Cutover: catch up; verify every table (before the freeze, the source read live); catch up
again with what the app wrote during that verification (minutes on a big database: applied
inside the freeze it made the freeze that long); freeze the source's writes (or run the user's --freeze-command); apply the last changes; verify what
changed since, and every table's row count; set the target's sequences past the highest key;
start capture on the target (a rollback then loses nothing); done. Rollback: freeze the target;
copy every change made on it since the cutover back into the source, converted back exactly;
verify those rows through `db migrate`'s reader; lift the source's freeze.

Each step is recorded in `skylift.sync_steps` (operation `cutover` or `rollback`) when it is
done, with what it measured: a rerun skips the finished steps, a caller polls `journal()`.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from skylift.db.report import Progress
from skylift.db.sync import back_sqlite, check, faults, state, target_capture
from skylift.db.sync import run as sync_run
from skylift.db.sync.changes import key_text
from skylift.db.translate import Translator
from skylift.errors import UsageError, VerificationFailed

CUTOVER = ["caught-up", "verified-before", "caught-up-again", "frozen", "applied", "verified",
           "sequences", "target-capture"]  # fmt: skip
ROLLBACK = ["target-frozen", "copied-back", "verified", "source-unfrozen"]


@dataclass
class Outcome:
    """What a cutover or rollback did: its steps, the freeze window, the checks."""

    operation: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    frozen_seconds: float | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    recopied: list[str] = field(default_factory=list)  # tables copied again inside the freeze
    changes: int = 0

    @property
    def ok(self) -> bool:
        return all(c["ok"] for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "ok": self.ok,
            "frozen_seconds": self.frozen_seconds,
            "changes": self.changes,
            "steps": self.steps,
            "verification": self.checks,
            "recopied": self.recopied,
        }


class _Journal:
    def __init__(self, conn: psycopg.Connection[Any], operation: str, progress: Progress) -> None:
        self.conn, self.operation, self.progress = conn, operation, progress

    def run(self, step: str, label: str, func: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        done = state.step_done(self.conn, self.operation, step)
        if done is not None:
            return done
        self.progress.phase(label)
        state.step_begin(self.conn, self.operation, step)
        detail = func()
        faults.point(f"{self.operation}:{step}")
        state.step_end(self.conn, self.operation, step, detail)
        return detail


def journal(target_url: str, operation: str = "cutover") -> list[dict[str, Any]]:
    """The steps of the last cutover (or rollback) with their times and details."""
    with psycopg.connect(target_url, autocommit=True) as conn:
        return state.steps(conn, operation)


def _freeze_source(session: sync_run.Session, command: str | None) -> dict[str, Any]:
    started = time.time()
    if command:
        result = subprocess.run(shlex.split(command), capture_output=True, text=True)
        if result.returncode != 0:
            raise UsageError(
                f"the freeze command failed (exit {result.returncode}): {command}",
                (result.stderr or result.stdout).strip()[-500:],
                "fix it (it must stop the app's writes), then rerun",
            )
        return {"frozen_at": started, "by": "command", "command": command}
    engine = session.source.engine
    if engine == "sqlite":
        from skylift.db.sync import sqlite

        sqlite.freeze(Path(session.source.path), session.schema)  # type: ignore[attr-defined]
        return {"frozen_at": started, "by": "sqlite triggers"}
    from skylift.db.sync import freeze

    return {"frozen_at": started, **freeze.freeze_source(session)}


def cutover(source_url: str, target_url: str | None = None, *,
            options: sync_run.Options | None = None, freeze_command: str | None = None,
            progress: Progress | None = None) -> Outcome:  # fmt: skip
    """Move the writes to the target; the source stays frozen until `unfreeze` or rollback."""
    options = options or sync_run.Options()
    progress = progress or Progress()
    session = sync_run.open_session(source_url, target_url, options, progress, purpose="cutover")
    outcome = Outcome("cutover")
    try:
        steps = _Journal(session.conn, "cutover", progress)
        steps.run("caught-up", "catching up with the source", lambda: _catch_up(session))
        before = steps.run("verified-before", "verifying every table (the source is still live)",
                           lambda: _verify_before(session))  # fmt: skip
        steps.run("caught-up-again", "catching up with what was written while verifying",
                  lambda: _settle(session))  # fmt: skip
        frozen = steps.run("frozen", "freezing the source's writes",
                           lambda: _freeze_source(session, freeze_command))  # fmt: skip
        steps.run("applied", "applying the last changes", lambda: _apply_last(session))
        checked = steps.run("verified", "verifying what changed since, and every row count",
                            lambda: _verify_after(session, set(before.get("differed", []))))  # fmt: skip
        steps.run("sequences", "setting the target's sequences past the highest keys",
                  lambda: _sequences(session))  # fmt: skip
        steps.run("target-capture", "starting capture on the target (for a rollback)",
                  lambda: _capture_target(session))  # fmt: skip
        state.set_phase(session.conn, "cut-over")
        _release(session, progress)
        outcome.checks = checked["checks"]
        outcome.recopied = checked.get("recopied", []) + [
            f"{name} (before the freeze)" for name in before.get("recopied", [])
        ]
        outcome.changes = session.status.applied
        outcome.frozen_seconds = round(_done_at(session.conn, "cutover") - frozen["frozen_at"], 3)
        outcome.steps = state.steps(session.conn, "cutover")
    finally:
        session.close()
    return outcome


def _release(session: sync_run.Session, progress: Progress) -> None:
    """A logical replication slot keeps the source's WAL until it is dropped: the target now
    holds everything, and the way back (rollback) does not read it."""
    release = getattr(session.capture, "release", None)
    if release is not None:
        progress.phase("dropping the source's replication slot and publication")
        release()


def _done_at(conn: psycopg.Connection[Any], operation: str) -> float:
    row = conn.execute(
        "SELECT extract(epoch FROM max(done_at)) FROM skylift.sync_steps WHERE operation = %s",
        (operation,),
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else time.time()


def _catch_up(session: sync_run.Session) -> dict[str, Any]:
    sync_run.follow(session, once=True)
    return {"applied": session.status.applied, "position": session.status.position}


SETTLED = 1.0  # seconds: a pre-freeze batch this short leaves about a second to the freeze
SETTLE_ROUNDS = 8


def _settle(session: sync_run.Session) -> dict[str, Any]:
    """Apply what the app wrote while every table was read (a minute of writes on a big
    database), then again what it wrote meanwhile, until a batch takes under a second: the
    freeze then applies about a second of writes. Each batch's touched keys are verified in
    the snapshot it was applied from (exact while the app writes) and, equal, forgotten — so
    the verification inside the freeze reads only the keys of that last second, not every key
    written since the full comparison."""
    rounds: list[dict[str, Any]] = []
    for _round in range(SETTLE_ROUNDS):
        started = time.monotonic()
        polled = session.capture.poll(session.position())
        if polled is None:
            break
        batch, snap = polled
        try:
            session.applier.apply(batch, snap)
            touched = state.touched(session.conn)
            checks = check.check_keys(session.applier, snap, session.capture, touched, set(),
                                      count=False)  # fmt: skip
        finally:
            snap.close()
        same = all(c.ok for c in checks)
        if same:  # else the keys stay touched: the freeze compares them again
            with session.conn.transaction():
                state.verified(session.conn)
        took = round(time.monotonic() - started, 2)
        rounds.append({"changes": batch.changes, "seconds": took, "verified": same})
        session.status.applied += batch.changes
        if took < SETTLED:
            break
    return {"applied": session.status.applied, "position": session.position(), "rounds": rounds}


def _apply_last(session: sync_run.Session) -> dict[str, Any]:
    """Inside the freeze: the last changes, batch after batch until there are none (one,
    usually: the source is frozen), without measuring the lag in between (reading the whole
    log again to count what is left took a second or two of the freeze on MariaDB)."""
    for _round in range(10):  # a --freeze-command that does not stop every writer: not forever
        if sync_run.step(session) == 0:
            break
    return {"applied": session.status.applied, "position": session.position()}


def _verify_before(session: sync_run.Session) -> dict[str, Any]:
    """Every table compared whole while the app still writes — in one snapshot of the source:
    the last batch is applied from it and the tables are read from it, so the target must
    equal it exactly (a source read live would always differ on the tables being written).
    With nothing to apply, the live source is read; a write slipping in then makes a table
    differ, and it is compared again (twice at most). A table that differs from the snapshot
    it was compared in is copied again whole from that snapshot — here, outside the freeze —
    and reported; one that still differs is compared whole again inside the freeze. The
    touched keys start from here."""
    everything = {t.qualified for t in session.schema.tables}
    differed: set[str] = everything
    rounds: list[dict[str, Any]] = []  # what each comparison found (where a window goes)
    recopied: set[str] = set()
    for _round in range(3):
        polled = session.capture.poll(session.position())
        if polled is not None:
            batch, snap = polled
            session.applier.apply(batch, snap)
        else:
            snap = session.capture.snapshot()  # type: ignore[attr-defined]
        try:
            checks = check.check_keys(session.applier, snap, session.capture, {}, differed,
                                      count=False)  # fmt: skip
            bad = [c for c in checks if not c.ok]
            if bad:  # copied again whole from this very snapshot: outside the freeze
                copied = {c.table for c in bad}
                session.applier.apply(_whole(session, copied), snap)
                again = check.check_keys(session.applier, snap, session.capture, {}, copied,
                                         count=False)  # fmt: skip
                recopied |= copied - {c.table for c in again if not c.ok}
                checks = [c for c in checks if c.ok] + again
        finally:
            snap.close()
        differed = {c.table for c in checks if not c.ok}
        rounds.append({"applied": polled is not None,
                       "differed": [c.as_dict() for c in bad]})  # fmt: skip
        if not differed:
            break
    with session.conn.transaction():
        state.verified(session.conn)
    return {"differed": sorted(differed), "rounds": rounds, "recopied": sorted(recopied)}


def _whole(session: sync_run.Session, names: set[str]) -> Any:
    """A batch that copies these tables again whole, at the position the target is at."""
    from skylift.db.sync.changes import Batch

    batch = Batch({}, session.position(), 0)
    for name in names:
        batch.table(name).whole = True
    return batch


def _verify_after(session: sync_run.Session, differed: set[str]) -> dict[str, Any]:
    touched = state.touched(session.conn)
    checks = _check(session, touched, differed)
    bad = [c for c in checks if not c.ok]
    recopied: list[str] = []
    if bad:
        # The source is frozen: copying the differing tables' changed keys again from it is
        # exact. It is reported (a capture that missed a change is a bug to know about), and
        # verified again; only a second difference stops the cutover.
        recopied = sorted(c.table for c in bad)
        _recopy(session, {name: touched.get(name, []) for name in recopied}, differed)
        checks = _check(session, touched, differed)
        bad = [c for c in checks if not c.ok]
    if bad:
        # rows no captured change named (a count still differs): those tables whole, from the
        # frozen source, so that a rerun can never stay stuck on the same difference
        whole = {c.table for c in bad}
        differed = differed | whole
        _recopy(session, {name: [] for name in whole}, differed)
        checks = _check(session, touched, differed)
        bad = [c for c in checks if not c.ok]
    if bad:
        raise VerificationFailed(
            f"after the freeze, {', '.join(c.table for c in bad)} differ between source and target",
            json.dumps([c.as_dict() for c in bad], default=str)[:800],
            "the source stays frozen; rerun `skylift db cutover` (it resumes), and report it with"
            " --traceback if it persists; `skylift db cutover --unfreeze` lets the app write again",
        )
    with session.conn.transaction():
        state.verified(session.conn)
    return {"checks": [c.as_dict() for c in checks], "recopied": recopied}


def _check(session: sync_run.Session, touched: dict[str, list[str]],
           differed: set[str]) -> list[check.KeyCheck]:  # fmt: skip
    snap = session.capture.snapshot()  # type: ignore[attr-defined]
    try:
        return check.check_keys(session.applier, snap, session.capture, touched, differed)
    finally:
        snap.close()


def _recopy(session: sync_run.Session, keys: dict[str, list[str]], differed: set[str]) -> None:
    """One batch that copies these keys (a table without any: whole) from the frozen source."""
    from skylift.db.sync.apply import WHOLE
    from skylift.db.sync.changes import Batch

    snap = session.capture.snapshot()  # type: ignore[attr-defined]
    try:
        batch = Batch({}, session.position(), 0)
        for name, table_keys in keys.items():
            meta = session.applier.tables[name]
            if not table_keys or WHOLE in table_keys or name in differed:
                batch.table(name).whole = True
            else:
                batch.tables[name] = session.capture.changes_for_keys(  # type: ignore[attr-defined]
                    snap, meta.table, set(table_keys)
                )
        session.applier.apply(batch, snap)
    finally:
        snap.close()


def _sequences(session: sync_run.Session) -> dict[str, Any]:
    """Every identity past the highest key and past the source's own counter (SQLite's
    sqlite_sequence, MySQL's AUTO_INCREMENT, PostgreSQL's sequences), read now, frozen."""
    fresh = None
    if session.source.engine == "postgresql":  # the sequences' values now, read afresh
        session.source._schema = None  # type: ignore[attr-defined]
        fresh = session.source.read_schema()
    counters = _source_counters(session)
    tr = Translator(session.schema, session.options.identifiers)
    done = []
    with session.conn.transaction():
        for table in session.schema.tables:
            for col in table.columns:
                if col.identity:
                    col.extra["sequence_start"] = counters.get(
                        table.name, col.extra.get("sequence_start")
                    )
            for step in tr.identity(table):
                session.conn.execute(step.sql)
                done.append(step.object)
        if fresh is not None:
            for sql in getattr(fresh, "post_sql", []):
                if sql.lstrip().upper().startswith("SELECT SETVAL"):
                    session.conn.execute(sql)
    return {"identities": done}


def _source_counters(session: sync_run.Session) -> dict[str, int]:
    if session.source.engine == "sqlite":
        return dict(session.source._sequences())  # type: ignore[attr-defined]
    from skylift.db.sync import freeze

    return freeze.counters(session)


def _capture_target(session: sync_run.Session) -> dict[str, Any]:
    target_capture.install(session.conn, session.schema, session.options.identifiers)
    row = session.conn.execute("SELECT coalesce(max(id), 0) FROM skylift.changes").fetchone()
    return {"from": int(row[0]) if row else 0}


def unfreeze(source_url: str, target_url: str | None = None, *,
             options: sync_run.Options | None = None) -> bool:  # fmt: skip
    """Let the app write to the source again (the cutover's freeze lifted by hand)."""
    options = options or sync_run.Options()
    source = sync_run.open_source(source_url, sync_run._source_options(options, target_url))
    try:
        if source.engine == "sqlite":
            from skylift.db.sync import sqlite

            return sqlite.unfreeze(Path(source.path))  # type: ignore[attr-defined]
        from skylift.db.sync import freeze

        return freeze.unfreeze_source(source)
    finally:
        source.close()


# -- rollback ---------------------------------------------------------------------------------
def rollback(source_url: str, target_url: str | None = None, *,
             options: sync_run.Options | None = None,
             progress: Progress | None = None) -> Outcome:  # fmt: skip
    """Bring every write made on the target since the cutover back into the source."""
    options = options or sync_run.Options()
    progress = progress or Progress()
    session = sync_run.open_session(source_url, target_url, options, progress, purpose="rollback")
    outcome = Outcome("rollback")
    try:
        steps = _Journal(session.conn, "rollback", progress)
        frozen = steps.run(
            "target-frozen", "freezing the target's writes", lambda: _freeze_target(session)
        )
        moved = steps.run("copied-back", "copying the target's writes back into the source",
                          lambda: _copy_back(session))  # fmt: skip
        checked = steps.run("verified", "verifying the rows copied back",
                            lambda: _verify_back(session, moved))  # fmt: skip
        steps.run("source-unfrozen", "letting the app write to the source again",
                  lambda: {"unfrozen": _unfreeze_source(session)})  # fmt: skip
        state.set_phase(session.conn, "rolled-back")
        outcome.checks = checked["checks"]
        outcome.changes = int(moved.get("changes", 0))
        outcome.frozen_seconds = round(_done_at(session.conn, "rollback") - frozen["frozen_at"], 3)
        outcome.steps = state.steps(session.conn, "rollback")
    finally:
        session.close()
    return outcome


def _freeze_target(session: sync_run.Session) -> dict[str, Any]:
    started = time.time()
    own = [session.applier.conn.info.backend_pid]
    ended = target_capture.freeze(session.conn, session.schema, session.options.identifiers, own)
    return {"frozen_at": started, "sessions_ended": ended}


def _target_changes(session: sync_run.Session) -> tuple[dict[str, set[str]], set[str], int, int]:
    """Keys the app changed on the target since the cutover, per table; tables truncated."""
    start = int((state.step_done(session.conn, "cutover", "target-capture") or {}).get("from", 0))
    keys: dict[str, set[str]] = {}
    whole: set[str] = set()
    last, count = start, 0
    for cid, table, op, old, new in target_capture.changes(session.conn, start):
        last, count = cid, count + 1
        if op == "T":
            whole.add(table)
        for key in (old, new):
            if key is not None:
                keys.setdefault(table, set()).add(key_text(json.loads(key)))
    return keys, whole, last, count


def _copy_back(session: sync_run.Session) -> dict[str, Any]:
    keys, whole, last, count = _target_changes(session)
    names = [n for n in session.applier.order if n in keys or n in whole]
    plan = []
    for name in names:
        meta = session.applier.tables[name]
        entire = name in whole or not meta.keyed
        where = "" if entire else meta.where(keys.get(name, set()))
        cols = ", ".join(f"{session.applier.tr.n(c.name)}::text" for c in meta.table.columns)
        rows = session.conn.execute(f"SELECT {cols} FROM {meta.name}{where}").fetchall()
        plan.append((meta.table, sorted(keys.get(name, set())), rows, entire))
    if session.source.engine == "sqlite":
        path = Path(session.source.path)  # type: ignore[attr-defined]
        back_sqlite.write_back(path, plan, ("rollback_applied", str(last)))
    else:
        from skylift.db.sync import freeze

        freeze.write_back(session, plan, last)
    touched = {t.qualified: k for t, k, _r, entire in plan if not entire}
    return {"changes": count, "last": last, "keys": touched,
            "whole": sorted(t.qualified for t, _k, _r, entire in plan if entire)}  # fmt: skip


def _verify_back(session: sync_run.Session, moved: dict[str, Any]) -> dict[str, Any]:
    touched = {name: list(keys) for name, keys in moved.get("keys", {}).items()}
    snap = session.capture.snapshot()  # type: ignore[attr-defined]
    try:
        checks = check.check_keys(session.applier, snap, session.capture, touched,
                                  set(moved.get("whole", [])))  # fmt: skip
    finally:
        snap.close()
    bad = [c for c in checks if not c.ok]
    if bad:
        raise VerificationFailed(
            f"after the copy back, {', '.join(c.table for c in bad)} differ between source and target",
            json.dumps([c.as_dict() for c in bad], default=str)[:800],
            "both stay frozen; rerun `skylift db rollback` (it resumes), and report it with --traceback",
        )
    return {"checks": [c.as_dict() for c in checks]}


def _unfreeze_source(session: sync_run.Session) -> bool:
    if session.source.engine == "sqlite":
        from skylift.db.sync import sqlite

        return sqlite.unfreeze(Path(session.source.path))  # type: ignore[attr-defined]
    from skylift.db.sync import freeze

    return freeze.unfreeze_source(session.source)
