"""`skylift db migrate` as a library call: schema, parallel copy, keys, verification, report.

Resumable: the journal in the target (db/journal.py) records the schema step and every chunk
in the same transactions that write them. Rerun after any interruption, the same call skips what
is done and finishes the rest, then verifies everything.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from skylift.db import _snapshots, copy, journal, overrides, verify
from skylift.db._ddl import Background, connect, post_load, run_step
from skylift.db._failures import server_gone, target_failure
from skylift.db._pool import default_jobs
from skylift.db._target import drop_created, same_database
from skylift.db.early import snapshot_folder
from skylift.db.report import MigrationReport, Progress
from skylift.db.schema import Schema, Table
from skylift.db.sources import SOURCES, Chunk, Source
from skylift.db.sync import position
from skylift.db.translate import Policy, Translator
from skylift.db.urls import check_target, database_name, mask, scheme_of
from skylift.errors import SkyliftError, SourceError, TargetError, UsageError
from skylift.workdir import make_dirs

# relative Python cost of a value by column kind (JSON is parsed and printed in jsonb's form)
KIND_COST = {"json": 8.0, "numeric": 2.0, "bytes": 2.0, "float": 1.5, "geometry": 4.0}


def open_source(url: str, options: dict[str, Any] | None = None) -> Source:
    engine = scheme_of(url)
    scheme = url.split(":", 1)[0].lower() if ":" in url and engine != "sqlite" else "sqlite"
    factory = SOURCES.get(scheme) or SOURCES[engine]
    try:
        return factory(url, options or {})
    except ModuleNotFoundError as exc:  # the engine's package, or a library it needs
        raise UsageError(f"{engine} sources are not supported yet", str(exc), "") from exc
    except OSError as exc:  # a file the user running skylift may not read
        raise SourceError(
            f"cannot read {exc.filename or mask(url)}",
            exc.strerror or str(exc),
            "check its permissions: the user running skylift must be able to read the file "
            "(and write to its folder when it has a -wal file)",
        ) from exc


def embedded_target(source: Source, workdir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL under workdir and give a database for source."""
    from skylift.cloud import embedded_pg

    server = embedded_pg.start(workdir / "postgres")
    return embedded_pg.ensure_database(server, _db_name(source))


def _db_name(source: Source) -> str:
    path = getattr(source, "path", None)
    name = Path(path).stem if path else (database_name(source.display_url) or "app")
    return re.sub(r"[^a-z0-9_]", "_", name.lower())[:63] or "app"


def migrate(
    source_url: str,
    target_url: str | None = None,
    *,
    jobs: int | None = None,
    types: dict[str, str] | None = None,
    identifiers: Policy = "preserve",
    restart: bool = False,
    dry_run: bool = False,
    workdir: Path = Path(".skylift"),
    progress: Progress | None = None,
    captured: bool = False,
) -> MigrationReport:
    """Copy a database into PostgreSQL (embedded when no target is given) and verify it.
    `captured`: `db sync` started capturing the source's changes before this copy and will
    apply every change made since, so the copy need not come from one instant (MySQL readers
    then skip proving that they share one snapshot)."""
    progress = progress or Progress()
    jobs = jobs or default_jobs()
    started = time.monotonic()
    if target_url is not None:
        check_target(target_url)
    options = {
        "types": types or {},
        "jobs": jobs,
        "target_url": target_url,
        "identifiers": identifiers,
        "captured": captured,
    }
    source = open_source(source_url, options)
    run: _Run | None = None
    embedded = False
    try:
        if dry_run:
            schema = _read_schema(source, progress)
            return _dry_run_report(source, schema, identifiers)
        embedded = target_url is None
        if target_url is None:
            progress.phase("starting the embedded PostgreSQL")
            target_url = embedded_target(source, workdir)
        run = _Run(source, target_url, jobs, identifiers, workdir, progress)
        report = run.execute(restart)
    except psycopg.Error as exc:
        doing = run.doing if run else "reading the source schema" if dry_run else "starting"
        failure = _failure(exc, source, target_url or "", doing)
        if embedded and server_gone(exc):
            failure.fix = "rerun the same command: it starts the embedded PostgreSQL again, "
            failure.fix += "and resumes where it stopped"
        raise failure from exc
    finally:
        source.close()
    report.timings["total"] = round(time.monotonic() - started, 3)
    return report


def _read_schema(source: Source, progress: Progress) -> Schema:
    progress.phase("reading and profiling the source schema")
    schema = source.read_schema()
    require_tables(schema, source)
    return schema


def require_tables(schema: Schema, source: Source) -> None:
    """An empty source is almost always the wrong one (SQLite creates an empty file when an
    app opens a path that does not exist): say so before anything is written."""
    if schema.tables:
        return
    raise SourceError(
        f"{source.display_url} holds no tables: nothing to migrate",
        "the database is empty, or its user may read none of its tables"
        + (
            " (SQLite creates an empty file when an app opens a path that does not exist)"
            if source.engine == "sqlite"
            else ""
        ),
        "check that SOURCE is the app's database (its path, or the database name in the URL)",
    )


def _failure(exc: psycopg.Error, source: Source, target_url: str, doing: str) -> SkyliftError:
    """Whose error: a PostgreSQL source's own while its schema is read; during the copy a lost
    connection is the source's when the target still answers; the rest is the target's."""
    source_side = source.engine == "postgresql" and (
        doing == "reading the source schema"
        or (isinstance(exc, psycopg.OperationalError) and _answers(target_url))
    )
    if source_side:
        return SourceError(
            f"the source failed ({doing})",
            f"{source.display_url} said: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}",
            "check the source server and its user's rights on every table, then rerun: it resumes",
        )
    return target_failure(exc, mask(target_url), doing)


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=5):
            return True
    except psycopg.Error:
        return False


def _dry_run_report(source: Source, schema: Schema, policy: Policy) -> MigrationReport:
    translator = Translator(schema, policy)
    translator.naming_notes()
    report = MigrationReport.start(source.display_url, None, schema)
    report.dry_run = True
    report.ddl = [s.sql for s in translator.pre_load() + translator.post_load() if s.sql]
    return report


class _Run:
    def __init__(self, source: Source, target_url: str, jobs: int, policy: Policy,
                 workdir: Path, progress: Progress) -> None:  # fmt: skip
        self.source = source
        self.target_url = target_url
        self.jobs = jobs
        self.policy = policy
        self.workdir = workdir
        self.progress = progress
        self.timings: dict[str, float] = {}
        self.doing = "connecting"  # for messages: what the run was doing when it failed
        self.fresh_snapshot: Path | None = None  # taken by this run, not named by a journal yet
        self.dropped_snapshot: Path | None = None  # the one a --restart run replaced

    def _timed(self, name: str, since: float) -> float:
        now = time.monotonic()
        self.timings[name] = round(now - since, 3)
        return now

    def _phase(self, doing: str, shown: str | None = None) -> None:
        self.doing = doing
        self.progress.phase(shown or doing)

    def execute(self, restart: bool) -> MigrationReport:
        conn = connect(self.target_url)
        try:
            return self._execute(conn, restart)
        except BaseException:
            if self.fresh_snapshot is not None:  # no journal names it: no rerun can use it
                with contextlib.suppress(Exception):
                    getattr(self.source, "wait_snapshot", lambda: None)()
                _snapshots.remove(self.fresh_snapshot)
            raise
        finally:
            conn.close()

    def _execute(self, conn: psycopg.Connection[Any], restart: bool) -> MigrationReport:
        t0 = time.monotonic()
        self._refuse_itself(conn)
        _lock(conn)
        resumed, fingerprint = self._prepare(conn, restart)
        t0 = self._timed("snapshot", t0)
        self.doing = "reading the source schema"
        schema = _read_schema(self.source, self.progress)
        translator = Translator(schema, self.policy)
        overrides.check(conn, schema, resumed, translator.target_names)
        translator.naming_notes()
        report = MigrationReport.start(self.source.display_url, mask(self.target_url), schema)
        report.resumed = resumed
        t0 = self._timed("schema_read", t0)
        if not resumed:
            self._create(conn, schema, translator, fingerprint, restart)
        t0 = self._timed("schema_create", t0)
        chunks = {t.qualified: self.source.chunks(t) for t in schema.tables}
        self._copy(conn, schema, fingerprint, chunks, report)
        t0 = self._timed("copy", t0)
        post = Background(post_load, translator, schema, self.target_url, self.jobs)
        try:
            self._verify(conn, schema, fingerprint, chunks, report, post.start)
            post.join()
        except BaseException:
            post.cancel()  # an index build left running would hold the exit for minutes
            raise
        journal.mark(conn, fingerprint, "loaded_at")
        journal.record_created(conn, fingerprint)  # views and the like come after the copy
        self._timed("indexes_and_verify", t0)
        report.rejects = journal.reject_summary(conn, fingerprint)
        report.finish(schema)
        if report.verified:
            journal.mark(conn, fingerprint, "finished_at")
            self._still_current(conn, schema, fingerprint, report)
            self._forget_superseded()
        report.timings.update(self.timings)
        return report

    def _refuse_itself(self, conn: psycopg.Connection[Any]) -> None:
        url = getattr(self.source, "url", None)
        if self.source.engine == "postgresql" and url and same_database(conn, url):
            raise UsageError(
                "SOURCE and TARGET are the same database",
                f"both name {mask(self.target_url)}: skylift copies one database into "
                "another (with --restart it would drop the very tables it reads)",
                "create an empty database for the copy (createdb app_copy, or CREATE DATABASE "
                "app_copy) and give its URL as TARGET",
            )

    def _prepare(self, conn: psycopg.Connection[Any], restart: bool) -> tuple[bool, str]:
        run = journal.find_run(conn)
        if run and not restart:
            return True, self._resume(run)
        if run and restart and run["snapshot"]:
            self.dropped_snapshot = Path(run["snapshot"])
        snapshot_of = getattr(self.source, "take_snapshot", None)
        self.before = position.before_snapshot(self.source)  # to tell later if it moved on
        if snapshot_of is not None:
            self._phase("taking a consistent snapshot of the source")
            self._snapshot(snapshot_of, run)
        return False, self.source.fingerprint()

    def _resume(self, run: dict[str, Any]) -> str:
        """The fingerprint of the run to resume; or why this target cannot be resumed."""
        finished = "finished" if run["finished_at"] else "unfinished"
        if run["source"] != self.source.display_url:
            raise TargetError(
                "the target holds the migration of another database",
                f"it holds the {finished} migration of {run['source']}",
                "use another target database, or pass --restart to drop what that migration "
                "created and start over",
            )
        snap = run["snapshot"]
        if snap is not None and not Path(snap).exists():
            raise TargetError(
                f"the target holds an {finished} migration of this database, but the snapshot "
                "it read is gone",
                f"{snap} no longer exists: it was deleted, or this run uses another --workdir "
                "than the run that began it",
                "rerun with the --workdir of that run, or pass --restart to start over",
            )
        if snap and hasattr(self.source, "use_snapshot"):
            self.source.use_snapshot(Path(snap), run["fingerprint"])
        self._phase("resuming", "resuming the previous migration into this target")
        return str(run["fingerprint"])

    def _snapshot(self, take: Callable[[Path], Path], run: dict[str, Any] | None) -> None:
        folder = snapshot_folder(self.workdir)
        make_dirs(folder)
        keep = {Path(run["snapshot"])} if run and run["snapshot"] else set()
        _snapshots.tidy(folder, keep)
        durable_before = set(folder.glob("*.durable"))
        snapshot = take(folder)
        _snapshots.label(snapshot, self.source.display_url)
        if snapshot.with_name(snapshot.name + ".durable") not in durable_before:
            self.fresh_snapshot = snapshot

    def _forget_superseded(self) -> None:
        """A verified run: the older snapshots of this database are of no use any more."""
        snapshot = getattr(self.source, "snapshot", None)
        if snapshot is not None:
            _snapshots.forget_others(snapshot_folder(self.workdir), self.source.display_url,
                                     Path(snapshot))  # fmt: skip

    def _create(self, conn: psycopg.Connection[Any], schema: Schema, translator: Translator,
                fingerprint: str, restart: bool) -> None:  # fmt: skip
        self._phase("creating the schema")
        with conn.transaction():
            if restart:
                drop_created(conn, schema, translator)
            _refuse_existing(conn, schema, translator, restart)
            before = journal.catalog(conn)
            journal.setup(conn)
            for step in translator.pre_load():
                run_step(conn, step, schema)
            snapshot = getattr(self.source, "snapshot", None)
            if hasattr(self.source, "wait_snapshot"):
                self.source.wait_snapshot()  # the snapshot is on disk before the journal names it
            journal.start_run(
                conn, fingerprint, self.source.display_url, str(snapshot) if snapshot else None
            )
            journal.record_objects(conn, fingerprint, before, False)
            journal.record_objects(conn, fingerprint, journal.catalog(conn) - before, True)
            position.record(conn, fingerprint, self.source, getattr(self, "before", None))
        self.fresh_snapshot = None  # the journal names it now
        old = self.dropped_snapshot
        if old and snapshot and old != Path(snapshot) and old.parent == Path(snapshot).parent:
            _snapshots.remove(old)  # --restart replaced it: no run reads it any more

    def _still_current(self, conn: psycopg.Connection[Any], schema: Schema, fingerprint: str,
                       report: MigrationReport) -> None:  # fmt: skip
        """A rerun must not call a stale target verified: the source is compared as it is
        now (db/sync/position.py); a first run notes a source that moved on during the copy."""
        self.progress.phase("checking whether the source changed since its snapshot")
        warning = position.after_run(self.source, conn, schema, self.target_url, self.jobs,
                                     self.policy, fingerprint, report.resumed)  # fmt: skip
        if warning:
            report.notes.append({"object": "source", "severity": "warning", "message": warning,
                                 "sql": None})  # fmt: skip

    def _copy(self, conn: psycopg.Connection[Any], schema: Schema, fingerprint: str,
              chunks: dict[str, list[Chunk]], report: MigrationReport) -> None:  # fmt: skip
        done = journal.done_chunks(conn, fingerprint)
        todo = [c for t in schema.tables for c in chunks[t.qualified] if c.id not in done]
        todo.sort(key=lambda c: -self._cost(schema.table(c.table), len(chunks[c.table])))
        self._phase("copying rows")
        for table in schema.tables:
            already = sum(
                done[c.id][0] + done[c.id][1] for c in chunks[table.qualified] if c.id in done
            )
            self.progress.start_table(table.qualified, table.row_estimate, already)
        if todo:
            copy.copy_all(self.source, schema, self.target_url, fingerprint, todo, self.jobs,
                          self.policy, on_progress=self.progress.advance)  # fmt: skip
        self.progress.stop()
        for chunk_id, (rows, rejected, _digest) in journal.done_chunks(conn, fingerprint).items():
            report.add_rows(chunk_id.rsplit("#", 1)[0], rows, rejected)

    def _cost(self, table: Table, parts: int) -> float:
        """A chunk's expected cost: rows per chunk times a row's weight (its columns' kinds; a
        CSV row costs about twice a binary one). The dearest chunks go first, so the workers
        finish together instead of one of them ending on a big JSON table alone."""
        fmt = getattr(self.source, "copy_format", None)
        weight = 1.0 if fmt is not None and fmt(table) == "binary" else 2.0
        row = sum(KIND_COST.get(c.kind, 1.0) for c in table.columns)
        return weight * row * table.row_estimate / max(parts, 1)

    def _verify(self, conn: psycopg.Connection[Any], schema: Schema, fingerprint: str,
                chunks: dict[str, list[Chunk]], report: MigrationReport,
                started: Callable[[], None]) -> None:  # fmt: skip
        self._phase(
            "verifying", "verifying every table on both sides, building indexes and foreign keys"
        )
        for table in schema.tables:
            self.progress.start_table(table.qualified, report.rows_of(table.qualified), 0)
        sums: dict[str, tuple[int, int]] = {t.qualified: (0, 0) for t in schema.tables}
        for chunk_id, (rows, _rejected, digest) in journal.done_chunks(conn, fingerprint).items():
            name = chunk_id.rsplit("#", 1)[0]
            sums[name] = (sums[name][0] + rows, sums[name][1] + digest)
        refused = {
            t.qualified: journal.refused_keys(conn, fingerprint, t.qualified) for t in schema.tables
        }
        live = position.synced_live(self.source, conn)  # a sync moved the target on since
        checks = verify.verify_all(
            live or self.source, schema, self.target_url, chunks, self.jobs, self.policy,
            source_sums=None if live else sums, refused=refused,
            on_progress=self.progress.advance, started=started,
        )  # fmt: skip
        self.progress.stop()
        report.verification = [c.as_dict() for c in checks]


def _lock(conn: psycopg.Connection[Any]) -> None:
    got = conn.execute("SELECT pg_try_advisory_lock(hashtext('skylift-migrate'))").fetchone()
    if not got or not got[0]:
        raise TargetError(
            "another skylift migration is writing to this target",
            "its lock is held (pg_advisory_lock 'skylift-migrate')",
            "wait for it to finish, or stop it; then rerun: it resumes",
        )


def _refuse_existing(conn: psycopg.Connection[Any], schema: Schema, translator: Translator,
                     restart: bool = False) -> None:  # fmt: skip
    existing = [
        t.qualified for t in schema.tables
        if conn.execute("SELECT to_regclass(%s)", (translator.t(t),)).fetchone()[0] is not None  # type: ignore[index]
    ]  # fmt: skip
    if existing:
        raise TargetError(
            f"the target already has tables named {', '.join(existing[:5])}",
            "skylift only writes into an empty database (or one it is migrating itself)"
            + (
                "; --restart drops only what skylift created, and it did not create these"
                if restart
                else ""
            ),
            "use an empty database"
            + ("" if restart else ", or pass --restart if an earlier skylift run created them"),
        )
