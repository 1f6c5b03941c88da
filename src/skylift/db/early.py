"""What a migration can begin before the engine is imported: the SQLite snapshot's copy
(sources/_sqlite_snapshot.py). Imports nothing heavy."""

from __future__ import annotations

from pathlib import Path

from skylift.errors import SkyliftError


def snapshot_folder(workdir: Path) -> Path:
    return workdir / "snapshots"


def begin(source_url: str, workdir: Path) -> None:
    """Start copying a SQLite source into the work folder's snapshots (best effort)."""
    from skylift.db.urls import scheme_of

    try:
        engine = scheme_of(source_url)
    except SkyliftError:
        return  # the engine reports a wrong URL properly
    if engine == "sqlite":
        from skylift.db.sources._sqlite_snapshot import start_early

        start_early(source_url, snapshot_folder(workdir))
