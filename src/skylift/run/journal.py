"""The journal of `skylift up`/`down`: one JSON line per step in .skylift/journal.jsonl.

Names and counts only, never a secret's value: the journal is safe to attach to a bug report.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, step: str, status: str, **details: Any) -> None:
        entry = {
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "step": step,
            "status": status,
            **details,
        }
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, default=str) + "\n")

    def last(self, step: str, **match: Any) -> dict[str, Any] | None:
        """The latest entry of `step` whose details match, or None."""
        if not self.path.exists():
            return None
        found = None
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:  # a line cut by a kill -9
                continue
            if entry.get("step") == step and all(entry.get(k) == v for k, v in match.items()):
                found = entry
        return found
