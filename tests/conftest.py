"""Shared fixtures: a real PostgreSQL for the whole session, a fresh database per test.

The server is the embedded one skylift itself uses (no mocks). Set SKYLIFT_TEST_PG_URL to use
another server instead (its user must be able to CREATE DATABASE).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from skylift.cloud import embedded_pg


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """URL of a maintenance database on a running PostgreSQL server."""
    external = os.environ.get("SKYLIFT_TEST_PG_URL")
    if external:
        yield external
        return
    # not under pytest's basetemp: another pytest run may prune that while the server runs
    root = Path(tempfile.mkdtemp(prefix="skylift-test-pg-"))
    server = embedded_pg.start(root / "data")
    yield server.url()
    embedded_pg.stop(root / "data")
    shutil.rmtree(root, ignore_errors=True)


def _with_db(admin_url: str, name: str) -> str:
    return urlsplit(admin_url)._replace(path="/" + name).geturl()


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A new, empty database for one test; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _with_db(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`, as scripts/test runs it): a module's tests stay
    on one worker (its module-scoped fixtures start once), and every test that builds and
    runs app images shares one worker, so two image builds never compete for the machine."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        heavy = item.get_closest_marker("containers") or "standins" in getattr(
            item, "fixturenames", ()
        )
        item.add_marker(
            pytest.mark.xdist_group(
                "containers" if heavy else item.module.__name__ if item.module else item.nodeid
            )
        )
