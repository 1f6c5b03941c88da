"""Reading a MySQL schema in a thread while the CLI imports the engine (db/early.py): the
catalog queries and the profile scan wait on the server, so the two overlap. Above `_schema`,
below `_source`: `start_early` needs the package loaded only this far.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any

from skylift.db.schema import Schema
from skylift.db.sources.mysql._connection import binlog_position, connect, parse_url
from skylift.db.sources.mysql._schema import read_schema


@dataclass
class Read:
    """The connection that read the schema, the binary log position it read at, the schema."""

    conn: Any = None
    start_position: str | None = None
    schema: Schema | None = None


# URL and options -> what the thread reads (filled in by it), and the thread
_EARLY: dict[str, tuple[Read, threading.Thread]] = {}


def _early_key(url: str, options: dict[str, Any]) -> str:
    return repr((url, sorted((options.get("types") or {}).items()), options.get("target_url")))


def start_early(url: str, options: dict[str, Any]) -> None:
    """Begin reading the schema of `url` in a thread; a source opened later with the same URL
    and options adopts it (`claim_early`)."""
    params, opts, done = parse_url(url), dict(options), Read()

    def run() -> None:
        with contextlib.suppress(Exception):  # no schema: the engine reads it again
            done.conn = connect(params)
            done.start_position = binlog_position(done.conn)
            done.schema = read_schema(done.conn, params["database"], opts)

    thread = threading.Thread(target=run, daemon=True)
    _EARLY[_early_key(url, options)] = (done, thread)
    thread.start()


def claim_early(url: str, options: dict[str, Any]) -> Read | None:
    """What `start_early` read for the same URL and options (waiting for it), or None."""
    done, thread = _EARLY.pop(_early_key(url, options), (None, None))
    if done is None or thread is None:
        return None
    thread.join()
    if done.schema is None:  # it failed: read again by the caller, where the error is reported
        if done.conn is not None:
            done.conn.close()
        return None
    return done
