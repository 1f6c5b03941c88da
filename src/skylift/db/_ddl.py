"""The DDL steps of a migration: run one (refusals explained), and the post-load steps —
indexes, foreign keys, ANALYZE, constraints — in parallel in a background thread that can be
stopped (an interrupted run must not wait for an index build to end)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import psycopg

from skylift.db import copy
from skylift.db._failures import connect_failure, refused_step
from skylift.db.schema import Schema
from skylift.db.translate import Step, Translator
from skylift.db.urls import mask


def connect(url: str) -> psycopg.Connection[Any]:
    try:
        return copy.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        raise connect_failure(exc, mask(url)) from exc


def run_step(conn: psycopg.Connection[Any], step: Step, schema: Schema) -> None:
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
            raise refused_step(exc, _where(conn), step.object, step.sql) from exc
        return
    try:
        with conn.transaction():
            conn.execute(step.sql)
    except psycopg.Error as exc:
        _not_created(schema, step, exc)


def _not_created(schema: Schema, step: Step, exc: psycopg.Error) -> None:
    detail = getattr(exc.diag, "message_detail", None)
    schema.note(
        step.object,
        f"not created: PostgreSQL said {str(exc).strip().splitlines()[0]}"
        + (f" ({detail})" if detail else ""),
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
    except psycopg.OperationalError:  # the server is gone: not a note about this key
        raise
    except psycopg.Error as exc:  # its parent key could not be built (duplicates): a note
        if not step.optional:
            raise
        _not_created(schema, step, exc)
        return
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


def post_load(translator: Translator, schema: Schema, target_url: str, jobs: int,
               stop: _Stop) -> None:  # fmt: skip
    """Every index, foreign key and ANALYZE on `jobs` connections, each step as soon as the
    steps before it on its tables are done (`_scheduled`), the dearest chain first. Then the
    constraints that adopt the unique indexes and the rest. Runs while verification reads
    (which waits for no index: it reads heap slices)."""
    steps = translator.post_load()
    _scheduled(target_url, _by_chain(steps, schema), schema, jobs, stop)
    with stop.watch(connect(target_url)) as own:
        for step in steps:  # the ones that lock a table wait for its readers: last
            if step.kind not in STAGE:
                stop.check()
                run_step(own, step, schema)


# The order on each table: its indexes (CREATE INDEX takes SHARE, so they build side by side),
# then the foreign keys it is in as child or parent (SHARE ROW EXCLUSIVE on both tables, and a
# parent's key index must exist), then ANALYZE (SHARE UPDATE EXCLUSIVE). Steps on other tables
# do not wait: the big table's foreign key is checked while a small table's GIN index builds.
STAGE = {"key_index": 0, "index": 0, "fk": 1, "analyze": 2}


def _tables(step: Step) -> set[str] | None:
    """The tables a post-load step locks; None: any (a foreign key to an unknown table)."""
    if step.table is None or (step.kind == "fk" and step.parent is None):
        return None
    return {step.table, *([step.parent] if step.parent else [])}


def _waits_for(step: Step, other: Step) -> bool:
    if STAGE[other.kind] >= STAGE[step.kind]:
        return False
    mine, theirs = _tables(step), _tables(other)
    return mine is None or theirs is None or bool(mine & theirs)


def _by_chain(steps: list[Step], schema: Schema) -> list[Step]:
    """Index builds first, the dearest chain first: a table's weight is the most rows of it and
    of the tables whose foreign keys wait for its key (the biggest table's key index first, and
    a small parent's key before a big table's second index)."""
    rows = {t.qualified: t.row_estimate for t in schema.tables}
    weight = dict(rows)
    for step in steps:
        if step.kind == "fk" and step.parent in weight and step.table in rows:
            weight[step.parent] = max(weight[step.parent], rows[step.table])

    def order(step: Step) -> tuple[int, int, bool]:
        size = (
            weight.get(step.table or "", 0) if step.kind != "fk" else rows.get(step.table or "", 0)
        )
        return STAGE[step.kind], -size, step.kind != "key_index"

    return sorted((s for s in steps if s.kind in STAGE), key=order)


def _scheduled(target_url: str, steps: list[Step], schema: Schema, jobs: int,
               stop: _Stop) -> None:  # fmt: skip
    """Run `steps` (in priority order) on `jobs` connections, each once no step it waits for
    (`_waits_for`) is pending or running."""
    local = threading.local()
    opened: list[psycopg.Connection[Any]] = []

    def run(step: Step) -> None:
        stop.check()
        if not hasattr(local, "conn"):
            local.conn = stop.watch(connect(target_url))
            local.conn.execute("SET maintenance_work_mem = '256MB'")
            opened.append(local.conn)
        run_step(local.conn, step, schema)

    pending = list(steps)
    running: dict[Future[None], Step] = {}
    try:
        with ThreadPoolExecutor(max(1, jobs)) as pool:
            try:
                while pending or running:
                    unfinished = [*pending, *running.values()]
                    for step in list(pending):
                        if len(running) >= max(1, jobs):
                            break
                        if not any(_waits_for(step, other) for other in unfinished):
                            pending.remove(step)
                            running[pool.submit(run, step)] = step
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        del running[future]
                        future.result()
            except BaseException:
                stop.set()  # the other steps would run to the end before the pool's exit
                raise
    finally:
        for conn in opened:
            conn.close()


class _Stop:
    """Tells the post-load steps to stop: no new step starts, and the ones running are
    cancelled on the server (a rerun builds what is missing: every step checks first)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.lock = threading.Lock()
        self.conns: list[psycopg.Connection[Any]] = []

    def watch(self, conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
        with self.lock:
            self.conns.append(conn)
        if self.event.is_set():
            conn.cancel_safe()
        return conn

    def check(self) -> None:
        if self.event.is_set():
            raise _Stopped

    def set(self) -> None:
        self.event.set()
        with self.lock:
            for conn in self.conns:
                with contextlib.suppress(psycopg.Error):
                    conn.cancel_safe(timeout=5)


class _Stopped(Exception):
    """The post-load steps were told to stop (see _Stop)."""


class Background:
    """Run func(*args, stop) in a thread; join() re-raises what it raised, cancel() stops it."""

    def __init__(self, func: Callable[..., None], *args: Any) -> None:
        self.error: BaseException | None = None
        self.started = False
        self.stop = _Stop()
        self.thread = threading.Thread(target=self._run, args=(func, args), daemon=True)

    def _run(self, func: Callable[..., None], args: tuple[Any, ...]) -> None:
        try:
            func(*args, self.stop)
        except BaseException as exc:
            self.error = exc

    def start(self) -> None:
        if not self.started:
            self.started = True
            self.thread.start()

    def cancel(self) -> None:
        """Stop the steps (the run failed or was interrupted) and wait for the thread."""
        self.stop.set()
        if self.started:
            self.thread.join()

    def join(self) -> None:
        self.start()
        self.thread.join()
        if self.error is not None:
            raise self.error


def _where(conn: psycopg.Connection[Any]) -> str:
    """The target as a person recognises it (no password: libpq's info holds none)."""
    info = conn.info
    return f"{info.host}:{info.port}/{info.dbname}"
