"""`skylift db migrate` as a library call: schema, parallel copy, keys, verification, report.

Resumable: the journal in the target (db/journal.py) records the schema step and every chunk
in the same transactions that write them. Rerun after any interruption, the same call skips what
is done and finishes the rest, then verifies everything.
"""

from __future__ import annotations

import importlib
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg

from skylift.db import copy, journal, verify
from skylift.db._pool import default_jobs
from skylift.db.early import snapshot_folder
from skylift.db.report import MigrationReport, Progress
from skylift.db.schema import Schema, Table
from skylift.db.sources import SOURCES, Chunk, Source
from skylift.db.sync import position
from skylift.db.translate import Policy, Step, Translator
from skylift.db.urls import database_name, mask, scheme_of
from skylift.errors import TargetError, UsageError

# relative Python cost of a value by column kind (JSON is parsed and printed in jsonb's form)
KIND_COST = {"json": 8.0, "numeric": 2.0, "bytes": 2.0, "float": 1.5, "geometry": 4.0}
SOURCE_MODULES = {
    "sqlite": "skylift.db.sources.sqlite",
    "mysql": "skylift.db.sources.mysql",
    "postgresql": "skylift.db.sources.postgres",
}


def open_source(url: str, options: dict[str, Any] | None = None) -> Source:
    engine = scheme_of(url)
    try:
        importlib.import_module(SOURCE_MODULES[engine])
    except ModuleNotFoundError as exc:
        raise UsageError(f"{engine} sources are not supported yet", str(exc), "") from exc
    scheme = url.split(":", 1)[0].lower() if ":" in url and engine != "sqlite" else "sqlite"
    factory = SOURCES.get(scheme) or SOURCES[engine]
    return factory(url, options or {})


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
    options = {
        "types": types or {},
        "jobs": jobs,
        "target_url": target_url,
        "identifiers": identifiers,
        "captured": captured,
    }
    source = open_source(source_url, options)
    try:
        if dry_run:
            schema = _read_schema(source, progress)
            return _dry_run_report(source, schema, identifiers)
        if target_url is None:
            progress.phase("starting the embedded PostgreSQL")
            target_url = embedded_target(source, workdir)
        run = _Run(source, target_url, jobs, identifiers, workdir, progress)
        report = run.execute(restart)
    finally:
        source.close()
    report.timings["total"] = round(time.monotonic() - started, 3)
    return report


def _read_schema(source: Source, progress: Progress) -> Schema:
    progress.phase("reading and profiling the source schema")
    schema = source.read_schema()
    return schema


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

    def _timed(self, name: str, since: float) -> float:
        now = time.monotonic()
        self.timings[name] = round(now - since, 3)
        return now

    def execute(self, restart: bool) -> MigrationReport:
        t0 = time.monotonic()
        conn = _connect(self.target_url)
        try:
            _lock(conn)
            resumed, fingerprint = self._prepare(conn, restart)
            schema = _read_schema(self.source, self.progress)
            translator = Translator(schema, self.policy)
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
            post = _Background(_post_load, translator, schema, self.target_url, self.jobs)
            try:
                self._verify(conn, schema, fingerprint, chunks, report, post.start)
            except BaseException:
                post.wait()
                raise
            post.join()
            journal.mark(conn, fingerprint, "loaded_at")
            self._timed("indexes_and_verify", t0)
            report.rejects = journal.reject_summary(conn, fingerprint)
            report.finish(schema)
            if report.verified:
                journal.mark(conn, fingerprint, "finished_at")
                self._still_current(conn, schema, fingerprint, report)
            report.timings.update(self.timings)
            return report
        finally:
            conn.close()

    def _prepare(self, conn: psycopg.Connection[Any], restart: bool) -> tuple[bool, str]:
        run = journal.find_run(conn)
        snapshot_of = getattr(self.source, "take_snapshot", None)
        if run and not restart and run["source"] == self.source.display_url:
            snap = run["snapshot"]
            if snap is None or Path(snap).exists():
                if snap and hasattr(self.source, "use_snapshot"):
                    self.source.use_snapshot(Path(snap), run["fingerprint"])
                self.progress.phase("resuming the previous migration into this target")
                return True, str(run["fingerprint"])
        if run and not restart:
            raise TargetError(
                "the target holds another skylift migration",
                f"it was migrated from {run['source']}"
                + (" from a snapshot that is no longer on this machine" if run["snapshot"] else ""),
                "use another target database, or pass --restart to drop it and start over",
            )
        self.before = position.before_snapshot(self.source)  # to tell later if it moved on
        if snapshot_of is not None:
            self.progress.phase("taking a consistent snapshot of the source")
            snapshot_of(snapshot_folder(self.workdir))
        return False, self.source.fingerprint()

    def _create(self, conn: psycopg.Connection[Any], schema: Schema, translator: Translator,
                fingerprint: str, restart: bool) -> None:  # fmt: skip
        self.progress.phase("creating the schema")
        with conn.transaction():
            if restart:
                _drop(conn, schema, translator)
            _refuse_existing(conn, schema, translator)
            journal.setup(conn)
            for step in translator.pre_load():
                _run_step(conn, step, schema)
            snapshot = getattr(self.source, "snapshot", None)
            if hasattr(self.source, "wait_snapshot"):
                self.source.wait_snapshot()  # the snapshot is on disk before the journal names it
            journal.start_run(
                conn, fingerprint, self.source.display_url, str(snapshot) if snapshot else None
            )
            position.record(conn, fingerprint, self.source, getattr(self, "before", None))

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
        self.progress.phase("copying rows")
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
        self.progress.phase(
            "verifying every table on both sides, building indexes and foreign keys"
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


def _connect(url: str) -> psycopg.Connection[Any]:
    try:
        return copy.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        raise TargetError(
            f"cannot connect to the target {mask(url)}",
            str(exc).strip().splitlines()[0] if str(exc).strip() else "connection refused",
            "check host, port, database name and credentials; the database must exist",
        ) from exc


def _lock(conn: psycopg.Connection[Any]) -> None:
    got = conn.execute("SELECT pg_try_advisory_lock(hashtext('skylift-migrate'))").fetchone()
    if not got or not got[0]:
        raise TargetError(
            "another skylift migration is writing to this target",
            "its lock is held (pg_advisory_lock 'skylift-migrate')",
            "wait for it to finish, or stop it; then rerun: it resumes",
        )


def _refuse_existing(conn: psycopg.Connection[Any], schema: Schema, translator: Translator) -> None:
    existing = [
        t.qualified for t in schema.tables
        if conn.execute("SELECT to_regclass(%s)", (translator.t(t),)).fetchone()[0] is not None  # type: ignore[index]
    ]  # fmt: skip
    if existing:
        raise TargetError(
            f"the target already has tables named {', '.join(existing[:5])}",
            "skylift only writes into an empty database (or one it is migrating itself)",
            "use an empty database, or pass --restart to drop these tables and migrate again",
        )


def _drop(conn: psycopg.Connection[Any], schema: Schema, translator: Translator) -> None:
    for view in schema.views:
        conn.execute(f"DROP VIEW IF EXISTS {translator.n(view.name)} CASCADE")
    for table in schema.tables:
        conn.execute(f"DROP TABLE IF EXISTS {translator.t(table)} CASCADE")
    for enum in schema.enums:
        conn.execute(f"DROP TYPE IF EXISTS {translator.enum(enum)}")
    conn.execute("DROP SCHEMA IF EXISTS skylift CASCADE")


def _run_step(conn: psycopg.Connection[Any], step: Step, schema: Schema) -> None:
    if step.kind == "untranslated":
        schema.note(step.object, "not translated: add it by hand", "manual", step.object)
        return
    if step.exists and conn.execute(step.exists).fetchone():
        return
    if step.kind == "fk" and step.orphans:
        _foreign_key(conn, step, schema)
        return
    if not step.optional:
        try:
            conn.execute(step.sql)
        except psycopg.Error as exc:
            raise TargetError(
                f"PostgreSQL refused {step.object}",
                str(exc).strip().splitlines()[0],
                "if it names an extension, install it on the target or allow it (RDS: the "
                "rds.allowed_extensions parameter), then rerun; otherwise report it with "
                "--traceback. The statement was:\n" + step.sql,
            ) from exc
        return
    try:
        with conn.transaction():
            conn.execute(step.sql)
    except psycopg.Error as exc:
        schema.note(
            step.object,
            f"not created: PostgreSQL said {str(exc).strip().splitlines()[0]}",
            "manual",
            step.sql,
        )


def _foreign_key(conn: psycopg.Connection[Any], step: Step, schema: Schema) -> None:
    """Validated as it is added; only when that fails are the orphans counted."""
    try:
        _add_foreign_key(conn, step)
        return
    except psycopg.errors.ForeignKeyViolation:
        pass
    orphans = conn.execute(step.orphans or "").fetchone()[0]  # type: ignore[index]
    if orphans:
        _add_foreign_key(conn, step, " NOT VALID")
        schema.note(
            step.object,
            f"{orphans} rows point at no parent (the source did not enforce this foreign key): "
            "the key was added NOT VALID, which checks new rows only; fix the rows, then "
            "ALTER TABLE ... VALIDATE CONSTRAINT",
            "warning",
        )
    else:
        _add_foreign_key(conn, step)


def _add_foreign_key(conn: psycopg.Connection[Any], step: Step, suffix: str = "") -> None:
    """Both tables locked first, in one order for every key: keys added in parallel that
    share tables wait for each other instead of deadlocking."""
    with conn.transaction():
        if step.lock:
            conn.execute(step.lock)
        conn.execute(step.sql + suffix)


def _post_load(translator: Translator, schema: Schema, target_url: str, jobs: int) -> None:
    """Every index in parallel, each on its own connection, the biggest table's first (its
    key index first): the chain that follows them — foreign keys, ANALYZE, adopting the key —
    is the longest. Then foreign keys and ANALYZE, each in parallel, and the constraints that
    adopt the unique indexes and the rest. Runs while verification reads (which waits for
    no index: it reads heap slices)."""
    steps = translator.post_load()

    def size(step: Step) -> int:
        return schema.table(step.table).row_estimate if step.table else 0

    builds = [s for s in steps if s.kind in ("key_index", "index")]
    builds.sort(key=lambda s: (-size(s), s.kind != "key_index"))
    _parallel(target_url, builds, schema, jobs)
    _parallel(target_url, [s for s in steps if s.kind == "fk"], schema, jobs)
    _parallel(target_url, [s for s in steps if s.kind == "analyze"], schema, jobs)
    with _connect(target_url) as own:
        for step in steps:  # the ones that lock a table wait for its readers: last
            if step.kind not in ("key_index", "index", "fk", "analyze"):
                _run_step(own, step, schema)


class _Background:
    """Run a function in a thread; join() re-raises what it raised."""

    def __init__(self, func: Callable[..., None], *args: Any) -> None:
        self.error: BaseException | None = None
        self.started = False
        self.thread = threading.Thread(target=self._run, args=(func, args), daemon=True)

    def _run(self, func: Callable[..., None], args: tuple[Any, ...]) -> None:
        try:
            func(*args)
        except BaseException as exc:
            self.error = exc

    def start(self) -> None:
        if not self.started:
            self.started = True
            self.thread.start()

    def wait(self) -> None:
        if self.started:
            self.thread.join()

    def join(self) -> None:
        self.start()
        self.thread.join()
        if self.error is not None:
            raise self.error


def _parallel(target_url: str, steps: list[Step], schema: Schema, jobs: int) -> None:
    """Run steps on `jobs` connections."""
    local = threading.local()
    opened: list[psycopg.Connection[Any]] = []

    def run(step: Step) -> None:
        if not hasattr(local, "conn"):
            local.conn = _connect(target_url)
            local.conn.execute("SET maintenance_work_mem = '256MB'")
            opened.append(local.conn)
        _run_step(local.conn, step, schema)

    try:
        with ThreadPoolExecutor(max(1, jobs)) as pool:
            for future in [pool.submit(run, step) for step in steps]:
                future.result()
    finally:
        for conn in opened:
            conn.close()
