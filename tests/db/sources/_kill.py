"""Kill a real migration with SIGKILL in the middle of its copy (the process group: the run and
its worker processes), for resume tests."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import time
from typing import Any

import psycopg

from skylift.db import migrate


def _run(source_url: str, target_url: str) -> None:
    os.setpgrp()  # its own group: the kill takes the worker processes too
    migrate(source_url, target_url, jobs=2)


def _chunks_done(target_url: str) -> int:
    try:
        with psycopg.connect(target_url, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM skylift.progress").fetchone()
    except psycopg.Error:
        return 0
    return int(row[0]) if row else 0


def kill_midway(source_url: str, target_url: str, after_chunks: int = 2) -> int:
    """Start a migration, SIGKILL it once `after_chunks` chunks are committed; chunks done."""
    proc = mp.get_context("fork").Process(target=_run, args=(source_url, target_url))
    proc.start()
    deadline = time.monotonic() + 60
    while proc.is_alive() and time.monotonic() < deadline:
        if _chunks_done(target_url) >= after_chunks:
            break
        time.sleep(0.01)
    done = _chunks_done(target_url)
    if proc.pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.join()
    _wait_for_backends(target_url)
    return done


def _wait_for_backends(target_url: str) -> None:
    """The killed run's server sessions end when PostgreSQL notices their sockets closed."""
    deadline = time.monotonic() + 30
    with psycopg.connect(target_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            ).fetchone()
            if row and row[0] == 0:
                return
            time.sleep(0.05)


def count(url: str, table: str) -> Any:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(f"SELECT count(*), count(DISTINCT id) FROM {table}").fetchone()
    return row
