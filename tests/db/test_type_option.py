"""`--type TABLE.COLUMN=TYPE` means exactly the PostgreSQL type given, checked against the
target: never SQLite's affinity of the name, never ignored. Real SQLite files, a real
PostgreSQL, with and without the accelerator."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from skylift.db import migrate
from skylift.db.overrides import family_kind, kind_of, normal
from skylift.errors import UsageError

pytestmark = pytest.mark.usefixtures("pg_admin_url")


def test_kinds_follow_the_exact_type() -> None:
    assert [kind_of(t) for t in ("bigint", "integer", "smallint", "real", "double precision")] == [
        "int", "text_repr", "text_repr", "text_repr", "float"
    ]  # fmt: skip
    assert (
        kind_of("numeric( 10, 2 )") == "numeric" and normal("numeric( 10, 2 )") == "numeric(10,2)"
    )
    assert [family_kind(t) for t in ("integer", "daterange", "text[]", "varchar(3)", "interval")] == [
        "int", "text_repr", "text_repr", "text", "text_repr"
    ]  # fmt: skip


def _db(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, price REAL, qty INTEGER, small INTEGER,"
        " email TEXT, at DATETIME, code TEXT, span TEXT)"
    )
    db.executemany(
        "INSERT INTO t VALUES (?,?,?,?,?,?,?,?)",
        [
            (1, 1.25, 5, 7, "Ada@x", "2025-01-01 10:00:00", "ab", "1 day"),
            (2, 0.1, -3, 40000, "ada@x", "2025-01-02T10:00:00+02:00", "abc", "2 hours"),
            (3, None, None, None, None, None, None, None),
        ],
    )
    db.commit()
    db.close()
    return path


def _types(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = 't'::regclass AND attnum > 0"
        ).fetchall()
    return dict(rows)


def _q(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        return conn.execute(sql).fetchall()


@pytest.mark.parametrize("pure", ["0", "1"])
def test_the_type_given_is_the_type_created(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, pure: str
) -> None:
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", pure)
    types = {"t.price": "numeric(10,2)", "t.qty": "integer", "t.small": "smallint",
             "t.email": "citext", "t.at": "timestamp", "t.code": "char(3)", "t.span": "interval"}  # fmt: skip
    report = migrate(str(_db(tmp_path / "t.db")), pg_url, types=types, workdir=tmp_path / "wd")
    assert _types(pg_url) == {
        "id": "bigint", "price": "numeric(10,2)", "qty": "integer", "small": "smallint",
        "email": "citext", "at": "timestamp without time zone", "code": "character(3)",
        "span": "interval",
    }  # fmt: skip
    assert report.verified, report.verification
    # 40000 is no smallint: its row is kept with PostgreSQL's reason, the others land exactly
    assert [(r["table"], r["reason"]) for r in report.rejects] == [
        ("t", 'PostgreSQL refused: value "40000" is out of range for type smallint')
    ]
    assert _q(
        pg_url,
        "SELECT id, price::text, qty, small, email::text, at::text, code, span::text"
        " FROM t ORDER BY id",
    ) == [
        (1, "1.25", 5, 7, "Ada@x", "2025-01-01 10:00:00", "ab ", "1 day"),
        (3, None, None, None, None, None, None, None),
    ]
    assert _q(pg_url, "SELECT count(*) FROM t WHERE email = 'ADA@X'") == [(1,)]  # citext


def test_a_type_postgresql_does_not_know_is_a_usage_error(tmp_path: Path, pg_url: str) -> None:
    path = _db(tmp_path / "t.db")
    with pytest.raises(UsageError, match="no such type"):
        migrate(str(path), pg_url, types={"t.price": "notatype"}, workdir=tmp_path / "wd")
    with pytest.raises(UsageError, match=r"does not have: t\.nope"):
        migrate(str(path), pg_url, types={"t.nope": "text"}, workdir=tmp_path / "wd")
    with pytest.raises(UsageError, match=r"does not have: T\.price"):
        migrate(str(path), pg_url, types={"T.price": "text"}, workdir=tmp_path / "wd")
    with psycopg.connect(pg_url) as conn:  # nothing was created
        assert conn.execute("SELECT to_regclass('t')").fetchone() == (None,)


def test_a_rerun_with_another_type_is_refused(tmp_path: Path, pg_url: str) -> None:
    path = _db(tmp_path / "t.db")
    first = migrate(str(path), pg_url, types={"t.qty": "integer"}, workdir=tmp_path / "wd")
    assert first.verified
    with pytest.raises(UsageError, match="is integer in the target"):
        migrate(str(path), pg_url, types={"t.qty": "numeric"}, workdir=tmp_path / "wd")
    with pytest.raises(UsageError, match="is integer in the target"):
        migrate(str(path), pg_url, workdir=tmp_path / "wd")
    again = migrate(str(path), pg_url, types={"t.qty": "integer"}, workdir=tmp_path / "wd")
    assert again.resumed and again.verified
    restarted = migrate(str(path), pg_url, types={"t.qty": "numeric"}, restart=True,
                        workdir=tmp_path / "wd")  # fmt: skip
    assert restarted.verified and _types(pg_url)["qty"] == "numeric"
