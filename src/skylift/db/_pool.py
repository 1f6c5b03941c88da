"""Run chunk tasks in worker processes (SQLite reads and row conversion are CPU-bound Python:
threads would share one core), with progress reported back through a queue."""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import queue
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
        import signal

        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _init(progress: Any, setup: Callable[..., None], args: tuple[Any, ...]) -> None:
    global _progress_queue
    _die_with_parent()
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
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init,
                             initargs=(progress, setup, setup_args)) as pool:  # fmt: skip
        pending: set[Future[Any]] = {pool.submit(_task, func, *task) for task in tasks}
        if started:
            started()
        try:
            while pending:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                _drain(progress, on_progress)
                for fut in done:
                    result = fut.result()
                    results.append(result)
                    if on_result:
                        on_result(result)
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
        finally:
            _drain(progress, on_progress)
    return results


def _drain(progress: Any, on_progress: Callable[[str, int], None] | None) -> None:
    while True:
        try:
            table, rows = progress.get_nowait()
        except queue.Empty:
            return
        if on_progress:
            on_progress(table, rows)
