"""A MySQL server without a binary log: skylift cannot tell whether the source changed during
the copy, and says exactly that (it said "the source changed while it was copied" on every
first run, changed or not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.db import migrate

from . import _mariadb
from .conftest import mysql_connect, run_mysql

pytestmark = [pytest.mark.slow, pytest.mark.mysql]


def test_without_a_binary_log_the_first_run_says_it_cannot_tell(tmp_path: Path, pg_url: str) -> None:  # fmt: skip
    server = _mariadb.start(tmp_path / "mariadb", binlog=False)
    try:
        with mysql_connect(server.url()) as conn, conn.cursor() as cur:
            cur.execute("CREATE DATABASE shop")
        url = server.url("shop")
        run_mysql(url, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10));"
                       " INSERT INTO t VALUES (1, 'a'), (2, 'b');")  # fmt: skip
        report = migrate(url, pg_url, jobs=1)
    finally:
        _mariadb.stop(server)
    assert [v["ok"] for v in report.verification] == [True]
    said = [n["message"] for n in report.notes if n["object"] == "source"]
    assert len(said) == 1 and said[0].startswith("skylift cannot tell whether the source changed")
    assert "log_bin is OFF" in said[0]
