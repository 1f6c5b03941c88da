"""docs/scan.md documents every finding code the scanner can emit."""

from __future__ import annotations

import re
from pathlib import Path

from skylift.scan.sqlcheck import CHECKS

ROOT = Path(__file__).resolve().parents[2]


def emitted_codes() -> set[str]:
    """Codes passed literally to draft.finding(...) anywhere in the scanner."""
    codes: set[str] = set()
    for path in (ROOT / "src" / "skylift" / "scan").glob("*.py"):
        codes |= set(re.findall(r"\.finding\(\s*\"([a-z]+(?:-[a-z]+)+)\"", path.read_text()))
    return codes


def test_every_finding_code_is_documented() -> None:
    docs = (ROOT / "docs" / "scan.md").read_text()
    codes = emitted_codes()
    assert len(codes) >= 10  # the extraction itself works
    missing = sorted(c for c in codes if f"`{c}`" not in docs)
    assert missing == []


def test_every_sql_check_is_documented() -> None:
    docs = (ROOT / "docs" / "scan.md").read_text()
    assert [c for c in CHECKS if f"-{c}`" not in docs] == []
