"""PostgreSQL's refusals, one check per class: the message says what happened."""

from __future__ import annotations

import psycopg
import pytest

from skylift.db._failures import connect_failure, refused_step, target_failure


def _error(pg_url: str, sql: str) -> psycopg.Error:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        try:
            conn.execute(sql)
        except psycopg.Error as exc:
            return exc
    raise AssertionError(f"{sql} did not fail")


@pytest.mark.parametrize(
    ("sql", "words", "advice"),
    [
        ("CREATE TABLE t (g geometry)", "PostgreSQL refused t", "install the extension"),
        ("CREATE TABLE t (a int CHECK (nosuchfunc(a)))", "PostgreSQL refused t", "extension"),
        ("CREATE TABLE t (a int, a int)", "PostgreSQL refused t", "report it"),
        ("SET TRANSACTION READ ONLY; CREATE TABLE t (a int)", "the target is read-only",
         "primary"),
    ],
)  # fmt: skip
def test_refused_step(pg_url: str, sql: str, words: str, advice: str) -> None:
    if sql.startswith("SET TRANSACTION"):
        with psycopg.connect(pg_url) as conn:
            conn.execute("SET TRANSACTION READ ONLY")
            try:
                conn.execute("CREATE TABLE t (a int)")
            except psycopg.Error as exc:
                error = refused_step(exc, "h:5432/db", "t", "CREATE TABLE t (a int)")
    else:
        error = refused_step(_error(pg_url, sql), "h:5432/db", "t", sql)
    assert words in error.what and advice in error.fix
    if "extension" not in advice:
        assert "extension" not in error.fix  # the advice where it helps, only there


def test_statement_timeout_is_named(pg_url: str) -> None:
    exc = _error(pg_url, "SET statement_timeout = 10; SELECT pg_sleep(1)")
    error = target_failure(exc, "h:5432/db", "copying rows")
    assert "cancelled a statement (copying rows)" in error.what and "statement_timeout" in error.fix


def test_connect_failures_are_told_apart(pg_url: str) -> None:
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(pg_url.rsplit("/", 1)[0] + "/no_such_db")
    error = connect_failure(refused.value, "h:5432/no_such_db")
    assert "the target database does not exist" in error.what and "create it" in error.fix
