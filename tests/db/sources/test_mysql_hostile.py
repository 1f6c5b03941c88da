"""MySQL/MariaDB schemas and users nobody here designed, against a real MariaDB and a real
PostgreSQL: values keep their case, a user who cannot read everything is told so."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from skylift.db import migrate
from skylift.errors import SourceError, UsageError

from .conftest import run_mysql

pytestmark = pytest.mark.mysql


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def _verified(report: Any) -> dict[str, int]:
    assert [v for v in report.verification if not v["ok"]] == []
    return {v["table"]: v["target_rows"] for v in report.verification}


@pytest.mark.parametrize("pure", ["0", "1"])
def test_enum_labels_keep_their_case(
    mysql_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch, pure: str
) -> None:
    run_mysql(mysql_url, """
        CREATE TABLE shirts (id int PRIMARY KEY,
          size enum('Small','LARGE','x-Large','it''s') NOT NULL DEFAULT 'LARGE',
          tags set('Red','BLUE'));
        INSERT INTO shirts VALUES (1, 'Small', 'Red'), (2, 'LARGE', 'Red,BLUE'),
          (3, 'x-Large', NULL), (4, 'it''s', '');
    """)  # fmt: skip
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", pure)
    report = migrate(mysql_url, pg_url, jobs=2)
    assert _verified(report) == {"shirts": 4} and report.rejects == []
    labels = _query(pg_url, "SELECT enum_range(NULL::shirts_size)::text")[0][0]
    assert labels == "{Small,LARGE,x-Large,it's}"
    assert _query(pg_url, "SELECT size::text, tags FROM shirts ORDER BY id") == [
        ("Small", ["Red"]),
        ("LARGE", ["Red", "BLUE"]),
        ("x-Large", None),
        ("it's", []),
    ]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO shirts (id) VALUES (5)")
        assert conn.execute("SELECT size::text FROM shirts WHERE id = 5").fetchone() == ("LARGE",)


def _as_user(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"{user}:{password}@{parts.hostname}:{parts.port}").geturl()


def test_a_user_who_sees_only_some_tables_is_refused(mysql_url: str, pg_url: str) -> None:
    db = urlsplit(mysql_url).path.lstrip("/")
    user = f"u_{uuid.uuid4().hex[:8]}"
    run_mysql(mysql_url, f"""
        CREATE TABLE a (id int PRIMARY KEY, v text); CREATE TABLE b (id int PRIMARY KEY, secret text);
        CREATE TABLE c (id int PRIMARY KEY, shown text, hidden text);
        INSERT INTO a VALUES (1, 'x'); INSERT INTO b VALUES (1, 'y'); INSERT INTO c VALUES (1, 's', 'h');
        CREATE USER '{user}'@'%' IDENTIFIED BY 'pw';
        GRANT SELECT ON {db}.a TO '{user}'@'%'; GRANT SELECT (id, shown) ON {db}.c TO '{user}'@'%';
    """)  # fmt: skip
    try:
        with pytest.raises(SourceError) as refused:
            migrate(_as_user(mysql_url, user, "pw"), pg_url, jobs=2)
        message = str(refused.value) + " " + refused.value.why + " " + refused.value.fix
        assert "only some of the database" in message and "c(hidden)" not in message
        assert "a, c" in message and "c(id), c(shown)" in message
        assert f"GRANT SELECT, SHOW VIEW, TRIGGER ON `{db}`.*" in message
        with psycopg.connect(pg_url) as conn:  # nothing was created
            assert conn.execute("SELECT to_regclass('a')").fetchone() == (None,)
        run_mysql(mysql_url, f"GRANT SELECT ON {db}.* TO '{user}'@'%'")
        report = migrate(_as_user(mysql_url, user, "pw"), pg_url, jobs=2)
        assert _verified(report) == {"a": 1, "b": 1, "c": 1}
    finally:
        run_mysql(mysql_url, f"DROP USER '{user}'@'%'")


@pytest.mark.parametrize("pure", ["0", "1"])
def test_every_bad_value_of_a_row_and_long_names(
    mysql_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch, pure: str
) -> None:
    """Two bad values in one row are two reject-table rows (the row counts once); column
    names of 64 characters (MySQL's limit, up to 256 bytes) sharing their first 63 bytes land
    as two columns."""
    long_a, long_b = "é" * 32 + "_a", "é" * 32 + "_b"  # 66 bytes each, the first 64 shared
    run_mysql(mysql_url, f"""
        SET SESSION sql_mode = '';
        CREATE TABLE t (id int PRIMARY KEY, d date, tm time, `{long_a}` int, `{long_b}` int);
        INSERT INTO t VALUES (1, '2024-01-01', '10:00:00', 1, 2), (2, '2024-00-10', '30:00:00', 3, 4);
    """)  # fmt: skip
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", pure)
    report = migrate(mysql_url, pg_url, jobs=2)
    assert _verified(report) == {"t": 1} and report.rejected == 1
    with psycopg.connect(pg_url) as conn:
        found = conn.execute("SELECT row_key, column_name, reason FROM skylift.rejects ORDER BY 2")
        rejects = found.fetchall()
        cols = [r[0] for r in conn.execute("SELECT attname FROM pg_attribute"
                " WHERE attrelid = 't'::regclass AND attnum > 0 ORDER BY attnum")]  # fmt: skip
    assert [(k, c) for k, c, _ in rejects] == [("[2]", "d"), ("[2]", "tm")]
    assert len(cols) == 5 and len(set(cols)) == 5
    assert {r["source"] for r in report.renamed} == {long_a, long_b}


def test_a_type_postgresql_lacks_is_a_usage_error(mysql_url: str, pg_url: str) -> None:
    run_mysql(mysql_url, "CREATE TABLE t (id int PRIMARY KEY, price decimal(10,2))")
    with pytest.raises(UsageError, match="no such type"):
        migrate(mysql_url, pg_url, jobs=2, types={"t.price": "notatype"})
    with pytest.raises(UsageError, match="does not have"):
        migrate(mysql_url, pg_url, jobs=2, types={"t.nope": "text"})


def test_names_that_fold_together_are_a_usage_error(mysql_url: str, pg_url: str) -> None:
    """MySQL on Linux keeps `Users` and `users` apart; --identifiers lower would merge them."""
    run_mysql(
        mysql_url,
        "CREATE TABLE Users (id int PRIMARY KEY); CREATE TABLE users (id int PRIMARY KEY)",
    )
    with pytest.raises(UsageError, match="would both be named 'users'"):
        migrate(mysql_url, pg_url, jobs=2, identifiers="lower")
    with psycopg.connect(pg_url) as conn:  # nothing was created
        assert conn.execute("SELECT to_regclass('users')").fetchone() == (None,)
    assert _verified(migrate(mysql_url, pg_url, jobs=2)) == {"Users": 0, "users": 0}


def test_index_names_per_table_become_one_per_schema(mysql_url: str, pg_url: str) -> None:
    """MySQL names indexes per table: two `idx_v`, and an index named like a table, each get
    a name of their own (CREATE INDEX IF NOT EXISTS skipped them, silently)."""
    run_mysql(mysql_url, """
        CREATE TABLE a (id int PRIMARY KEY, v int, KEY idx_v (v));
        CREATE TABLE b (id int PRIMARY KEY, v int, KEY idx_v (v), KEY a (id, v));
        INSERT INTO a VALUES (1, 1); INSERT INTO b VALUES (1, 2);
    """)  # fmt: skip
    report = migrate(mysql_url, pg_url, jobs=2)
    assert _verified(report) == {"a": 1, "b": 1}
    indexes = _query(pg_url, "SELECT tablename, indexname FROM pg_indexes"
                     " WHERE schemaname = 'public' ORDER BY 2")  # fmt: skip
    assert indexes == [("a", "a_pkey"), ("b", "b_a"), ("b", "b_idx_v"), ("b", "b_pkey"),
                       ("a", "idx_v")]  # fmt: skip
    notes = [n["message"] for n in report.notes if "index name taken" in n["message"]]
    assert len(notes) == 2
    again = migrate(mysql_url, pg_url, jobs=2)
    assert again.resumed and again.verified
