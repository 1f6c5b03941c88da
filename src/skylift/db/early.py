"""What a migration can begin before the engine is imported: the SQLite snapshot's copy
(sources/sqlite/_snapshot.py, all that package loads at first), or reading a MySQL schema
(sources/mysql/_early.py), which waits on the server most of the time. Imports nothing heavy."""

from __future__ import annotations

from pathlib import Path

from skylift.errors import SkyliftError, UsageError


def snapshot_folder(workdir: Path) -> Path:
    return workdir / "snapshots"


def parse_types(pairs: list[str]) -> dict[str, str]:
    """--type table.column=TYPE overrides."""
    out = {}
    for pair in pairs:
        name, sep, pg_type = pair.partition("=")
        if not sep or "." not in name or not pg_type.strip():
            raise UsageError(
                f"bad --type '{pair}'",
                "expected TABLE.COLUMN=TYPE",
                "e.g. --type items.price=numeric",
            )
        out[name.strip()] = pg_type.strip()
    return out


def begin(
    source_url: str, workdir: Path, target_url: str | None = None, types: list[str] | None = None
) -> None:
    """Start copying a SQLite source into the work folder's snapshots, or reading a MySQL
    source's schema in a thread (best effort: the engine does it again when this fails)."""
    from skylift.db.urls import scheme_of

    try:
        engine = scheme_of(source_url)
        options = {"types": parse_types(types or []), "target_url": target_url}
    except SkyliftError:
        return  # the engine reports a wrong URL or option properly
    if engine == "sqlite":
        from skylift.db.sources.sqlite import start_early

        start_early(source_url, snapshot_folder(workdir))
    elif engine == "mysql":
        from skylift.db.sources.mysql import start_early as read_early

        read_early(source_url, options)
