"""PostgreSQL -> PostgreSQL against two real databases on the embedded server (pgvector
included): a Heroku-shaped source with every object kind, migrated and verified."""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from skylift.db import migrate, verify, verify_databases
from skylift.db.pipeline import open_source
from skylift.db.sources import Chunk
from skylift.db.sources.postgres import PostgresSource

SOURCE_SQL = (Path(__file__).parent / "data" / "pg_source.sql").read_text()


@pytest.fixture
def source_url(pg_admin_url: str) -> Iterator[str]:
    """A second fresh database, filled with the Heroku-shaped source."""
    name = f"s_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlsplit(pg_admin_url)._replace(path="/" + name).geturl()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SOURCE_SQL)
    yield url
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def migrated(source_url: str, pg_url: str) -> tuple[Any, str, str]:
    return migrate(source_url, pg_url, jobs=2), source_url, pg_url


def _one(url: str, query: str) -> Any:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(query).fetchone()
    return row[0] if row and len(row) == 1 else row


def _schema_dump(url: str, exclude: str = "skylift") -> str:
    """pg_dump --schema-only, normalised: no psql meta-commands, comments, or host schema."""
    from skylift.cloud.embedded_pg import _binaries

    out = subprocess.run(
        [str(_binaries() / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges",
         "-N", exclude, "-N", "heroku_ext", url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    lines = [ln for ln in out.splitlines() if ln and not ln.startswith(("--", "\\"))]
    text = "\n".join(lines)
    text = text.replace("heroku_ext.", "public.").replace(
        "WITH SCHEMA heroku_ext", "WITH SCHEMA public"
    )
    # PostgreSQL 18 names NOT NULL constraints after the table that declared them
    return re.sub(r" CONSTRAINT \w+_not_null NOT NULL", " NOT NULL", text)


def test_every_table_is_copied_and_verified(migrated: tuple[Any, str, str]) -> None:
    report, _, _ = migrated
    assert [v for v in report.verification if not v["ok"]] == []
    rows = {v["table"]: v["target_rows"] for v in report.verification}
    assert rows == {
        "users": 301,
        "documents": 495,
        "events_2024": 366,
        "events_2025": 365,
        "events_other": 69,
        "billing.invoices": 200,  # a second schema: named with it
    }
    assert report.rejects == []


def test_schema_is_the_same_as_pg_dump_says(migrated: tuple[Any, str, str]) -> None:
    _, source, target = migrated
    before = _schema_dump(source).replace("CREATE SCHEMA heroku_ext;\n", "")
    assert _schema_dump(target) == before


def test_target_behaves_like_the_source(migrated: tuple[Any, str, str]) -> None:
    _, source, target = migrated
    for seq in ("documents_id_seq", "events_id_seq", "order_numbers"):
        query = f"SELECT last_value, is_called FROM {seq}"
        assert _one(target, query) == _one(source, query)
    with psycopg.connect(target, autocommit=True) as conn:
        # identity ALWAYS kept, and its sequence goes on from the source's value
        with pytest.raises(psycopg.errors.GeneratedAlways):
            conn.execute("INSERT INTO users (id, email) VALUES (9999, 'x@y')")
        new = conn.execute("INSERT INTO users (email) VALUES ('x@y') RETURNING id").fetchone()
        assert new[0] == 302
        # the partitioned table routes new rows; the vector index answers a nearest query
        conn.execute("INSERT INTO events (happened_at, kind) VALUES ('2025-06-01', 'new')")
        assert conn.execute("SELECT count(*) FROM events_2025").fetchone()[0] == 366
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute(
            "EXPLAIN SELECT id FROM documents ORDER BY embedding <=> '[1,1,1]' LIMIT 3"
        ).fetchall()
        assert "documents_embedding_hnsw" in str(plan)
        # the trigger, the domain and the enum of the second schema are there
        conn.execute("UPDATE documents SET title = 'changed' WHERE id = 1")
        assert conn.execute("SELECT updated_at FROM documents WHERE id = 1").fetchone()[0]
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO users (email) VALUES ('not-an-email')")
        plans = conn.execute("SELECT enum_range(NULL::billing.plan)::text").fetchone()[0]
        assert plans == "{free,pro}"


def test_heroku_ext_is_left_behind(migrated: tuple[Any, str, str]) -> None:
    report, _, target = migrated
    assert _one(target, "SELECT count(*) FROM pg_namespace WHERE nspname = 'heroku_ext'") == 0
    assert (
        _one(
            target,
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'",
        )
        == "public"
    )
    assert any("heroku_ext" in n["message"] for n in report.notes)


def test_all_chunks_share_one_snapshot(source_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PostgresSource, "CHUNK_ROWS", 100)
    source = open_source(source_url)
    table = source.read_schema().table("documents")
    chunks = source.chunks(table)
    with psycopg.connect(source_url, autocommit=True) as conn:
        conn.execute("DELETE FROM documents")  # after the snapshot: the copy must not see it
    reader = source.reader()
    assert sum(len(list(reader.rows(table, c))) for c in chunks) == 495
    assert len(chunks) == 5
    reader.close()
    source.close()


EDGE_SQL = r"""
CREATE TABLE edge (id bigint PRIMARY KEY, f float8, r real, n numeric, m numeric(12,2),
  c char(5), t text, ts timestamptz, tsz timestamp, d date, iv interval, a int[], ta text[],
  j jsonb, js json, b bytea, u uuid, ip inet, bo boolean, tm time, money_ money);
INSERT INTO edge VALUES
 (1, 'NaN', '-0', 'NaN', 1.5, 'ab', E'tab\there\nline ☕', 'infinity', '-infinity',
  'infinity', '1 mon -2 days 00:00:01.5', '{1,NULL,3}', '{"a,b",NULL,"\"q\""}',
  '{"k": [1.50, null], "a": "é"}', '{"k":  1.50 }', '\x00ff', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '10.0.0.1/8', true, '24:00', 12.34),
 (2, '-Infinity', 3.4e38, '-0.000100', -0.01, NULL, '', '2024-02-29 23:59:59.999999+00',
  '0001-01-01 00:00:00', '4713-01-01 BC', NULL, '{}', '{}', '[]', 'null', '', NULL, '::1',
  false, '00:00', -0.5),
 (3, 5e-324, 1.17549435e-38, 1e1000, NULL, '     ', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
"""


def test_builtin_types_travel_as_binary_records_exactly(source_url: str, pg_url: str) -> None:
    with psycopg.connect(source_url, autocommit=True) as conn:
        conn.execute(EDGE_SQL)
    source = open_source(source_url)
    schema = source.read_schema()
    assert source.copy_format(schema.table("edge")) == "binary"
    assert source.copy_format(schema.table("users")) == "rows"  # a domain, an enum: as text
    stream = source.reader().binary_stream(schema.table("edge"), Chunk("edge", 0))
    assert sum(rows for _block, rows in stream) == 3 and stream.digest() != 0
    source.close()
    report = migrate(source_url, pg_url, jobs=2)
    assert [v for v in report.verification if not v["ok"]] == []
    text = "SELECT e::text FROM edge e ORDER BY id"
    with psycopg.connect(source_url) as src, psycopg.connect(pg_url) as dst:
        assert src.execute(text).fetchall() == dst.execute(text).fetchall()
    with psycopg.connect(pg_url, autocommit=True) as conn:  # a changed byte is caught
        conn.execute("UPDATE edge SET r = '0' WHERE id = 1")
    bad = [v["table"] for v in verify_databases(source_url, pg_url).verification if not v["ok"]]
    assert bad == ["edge"]


def test_resume_after_kill_9(source_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ._kill import count, kill_midway

    monkeypatch.setattr(PostgresSource, "CHUNK_ROWS", 500)
    with psycopg.connect(source_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE big (id bigint PRIMARY KEY, v heroku_ext.vector(3), note text);"
            " INSERT INTO big SELECT i, ('[' || i || ',0,1]')::heroku_ext.vector, repeat('n', i % 40)"
            " FROM generate_series(1, 20000) i"
        )
    done = kill_midway(source_url, pg_url, after_chunks=3)
    assert done < 46  # killed while copying
    report = migrate(source_url, pg_url, jobs=2)
    assert report.resumed
    assert [v for v in report.verification if not v["ok"]] == []
    assert count(pg_url, "big") == (20000, 20000)


def test_dry_run_shows_the_schema_and_touches_nothing(source_url: str, pg_url: str) -> None:
    report = migrate(source_url, pg_url, dry_run=True)
    ddl = "\n".join(report.ddl)
    assert 'CREATE EXTENSION IF NOT EXISTS "vector"' in ddl
    assert "PARTITION BY RANGE (happened_at)" in ddl
    assert "USING hnsw (embedding vector_cosine_ops)" in ddl
    assert _one(pg_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0


def test_same_table_name_in_two_schemas(source_url: str, pg_url: str) -> None:
    """Tables are keyed by schema and name: neither twin is mixed up with the other."""
    with psycopg.connect(source_url, autocommit=True) as conn:
        conn.execute(
            "CREATE SCHEMA twin;"
            "CREATE TABLE public.events2 (id int PRIMARY KEY, what text);"
            "CREATE TABLE twin.events2 (id int PRIMARY KEY, what text, at int);"
            "CREATE INDEX events2_what ON public.events2 (what);"
            "CREATE INDEX events2_what ON twin.events2 (what);"
            "INSERT INTO public.events2 SELECT g, 'public ' || g FROM generate_series(1, 3) g;"
            "INSERT INTO twin.events2 SELECT g, 'twin ' || g, g FROM generate_series(1, 4) g;"
        )
    report = migrate(source_url, pg_url, jobs=2)
    assert report.status == "ok" and report.verified, report.as_dict()["verification"]
    checked = {v["table"]: v["target_rows"] for v in report.verification}
    assert checked["events2"] == 3 and checked["twin.events2"] == 4
    assert _one(pg_url, "SELECT string_agg(what, ',' ORDER BY id) FROM twin.events2") == (
        "twin 1,twin 2,twin 3,twin 4"
    )
    indexes = _one(
        pg_url,
        "SELECT count(*) FROM pg_indexes WHERE indexname = 'events2_what'",
    )
    assert indexes == 2


def test_big_tables_are_verified_in_heap_slices(
    source_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify, "PAGES_PER_SLICE", 1)
    source = open_source(source_url)
    table = source.read_schema().table("documents")
    source.close()
    assert migrate(source_url, pg_url, jobs=2).verified
    pages = verify.heap_pages(pg_url, open_source(source_url).read_schema(), "preserve")
    slices = verify.target_chunks(table, pages[table.qualified])
    assert len(slices) > 2 and all(isinstance(s, verify.Pages) for s in slices)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE documents SET title = 'Doc 4!' WHERE title = 'Doc 4'")
    report = verify_databases(source_url, pg_url, jobs=2)
    bad = [c for c in report.verification if not c["ok"]]
    assert [c["table"] for c in bad] == [table.qualified]
    assert bad[0]["source_rows"] == bad[0]["target_rows"] == 495
