"""Fail points for the kill -9 tests: `SKYLIFT_SYNC_KILL_AT=<point>` makes the process SIGKILL
itself when it reaches that point (the tests then rerun the command and check that nothing was
lost or doubled). Unset — always, outside the tests — a fail point costs one dict lookup."""

from __future__ import annotations

import os
import signal

VARIABLE = "SKYLIFT_SYNC_KILL_AT"


def point(name: str) -> None:
    if os.environ.get(VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
