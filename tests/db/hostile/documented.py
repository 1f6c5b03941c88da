"""docs/db.md's "What skylift changes and why": the phrases of its first column, to check that
every note a migration of the hostile corpora writes is explained there."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DOC = Path(__file__).parents[3] / "docs" / "db.md"


def phrases() -> list[re.Pattern[str]]:
    text = DOC.read_text()
    section = text.split("## What skylift changes and why", 1)[1].split("\n## ", 1)[0]
    found = []
    for line in section.splitlines():
        if line.startswith("| `"):
            first = line.split(" | ", 1)[0]
            for phrase in re.findall(r"`([^`]+)`", first):
                parts = [re.escape(p.strip()) for p in phrase.split("…")]
                found.append(re.compile(".*".join(parts)))
    return found


def undocumented(notes: list[dict[str, Any]]) -> list[str]:
    """The notes no phrase of the section matches."""
    known = phrases()
    return [
        f"{n['object']}: {n['message']}"
        for n in notes
        if not any(p.search(n["message"]) for p in known)
    ]
