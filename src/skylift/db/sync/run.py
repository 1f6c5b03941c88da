"""`skylift db sync` as a library call: migrate when needed, then follow the source's changes.

The order is what makes it lossless. On a first run the capture is installed *before* the
migration's snapshot and recorded in the target, so the snapshot says which changes it holds
and the sync starts right after them. A target migrated earlier, without capture, is first
reconciled: capture starts, every table is compared, and those that differ are copied again
whole in the first batch (changes after the capture started are in the stream anyway). From
then on each batch is one target transaction that moves the position (sync/state.py).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from skylift.db import journal, verify
from skylift.db._ddl import connect
from skylift.db._pool import default_jobs
from skylift.db.pipeline import embedded_target, migrate, open_source
from skylift.db.report import MigrationReport, Progress
from skylift.db.schema import Schema
from skylift.db.sources import Source
from skylift.db.sync import engines, faults, state, status, target_capture
from skylift.db.sync.apply import Applier, Stopped
from skylift.db.sync.changes import Capture
from skylift.db.translate import Policy
from skylift.db.urls import mask
from skylift.errors import (
    RowsRejected,
    SkyliftError,
    TargetError,
    UsageError,
    VerificationFailed,
)

PRUNE_EVERY = 5.0  # seconds between forgetting applied changes in the source
STATUS_EVERY = 1.0
ONCE_ROUNDS = 3  # batches a `once` catch-up applies at most


@dataclass
class Options:
    """`db migrate`'s options, which the sync commands take too."""

    workdir: Path = Path(".skylift")
    jobs: int | None = None
    types: dict[str, str] | None = None
    identifiers: Policy = "preserve"
    capture: str = "auto"  # auto | triggers | logical (PostgreSQL sources)


@dataclass
class Session:
    """An open sync: the source, its capture, the applier and the target's state row."""

    source: Source
    source_url: str
    target_url: str
    schema: Schema
    capture: Capture
    applier: Applier
    conn: psycopg.Connection[Any]  # holds the target's sync lock
    status: status.SyncStatus
    options: Options

    def position(self) -> dict[str, Any]:
        current = state.load(self.conn)
        assert current is not None
        return dict(current.position)

    def close(self) -> None:
        for closer in (self.capture.close, self.applier.close, self.source.close):
            with contextlib.suppress(Exception):  # after a failure: report it, not this
                closer()
        try:
            state.unlock(self.conn)
        finally:
            self.conn.close()
        status.drop_lease(self.options.workdir, self.target_url)


def open_session(source_url: str, target_url: str | None, options: Options, progress: Progress,
                 purpose: str = "sync") -> Session:  # fmt: skip
    """Everything `db sync`, `db cutover` and `db rollback` start from: the target migrated
    and caught up with the capture, the capture installed, this process holding the lock."""
    source = open_source(source_url, _source_options(options, target_url))
    if target_url is None:
        target_url = embedded_target(source, options.workdir)
    conn = connect(target_url)
    try:
        target_capture.writable(conn)  # a target a rollback froze: skylift's journal still moves
        _lock(conn, options, target_url, progress)
        found = state.load(conn)
        _check_purpose(found.phase if found else None, purpose)
        if found is not None and found.source != source.display_url:
            raise TargetError(
                "the target is synced from another source",
                f"its sync follows {found.source}",
                "use another target, or remove that sync first (skylift db sync --remove)",
            )
        run = journal.find_run(conn)
        if found is None or found.phase == "migrating":
            schema = _first_run(source, source_url, target_url, conn, options, progress, run)
        else:
            schema = engines.synced_schema(source, conn, options.identifiers, progress)
        capture = engines.capture_for(source, schema, conn, options.capture)
        found = state.load(conn)
        assert found is not None
        capture.expect_schema(found.schema_key or capture.schema_key())
        applier = Applier(target_url, schema, options.identifiers, _fingerprint(conn))
    except BaseException:
        state.unlock(conn)
        conn.close()
        source.close()
        raise
    report = status.SyncStatus(source.display_url, mask(target_url), capture.name,
                               capture_reason=getattr(capture, "reason", ""))  # fmt: skip
    status.take_lease(options.workdir, target_url)
    return Session(source, source_url, target_url, schema, capture, applier, conn, report, options)


def _chosen(capture: Capture) -> str:
    """The capture's name, and why it was chosen when there was a choice."""
    reason = getattr(capture, "reason", "")
    return f"{capture.name}: {reason}" if reason else capture.name


def _check_purpose(phase: str | None, purpose: str) -> None:
    """After a cutover the app writes to the target: syncing the old source over it again
    would undo those writes."""
    if purpose == "sync" and phase in ("cut-over", "rolled-back"):
        raise UsageError(
            f"this target was {'cut over' if phase == 'cut-over' else 'rolled back'}: the sync is over",
            "after `skylift db cutover` the app writes to the target; syncing the source over "
            "it again would undo those writes",
            "`skylift db rollback SOURCE TARGET` brings the target's writes back; to sync again "
            "from scratch, `skylift db sync --remove`, then `skylift db migrate --restart`",
        )
    if purpose == "rollback" and phase not in ("cut-over", "rolled-back"):
        raise UsageError(
            "there is no cutover to roll back",
            "`skylift db cutover` has not finished on this target",
            "`skylift db cutover --unfreeze SOURCE TARGET` lifts a freeze of the source",
        )


def _source_options(options: Options, target_url: str | None) -> dict[str, Any]:
    return {
        "types": options.types or {},
        "jobs": options.jobs or default_jobs(),
        "target_url": target_url,
        "identifiers": options.identifiers,
    }


def _lock(conn: psycopg.Connection[Any], options: Options, target_url: str,
          progress: Progress) -> None:  # fmt: skip
    if state.try_lock(conn):
        return
    pid = status.holder(options.workdir, target_url)
    if pid is None:
        raise TargetError(
            "another skylift sync is applying changes to this target",
            "its lock is held (pg_advisory_lock 'skylift-sync') by a process not on this "
            "machine or not under this --workdir",
            "stop that `skylift db sync`, then rerun",
        )
    progress.phase(f"taking over from the sync running as pid {pid}")
    status.ask_to_stop(options.workdir, target_url)
    deadline = time.monotonic() + 60
    while not state.try_lock(conn):
        if time.monotonic() > deadline:
            raise TargetError(
                f"the sync running as pid {pid} did not stop",
                "it was asked to (SIGTERM) a minute ago and still holds the target's lock",
                f"stop it (kill {pid}), then rerun",
            )
        time.sleep(0.1)


def _fingerprint(conn: psycopg.Connection[Any]) -> str:
    run = journal.find_run(conn)
    return str(run["fingerprint"]) if run else "sync"


def _first_run(source: Source, source_url: str, target_url: str, conn: psycopg.Connection[Any],
               options: Options, progress: Progress, run: dict[str, Any] | None) -> Schema:  # fmt: skip
    """Install the capture, then migrate; a target migrated (even partly) before the capture
    started is reconciled: its tables are compared and those that differ copied again."""
    found = state.load(conn)
    if found is None:
        progress.phase("reading the source schema")
        capture = engines.capture_for(source, source.read_schema(), conn, options.capture)
        progress.phase(f"installing change capture on the source ({_chosen(capture)})")
        start = capture.install()
        for note in getattr(capture, "notes", []):
            progress.phase(f"note: {note}")
        if run is None or run["source"] != source.display_url:
            phase = "migrating"  # the snapshot is taken after this: it holds all before `start`
        else:
            phase = "reconciling" if run["finished_at"] else "migrating+reconcile"
        state.start(conn, state.SyncState(source.display_url, capture.name, start, phase=phase,
                                          schema_key=capture.schema_key()))  # fmt: skip
        capture.close()
        found = state.load(conn)
        assert found is not None
        faults.point("installed")
    if found.phase.startswith("migrating"):
        _migrate(source_url, target_url, options, progress)
        faults.point("migrated")
    schema = engines.synced_schema(source, conn, options.identifiers, progress)
    capture = engines.capture_for(source, schema, conn, options.capture)
    whole: set[str] = set()
    if found.phase != "migrating":
        whole = _differing_tables(source, schema, target_url, options, progress)
    try:
        _first_batch(capture, schema, conn, target_url, options, found.position, whole)
    finally:
        capture.close()
    return schema


def _migrate(source_url: str, target_url: str, options: Options,
             progress: Progress) -> MigrationReport:  # fmt: skip
    report = migrate(source_url, target_url, jobs=options.jobs, types=options.types,
                     identifiers=options.identifiers, workdir=options.workdir,
                     progress=progress, captured=True)  # fmt: skip
    if not report.verified:
        bad = [v["table"] for v in report.verification if not v["ok"]]
        raise VerificationFailed(
            f"the migration did not verify: {', '.join(bad)}",
            "the sync only starts from a verified copy",
            "run `skylift db migrate --restart SOURCE TARGET` and look at the differences",
        )
    return report


def _differing_tables(source: Source, schema: Schema, target_url: str, options: Options,
                      progress: Progress) -> set[str]:  # fmt: skip
    """Tables whose content differs between the live source and the target."""
    progress.phase("comparing every table: the target was migrated before capture started")
    chunks = {t.qualified: source.chunks(t) for t in schema.tables}
    if hasattr(source, "start_position"):
        source.start_position = None  # the source is live: its snapshot may move on
    checks = verify.verify_all(source, schema, target_url, chunks, options.jobs or default_jobs(),
                               options.identifiers)  # fmt: skip
    return {c.table for c in checks if not c.ok}


def _first_batch(capture: Capture, schema: Schema, conn: psycopg.Connection[Any], target_url: str,
                 options: Options, position: dict[str, Any], whole: set[str]) -> None:  # fmt: skip
    """The changes since the snapshot (and the tables to copy again), then 'syncing'."""
    applier = Applier(target_url, schema, options.identifiers, _fingerprint(conn))
    try:
        polled = engines.poll(capture, position, whole)
        if polled is not None:
            batch, snap = polled
            try:
                applier.apply(batch, snap)
            finally:
                snap.close()
        else:
            with conn.transaction():
                conn.execute(
                    "UPDATE skylift.sync SET position = %s WHERE id = 1",
                    (Jsonb(position),),
                )
        state.set_phase(conn, "syncing")
    finally:
        applier.close()


# -- the loop ---------------------------------------------------------------------------------
def step(session: Session) -> int:
    """Apply what the source committed since the last batch; the number of changes applied."""
    position = session.position()
    polled = session.capture.poll(position)
    if polled is None:
        return 0
    batch, snap = polled
    try:
        written = session.applier.apply(batch, snap)
    finally:
        snap.close()
    faults.point("applied")
    report = session.status
    report.applied += batch.changes
    report.rows += written.rows
    report.rejected += written.rejected
    report.batches += 1
    report.position = batch.position
    return batch.changes


def measure(session: Session) -> None:
    """Fill the status's lag: changes on the source not yet applied, and the oldest's age."""
    behind, oldest = session.capture.behind(session.position())
    session.status.lag_changes = behind
    session.status.lag_seconds = round(max(0.0, time.time() - oldest), 3) if oldest else 0.0


def follow(session: Session, *, stop: threading.Event | None = None, once: bool = False,
           interval: float = 0.1,
           on_status: Callable[[status.SyncStatus], None] | None = None) -> status.SyncStatus:  # fmt: skip
    """Apply batches until `stop` is set. With `once`: until caught up with what the source
    had committed when it started — each batch reads a snapshot taken after that, so the first
    already is; a few more shrink the lag a busy source keeps growing, then it returns."""
    stop = stop or threading.Event()
    report = session.status
    report.state, last_status, last_prune = "syncing", 0.0, time.monotonic()
    workdir, target = session.options.workdir, session.target_url
    rounds = 0
    session.applier.stop = stop
    while not stop.is_set():
        try:
            applied = step(session)
        except Stopped:
            break  # the batch rolled back whole: the rerun applies it again from its start
        now = time.monotonic()
        rounds += 1
        if once and (applied == 0 or rounds >= ONCE_ROUNDS):
            break
        if now - last_status >= STATUS_EVERY or (applied and once):
            measure(session)
            report.state = "caught-up" if report.lag_changes == 0 else "syncing"
            status.write(workdir, target, report)
            if on_status:
                on_status(report)
            last_status = now
        if now - last_prune >= PRUNE_EVERY:
            session.capture.done(session.position())
            faults.point("pruned")
            last_prune = now
        if applied == 0:
            stop.wait(interval)
    session.capture.done(session.position())
    faults.point("pruned")
    if not stop.is_set():  # asked to stop: now (reading a long backlog to count it takes seconds)
        measure(session)
    report.state = "caught-up" if once and report.lag_changes == 0 else "stopped"
    status.write(workdir, target, report)
    return report


def sync(source_url: str, target_url: str | None = None, *, options: Options | None = None,
         stop: threading.Event | None = None, once: bool = False, interval: float = 0.1,
         progress: Progress | None = None,
         on_status: Callable[[status.SyncStatus], None] | None = None) -> status.SyncStatus:  # fmt: skip
    """Keep TARGET in step with SOURCE until `stop` is set (or, `once`, until caught up)."""
    options = options or Options()
    progress = progress or Progress()
    session = open_session(source_url, target_url, options, progress)
    progress.phase(f"syncing changes ({_chosen(session.capture)}); stop with Ctrl-C")
    try:
        return follow(session, stop=stop, once=once, interval=interval, on_status=on_status)
    except KeyboardInterrupt:
        session.status.state = "stopped"
        status.write(options.workdir, session.target_url, session.status)
        raise
    except SkyliftError as exc:
        session.status.state, session.status.message = "failed", exc.what
        status.write(options.workdir, session.target_url, session.status)
        raise
    finally:
        session.close()


def remove(source_url: str, target_url: str | None = None, *,
           options: Options | None = None) -> list[str]:  # fmt: skip
    """Take skylift's capture (and freeze) out of the source, and the sync record out of the
    target. What was removed, as sentences."""
    options = options or Options()
    source = open_source(source_url, _source_options(options, target_url))
    try:
        if target_url is None:
            target_url = embedded_target(source, options.workdir)
        with connect(target_url) as conn:
            removed = engines.remove(source, conn)
            if state.load(conn) is not None:
                conn.execute("DROP TABLE IF EXISTS skylift.sync, skylift.sync_touched")
                removed.append("the sync's record in the target (skylift.sync)")
    finally:
        source.close()
    return removed


def rejected_error(rows: int) -> RowsRejected:
    return RowsRejected(
        f"synced, but {rows} changed rows were kept in skylift.rejects",
        "their values cannot be stored as they are",
        "review them: SELECT * FROM skylift.rejects WHERE chunk = 'sync'",
    )
