"""The post-load steps wait only for the steps before them on their own tables."""

from __future__ import annotations

import psycopg

from skylift.db._ddl import Background, _scheduled
from skylift.db.schema import Schema
from skylift.db.translate import Step


def _log(what: str) -> str:
    return f"INSERT INTO log VALUES ('{what}', clock_timestamp())"


def test_a_foreign_key_does_not_wait_for_another_tables_index(pg_url: str) -> None:
    """The big table's key is checked while a small table's slow (GIN) index builds; a key on
    the table being indexed waits for it, and ANALYZE waits for that key."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE log (what text, at timestamptz)")
    steps = [
        Step(f"SELECT pg_sleep(1.5); {_log('slow index on docs')}", "i1", kind="index",
             table="docs"),
        Step(_log("index on events"), "i2", kind="index", table="events"),
        Step(_log("events -> users"), "f1", kind="fk", table="events", parent="users"),
        Step(_log("docs -> users"), "f2", kind="fk", table="docs", parent="users"),
        Step(_log("analyze docs"), "a1", kind="analyze", table="docs"),
    ]  # fmt: skip

    def run(url: str, stop: object) -> None:
        _scheduled(url, steps, Schema(), 2, stop)  # type: ignore[arg-type]

    post = Background(run, pg_url)
    post.join()
    with psycopg.connect(pg_url) as conn:
        order = [r[0] for r in conn.execute("SELECT what FROM log ORDER BY at").fetchall()]
    assert order.index("events -> users") < order.index("slow index on docs")
    assert order.index("slow index on docs") < order.index("docs -> users")
    assert order.index("docs -> users") < order.index("analyze docs")
