"""MySQL/MariaDB schemas and users nobody here designed, against a real MariaDB and a real
PostgreSQL: values keep their case, a user who cannot read everything is told so."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from skylift.db import migrate

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
