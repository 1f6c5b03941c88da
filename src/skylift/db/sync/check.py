"""Verification without reading everything again: the keys changed since the last full check.

A cutover must not re-read a big database inside its freeze. Before the freeze every table is
compared whole (db/verify.py, the source read live); tables that differ then (their writes were
still arriving) are compared whole again inside the freeze, the others only on the keys the
capture reported since, read from both sides and compared by count and checksum, plus every
table's row count. The same check proves a rollback's copy back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from skylift.db.sync.apply import WHOLE, Applier
from skylift.db.sync.changes import Snapshot, TableChanges


@dataclass
class KeyCheck:
    table: str
    keys: int  # keys compared (-1: the whole table)
    source_rows: int
    target_rows: int
    source_sum: int
    target_sum: int
    source_count: int | None = None  # every row of the table, when counted
    target_count: int | None = None

    @property
    def ok(self) -> bool:
        same = self.source_rows == self.target_rows and self.source_sum == self.target_sum
        return same and self.source_count == self.target_count

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "ok": self.ok,
            "keys_compared": "all" if self.keys < 0 else self.keys,
            "source_rows": self.source_rows,
            "target_rows": self.target_rows,
            "source_checksum": f"{self.source_sum:016x}",
            "target_checksum": f"{self.target_sum:016x}",
            "source_count": self.source_count,
            "target_count": self.target_count,
        }


def check_keys(applier: Applier, snapshot: Snapshot, capture: Any, touched: dict[str, list[str]],
               whole: set[str], count: bool = True) -> list[KeyCheck]:  # fmt: skip
    """Compare, per table, the touched keys (or the whole table) on both sides."""
    out = []
    for name, meta in applier.tables.items():
        keys = touched.get(name, [])
        entire = name in whole or WHOLE in keys or (bool(keys) and not meta.keyed)
        if not keys and not entire and not count:
            continue  # (counted, it is still checked: by its row count)
        mode, rows, digest, got = "rows", 0, 0, (0, 0)
        if entire or keys:
            changes = (
                TableChanges(whole=True)
                if entire
                else capture.changes_for_keys(snapshot, meta.table, set(keys))
            )
            mode, rows, digest = applier.source_digest(meta, changes, snapshot)
            got = applier.target_digest(meta, mode, None if entire else set(keys))
        check = KeyCheck(name, -1 if entire else len(keys), rows, got[0], digest, got[1])
        if count:
            check.source_count = snapshot.count(meta.table)  # type: ignore[attr-defined]
            check.target_count = applier.count(meta)
        out.append(check)
    return out
