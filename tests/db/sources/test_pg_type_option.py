"""`--type` on a PostgreSQL source: the target column gets exactly the type given (it was
ignored), checked against the target; an unknown column or type is a usage error."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import psycopg
import pytest

from skylift.db import migrate
from skylift.errors import UsageError


@pytest.fixture
def small_source(pg_admin_url: str) -> Iterator[str]:
    name = f"src_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = urlsplit(pg_admin_url)._replace(path="/" + name).geturl()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, qty int, email text)")
        conn.execute("INSERT INTO t VALUES (1, 5, 'Ada@x'), (2, NULL, NULL)")
    yield url
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_the_type_given_is_created_and_checked(small_source: str, pg_url: str) -> None:
    with pytest.raises(UsageError, match="no such type"):
        migrate(small_source, pg_url, jobs=2, types={"t.qty": "notatype"})
    with pytest.raises(UsageError, match="does not have"):
        migrate(small_source, pg_url, jobs=2, types={"t.nope": "text"})
    report = migrate(
        small_source, pg_url, jobs=2, types={"t.qty": "bigint", "t.email": "varchar(20)"}
    )
    assert report.verified
    with psycopg.connect(pg_url) as conn:
        types = dict(conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = 't'::regclass AND attnum > 0").fetchall())  # fmt: skip
        assert conn.execute("SELECT * FROM t ORDER BY id").fetchall() == [
            (1, 5, "Ada@x"),
            (2, None, None),
        ]
    assert types == {"id": "integer", "qty": "bigint", "email": "character varying(20)"}
