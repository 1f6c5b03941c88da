"""The freeze, the source's counters and the copy back for server sources (MySQL, PostgreSQL).

SQLite's live in sync/sqlite.py and sync/back_sqlite.py; the server engines follow them."""

from __future__ import annotations

from typing import Any

from skylift.errors import UsageError


def _not_yet(engine: str) -> UsageError:
    return UsageError(
        f"db cutover and db rollback do not handle {engine} sources yet",
        "their freeze and copy back are not built",
        "freeze the app's writes yourself and pass --freeze-command; the sync itself works",
    )


def freeze_source(session: Any) -> dict[str, Any]:
    raise _not_yet(session.source.engine)


def unfreeze_source(source: Any) -> bool:
    raise _not_yet(source.engine)


def counters(session: Any) -> dict[str, int]:
    return {}


def write_back(session: Any, plan: list[Any], last: int) -> None:
    raise _not_yet(session.source.engine)
