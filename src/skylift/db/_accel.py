"""The optional C accelerator (csrc/fastcopy.c, built by setup.py where a C compiler and
SQLite's header exist) and the two libpq functions it calls.

Both of its parts have a pure-Python counterpart that sends or reads the same bytes and computes
the same digest; tests run both. SKYLIFT_PURE_PYTHON=1 turns the accelerator off.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
from typing import Any

try:
    from skylift.db import _fastcopy
except ImportError:  # not built: the Python paths do it all
    _fastcopy = None

fastcopy: Any = _fastcopy


def enabled() -> bool:
    return fastcopy is not None and os.environ.get("SKYLIFT_PURE_PYTHON", "") in ("", "0")


def has_jsonb() -> bool:
    """The accelerator prints jsonb (csrc/jsonb.c; an older build of it does not)."""
    return enabled() and hasattr(fastcopy, "jsonb")


def libpq() -> tuple[int, int] | None:
    """Addresses of PQgetCopyData and PQfreemem in the libpq psycopg uses; None when the
    accelerator is off or they cannot be found (the Python reader then reads)."""
    return _libpq_functions() if enabled() else None


@functools.cache
def _libpq_functions() -> tuple[int, int] | None:
    path = _libpq_path()
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(path)
        get = ctypes.cast(lib.PQgetCopyData, ctypes.c_void_p).value
        free = ctypes.cast(lib.PQfreemem, ctypes.c_void_p).value
    except (OSError, AttributeError):
        return None
    return (get, free) if get and free else None


def _libpq_path() -> str | None:
    from psycopg import pq

    if pq.__impl__ == "python":
        from psycopg.pq import _pq_ctypes

        return str(_pq_ctypes.pq._name)  # type: ignore[attr-defined]
    bundled = pq.__impl__ == "binary"
    try:
        with open("/proc/self/maps") as maps:  # Linux: the libraries this process has loaded
            paths = {line.split()[-1] for line in maps if "/libpq" in line}
    except OSError:
        return None
    found = [p for p in paths if ("psycopg_binary" in p) == bundled]
    return found[0] if len(found) == 1 else None
