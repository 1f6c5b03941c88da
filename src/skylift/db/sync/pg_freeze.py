"""PostgreSQL sources: the write freeze and a rollback's copy back."""

from __future__ import annotations

from typing import Any

from skylift.db.schema import Schema
from skylift.errors import UsageError


def _not_yet() -> UsageError:
    return UsageError(
        "db cutover and db rollback do not handle PostgreSQL sources yet",
        "their freeze and copy back are not built",
        "freeze the app's writes yourself and pass --freeze-command; `db sync` works",
    )


def freeze(url: str, schema: Schema) -> dict[str, Any]:
    raise _not_yet()


def unfreeze(url: str) -> bool:
    raise _not_yet()


def write_back(url: str, schema: Schema, plan: list[Any]) -> None:
    raise _not_yet()
