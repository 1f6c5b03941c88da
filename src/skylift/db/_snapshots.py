"""The work folder's snapshots: keep what a resume needs, remove what no run can use.

A SQLite source is read from a snapshot (sources/sqlite/_snapshot.py) named after the state it
copies; the target's journal names the one its run reads. Without care they pile up: a copy
torn by a kill (`.partial`), a copy never marked durable (no run reuses it: it is taken again),
the copies of states an app has long left. Each snapshot gets a label naming its source, so a
verified run can drop the older copies of the same database.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

QUIET = 120.0  # seconds: a file written more recently may be another run's, still at work
LABEL = ".source"
DURABLE = ".durable"


def label(snapshot: Path, source: str) -> None:
    """Record which database `snapshot` copies (the source as shown: no password)."""
    with contextlib.suppress(OSError):
        snapshot.with_name(snapshot.name + LABEL).write_text(source + "\n")


def tidy(folder: Path, keep: set[Path] | None = None) -> list[Path]:
    """Remove torn and never-finished copies, and markers without their copy; returns them."""
    keep = {p.resolve() for p in keep or set()}
    if not folder.is_dir():
        return []
    now = time.time()
    removed = []
    for path in folder.iterdir():
        if path.resolve() in keep or _busy(path, now):
            continue
        db = _snapshot_of(path)
        if (
            ".partial" in path.suffixes
            or path.name.endswith(".partial-journal")
            or (
                db is not None
                and (not db.exists() or not _durable(db))
                and db.resolve() not in keep
            )
        ):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def forget_others(folder: Path, source: str, keep: Path) -> list[Path]:
    """After a verified run: the other snapshots of the same source are superseded."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    now = time.time()
    for labelled in folder.glob(f"*.db{LABEL}"):
        db = labelled.with_name(labelled.name[: -len(LABEL)])
        if db.resolve() == keep.resolve() or _busy(db, now):
            continue
        with contextlib.suppress(OSError):
            if labelled.read_text().strip() == source:
                removed += remove(db)
    return removed


def remove(snapshot: Path) -> list[Path]:
    """The snapshot and its companions (durable marker, label, SQLite's -wal and -shm)."""
    removed = []
    for suffix in ("", DURABLE, LABEL, "-wal", "-shm"):
        path = snapshot.with_name(snapshot.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def _snapshot_of(path: Path) -> Path | None:
    """The snapshot a file of the folder belongs to (None: not a snapshot's file)."""
    name = path.name
    if not name.startswith("snapshot-"):
        return None
    for suffix in (DURABLE, LABEL, "-wal", "-shm"):
        if name.endswith(suffix):
            return path.with_name(name[: -len(suffix)])
    return path if name.endswith(".db") else None


def _durable(db: Path) -> bool:
    return db.with_name(db.name + DURABLE).exists()


def _busy(path: Path, now: float) -> bool:
    try:
        return now - path.stat().st_mtime < QUIET
    except OSError:
        return False
