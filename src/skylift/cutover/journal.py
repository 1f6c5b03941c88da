"""The journal of `skylift cutover` and `skylift rollback`: one JSON line per event, appended
to `.skylift/cutover/<target>-<env>.jsonl` and never rewritten.

A step is done when its `done` line is there; a rerun after kill -9 skips those and does the
rest (a step killed half-way is done again: each one is idempotent). A cutover started after a
finished rollback opens a new run, so the file keeps the whole history. Names, times and counts
only, never a secret: the journal is safe to attach to a bug report.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from skylift import workdir
from skylift.errors import UsageError


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        workdir.make_dirs(path.parent)

    @classmethod
    def at(cls, root: Path, target: str, environment: str) -> Journal:
        return cls(root / ".skylift" / "cutover" / f"{target}-{environment}.jsonl")

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One cutover or rollback at a time per target and environment (the lock goes with
        the process, kill -9 included)."""
        with (self.path.with_suffix(".lock")).open("a+") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.seek(0)
                raise UsageError("another skylift cutover or rollback is running for this app",
                                 f"it holds {f.name} (pid {f.read().strip() or '?'})",
                                 "wait for it to finish, or stop it; then rerun") from None  # fmt: skip
            f.truncate(0)
            f.write(str(os.getpid()))
            f.flush()
            yield

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:  # a line torn by a kill in the middle of a write
                continue
        return out

    def run(self) -> int:
        runs = [int(e.get("run", 1)) for e in self.entries()]
        return max(runs) if runs else 1

    def current(self) -> list[dict[str, Any]]:
        run = self.run()
        return [e for e in self.entries() if int(e.get("run", 1)) == run]

    def done(self, operation: str, step: str) -> dict[str, Any] | None:
        for e in reversed(self.current()):
            if e["operation"] == operation and e["step"] == step and e["status"] == "done":
                return dict(e.get("detail") or {})
        return None

    def finished(self, operation: str) -> bool:
        return self.done(operation, "finished") is not None

    def new_run(self) -> None:
        self.record("journal", "run", "started", run=self.run() + 1)

    def record(self, operation: str, step: str, status: str, *, run: int | None = None,
               **detail: Any) -> None:  # fmt: skip
        entry = {
            "run": run or self.run(),
            "at": round(time.time(), 3),
            "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "operation": operation,
            "step": step,
            "status": status,
            "detail": detail,
        }
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, default=str) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def steps(self, operation: str) -> list[dict[str, Any]]:
        """The finished steps of the current run, in order, with their details and times."""
        return [
            {"step": e["step"], "at": e["utc"], **(e.get("detail") or {})}
            for e in self.current()
            if e["operation"] == operation and e["status"] == "done"
        ]
