"""Fixtures of the sync tests: a SQLite app database with foreign-key chains, a work folder."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ._load import make_sqlite


@pytest.fixture
def app_db(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    make_sqlite(path)
    return path


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "work"


# MariaDB with its binary log (tests/db/sources' fixtures), switched to row-based logging
from tests.db.sources.conftest import mysql_server_url, mysql_tls  # noqa: E402, F401


@pytest.fixture
def mysql_app(mysql_server_url: str) -> Iterator[str]:  # noqa: F811 (the imported fixture)
    """The load generator's tables in a fresh MariaDB database, the binary log row-based."""
    from tests.db.sources.conftest import drop_mysql_database, mysql_connect, run_mysql

    from ._load import MYSQL_SCHEMA, fill

    name = f"s_{uuid.uuid4().hex[:10]}"
    with mysql_connect(mysql_server_url) as conn, conn.cursor() as cur:
        cur.execute("SET GLOBAL binlog_format = 'ROW'")
        cur.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    url = mysql_server_url + name
    run_mysql(url, MYSQL_SCHEMA)
    with mysql_connect(mysql_server_url, name) as conn, conn.cursor() as cur:
        fill(cur.execute, mark="%s")
    yield url
    drop_mysql_database(mysql_server_url, name)
