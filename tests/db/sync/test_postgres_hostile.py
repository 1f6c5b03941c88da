"""Hostile values through `db sync` from PostgreSQL (logical replication and triggers): TOASTed
values an update leaves alone, bytea / float / toasted keys, NaN, infinities, enums, domains,
json's own text, ranges, arrays, keys that change; then a cutover, writes on the target and a
rollback that brings each value back exactly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from skylift.db.sync import cutover, run

from ._load import PG_SCHEMA, pg_database
from ._oracle import assert_as_migrate_copies
from .test_postgres_logical import logical_admin_url  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow

SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TABLE docs (id int PRIMARY KEY, body text, blob bytea, n numeric, f float8, ts timestamp,
  tz timestamptz, m mood, p posint, j json, jb jsonb, r int4range, tr tstzrange, a int[],
  t2 text[][], note text);
ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
INSERT INTO docs VALUES (1, repeat('x', 100000), decode(repeat('ab', 50000), 'hex'), 'NaN',
  'Infinity', 'infinity', '-infinity', 'happy', 7, '{"b": 1,  "a": 2, "a": 3}', '{"k": [1, 2.50]}',
  '[1,10)', '[2024-01-01 00:00+00,)', '{1,NULL,3}', '{{a,b},{NULL,"d e"}}', 'first');
CREATE TABLE bkeys (k bytea PRIMARY KEY, v text);
INSERT INTO bkeys VALUES ('\\x00ff', 'one'), ('\\x', 'empty');
CREATE TABLE fkeys (k float8 PRIMARY KEY, v text);
INSERT INTO fkeys VALUES (0.1 + 0.2, 'a'), ('Infinity', 'inf'), ('-0', 'negative zero');
CREATE TABLE tkeys (k text PRIMARY KEY, v text);
ALTER TABLE tkeys ALTER COLUMN k SET STORAGE EXTERNAL;
INSERT INTO tkeys SELECT string_agg(md5(i::text), '') , 'long' FROM generate_series(1, 60) i;
CREATE TABLE nokey (a text, b numeric);
INSERT INTO nokey VALUES ('x', 'NaN'), ('x', 'NaN');
"""

CHANGES = [
    "UPDATE docs SET note = 'body untouched' WHERE id = 1",  # body and blob: 'unchanged' TOAST
    "INSERT INTO docs (id, body, n, f, ts, m, j, r, a) VALUES (2, repeat('é😀', 40000),"
    " '-Infinity', '-0', '-infinity', 'sad', '[1e400]', 'empty', '{}')",
    "UPDATE docs SET id = 3 WHERE id = 2",  # the key changes
    "UPDATE bkeys SET v = 'changed' WHERE k = '\\x00ff'",
    "INSERT INTO bkeys VALUES ('\\xdeadbeef00', 'new')",
    "DELETE FROM bkeys WHERE k = '\\x'",
    "UPDATE fkeys SET v = 'b' WHERE v = 'a'",
    "DELETE FROM fkeys WHERE k = 'Infinity'",
    "UPDATE tkeys SET v = 'changed'",  # its key stays TOASTed
    "UPDATE nokey SET b = 'Infinity' WHERE ctid = (SELECT min(ctid) FROM nokey)",
]

ON_TARGET = [
    "UPDATE docs SET note = 'on the target', n = 'Infinity', tz = 'infinity' WHERE id = 1",
    "INSERT INTO docs (id, body, blob, f, m, j, jb, tr, t2) VALUES (9, repeat('z', 9000), '\\x00',"
    " '1e-320', 'ok', '{ \"spaced\" :  true }', '{\"big\": 123456789012345678901234567890}',"
    " '(,)', '{{NULL}}')",
    "UPDATE bkeys SET k = '\\x01' WHERE v = 'changed'",
    "INSERT INTO fkeys VALUES ('-Infinity', 'minus')",
    "DELETE FROM nokey WHERE b = 'NaN'",
]


@pytest.fixture
def hostile_pg(logical_admin_url: str) -> Iterator[str]:  # noqa: F811
    yield from pg_database(logical_admin_url, PG_SCHEMA + SCHEMA)


def app_rows(url: str) -> dict[str, list[str]]:
    with psycopg.connect(url) as conn:
        conn.execute("SET TimeZone = 'UTC'; SET extra_float_digits = 3")
        return {
            t: sorted(r[0] for r in conn.execute(f"SELECT x::text FROM {t} AS x").fetchall())
            for t in ("docs", "bkeys", "fkeys", "tkeys", "nokey")
        }


@pytest.mark.parametrize("capture", ["logical", "triggers"])
def test_sync_cutover_rollback_keep_every_value(hostile_pg: str, pg_url: str, pg_admin_url: str, tmp_path: Path, capture: str) -> None:  # fmt: skip
    options = run.Options(workdir=tmp_path / "work", capture=capture)
    first = run.sync(hostile_pg, pg_url, options=options, once=True)
    assert first.capture == f"postgresql-{capture}"
    with psycopg.connect(hostile_pg, autocommit=True) as conn:
        for statement in CHANGES:
            conn.execute(statement)
    run.sync(hostile_pg, pg_url, options=options, once=True)
    assert_as_migrate_copies(hostile_pg, pg_url, pg_admin_url, tmp_path)
    assert app_rows(hostile_pg) == app_rows(pg_url)
    moved = cutover.cutover(hostile_pg, pg_url, options=options)
    assert moved.ok
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in ON_TARGET:
            conn.execute(statement)
    back = cutover.rollback(hostile_pg, pg_url, options=options)
    assert back.ok
    assert app_rows(hostile_pg) == app_rows(pg_url)
