"""Run chunk tasks in worker processes (SQLite reads and row conversion are CPU-bound Python:
threads would share one core), with progress reported back through a queue.

Interruptions belong to the main process: workers ignore SIGINT and SIGTERM (Ctrl-C reaches
the whole process group), so the main process alone decides to stop. It then kills its
workers: each chunk is one target transaction, so a killed worker leaves nothing half-written,
and the rerun copies that chunk again.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import queue
import signal
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

_progress_queue: Any = None
_state: dict[str, Any] = {}


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def report(table: str, rows: int) -> None:
    """Called inside a worker: `rows` more rows of `table` are done."""
    if _progress_queue is not None and rows:
        _progress_queue.put((table, rows))


def state() -> dict[str, Any]:
    """The worker's state, set up once per process by the pool's `setup` function."""
    return _state


def _die_with_parent() -> None:
    """Linux: end this worker when the main process dies (kill -9 included)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _init(progress: Any, setup: Callable[..., None], args: tuple[Any, ...]) -> None:
    global _progress_queue
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _progress_queue = progress
    _state.clear()
    setup(_state, *args)
    # Rows are millions of short-lived tuples without cycles: the cyclic collector would walk
    # them over and over (a fifth of a worker's time). Collect once after each task instead.
    gc.freeze()
    gc.disable()


def _task(func: Callable[..., Any], *args: Any) -> Any:
    try:
        return func(*args)
    finally:
        gc.collect()


def run(
    tasks: Iterable[tuple[Any, ...]],
    func: Callable[..., Any],
    setup: Callable[..., None],
    setup_args: tuple[Any, ...],
    jobs: int,
    on_progress: Callable[[str, int], None] | None = None,
    on_result: Callable[[Any], None] | None = None,
    started: Callable[[], None] | None = None,
) -> list[Any]:
    """Run func(*task) for every task in `jobs` processes; results in completion order.
    The first exception raised by a task is re-raised after the pool has been stopped.
    `started` is called once the workers exist: a thread it starts is never forked."""
    ctx = mp.get_context("fork")
    progress = ctx.Queue()
    results: list[Any] = []
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init,
                               initargs=(progress, setup, setup_args))  # fmt: skip
    try:
        pending: set[Future[Any]] = {pool.submit(_task, func, *task) for task in tasks}
        if started:
            started()
        while pending:
            done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            _drain(progress, on_progress)
            for fut in done:
                result = fut.result()
                results.append(result)
                if on_result:
                    on_result(result)
    except BaseException:
        _kill(pool)  # a failed task or an interruption: the other tasks' work is not needed
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _drain(progress, on_progress)
    return results


def _kill(pool: ProcessPoolExecutor) -> None:
    """Stop every worker now, not after its current task (which would commit a chunk nobody
    waits for, or read a whole table for a verification already abandoned)."""
    pool.shutdown(wait=False, cancel_futures=True)
    # ProcessPoolExecutor.kill_workers() arrives in Python 3.14; until then, its process table
    workers = list((getattr(pool, "_processes", None) or {}).values())
    for worker in workers:
        worker.kill()
    for worker in workers:
        worker.join(timeout=10)


def _drain(progress: Any, on_progress: Callable[[str, int], None] | None) -> None:
    while True:
        try:
            table, rows = progress.get_nowait()
        except queue.Empty:
            return
        if on_progress:
            on_progress(table, rows)
