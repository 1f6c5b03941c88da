"""The freeze, the source's counters and the copy back for server sources (MySQL, PostgreSQL):
one entry point each, dispatching on the engine. SQLite's live in sync/sqlite.py and
sync/back_sqlite.py."""

from __future__ import annotations

from typing import Any

from skylift.errors import UsageError


def _not_yet(engine: str) -> UsageError:
    return UsageError(
        f"db cutover and db rollback do not handle {engine} sources yet",
        "their freeze and copy back are not built",
        "freeze the app's writes yourself and pass --freeze-command; `db sync` works",
    )


def freeze_source(session: Any) -> dict[str, Any]:
    source = session.source
    source.close()  # its connection's open transaction would hold the tables' metadata locks
    session.capture.close()  # the freeze ends the sessions open now (the capture reconnects)
    if source.engine == "mysql":
        from skylift.db.sync import mysql_freeze

        return mysql_freeze.freeze(source.params, session.schema)
    if source.engine == "postgresql":
        from skylift.db.sync import pg_freeze

        return pg_freeze.freeze(source.url, session.schema)
    raise _not_yet(source.engine)


def unfreeze_source(source: Any) -> bool:
    source.close()  # (see freeze_source)
    if source.engine == "mysql":
        from skylift.db.sync import mysql_freeze

        return mysql_freeze.unfreeze(source.params)
    if source.engine == "postgresql":
        from skylift.db.sync import pg_freeze

        return pg_freeze.unfreeze(source.url)
    raise _not_yet(source.engine)


def counters(session: Any) -> dict[str, int]:
    if session.source.engine == "mysql":
        from skylift.db.sync import mysql_freeze

        return mysql_freeze.counters(session.source.params)
    return {}


def write_back(session: Any, plan: list[Any], last: int) -> None:
    source = session.source
    if source.engine == "mysql":
        from skylift.db.sync import mysql_freeze

        mysql_freeze.write_back(source.params, plan)
        return
    if source.engine == "postgresql":
        from skylift.db.sync import pg_freeze

        pg_freeze.write_back(source.url, session.schema, plan)
        return
    raise _not_yet(source.engine)
