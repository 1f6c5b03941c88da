"""PostgreSQL sources nobody here wrote: a partitioned table with an identity column (its
partitions share the parent's), and values whose cast to text is not their output (inet) on
the text path (a table with a domain or composite column): migrated, verified, resumable."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import psycopg
import pytest

from skylift.db import migrate

SOURCE = """
CREATE SCHEMA shop;
CREATE DOMAIN shop.posint AS int CHECK (VALUE > 0);
CREATE TYPE shop.addr AS (street text, zip int);
CREATE TABLE shop.events (id bigint GENERATED ALWAYS AS IDENTITY, at date NOT NULL, v text,
  PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE shop.events_2024 PARTITION OF shop.events
  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE shop.events_rest PARTITION OF shop.events DEFAULT;
INSERT INTO shop.events (at, v) VALUES ('2024-05-05', 'a'), ('1999-01-01', 'old'),
  ('infinity', 'inf');
CREATE TABLE shop.hosts (id int PRIMARY KEY, n shop.posint, a shop.addr[], ip inet, net cidr);
INSERT INTO shop.hosts VALUES (1, 1, NULL, '::1', '10.0.0.0/8'),
  (2, NULL, ARRAY[ROW('Main', 1)::shop.addr], '10.1.2.3/8', '::/0'), (3, 2, '{}', NULL, NULL);
"""


@pytest.fixture
def source(pg_admin_url: str) -> Iterator[str]:
    name = f"src_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = urlsplit(pg_admin_url)._replace(path="/" + name).geturl()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SOURCE)
    yield url
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_partitions_with_an_identity_and_inet_on_the_text_path(source: str, pg_url: str) -> None:
    report = migrate(source, pg_url, jobs=2)
    assert report.verified, [v for v in report.verification if not v["ok"]]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM shop.events").fetchone() == (3,)
        made = conn.execute("INSERT INTO shop.events (at, v) VALUES ('2024-06-01', 'new')"
                            " RETURNING id").fetchone()  # fmt: skip
        assert made == (4,)  # the parent's sequence, where the source's stood
        with pytest.raises(psycopg.errors.GeneratedAlways):
            conn.execute("INSERT INTO shop.events (id, at) VALUES (9, '2024-01-02')")
        hosts = conn.execute("SELECT id, ip::text, net::text FROM shop.hosts ORDER BY id")
        assert hosts.fetchall() == [
            (1, "::1/128", "10.0.0.0/8"), (2, "10.1.2.3/8", "::/0"), (3, None, None)
        ]  # fmt: skip
        conn.execute("DELETE FROM shop.events WHERE v = 'new'")
    again = migrate(source, pg_url, jobs=2)
    assert again.resumed and again.verified
