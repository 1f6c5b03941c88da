"""Logical capture where the source is less plain: a partitioned table (its changes must land
in the target's table, whatever partition they were made in), a source user who does not own
the tables (a publication needs the owner: fall back to triggers, or say exactly what to
grant), and an RDS-style user whose right to replicate is the rds_replication role rather than
the REPLICATION attribute. Against the wal_level=logical embedded server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from skylift.db.sync import run

from ._check import assert_pg_same
from ._load import PG_SCHEMA, pg_database
from .test_postgres_logical import logical_admin_url  # noqa: F401  (a fixture)
from .test_postgres_sync import execute

pytestmark = pytest.mark.slow

PARTITIONED = """
CREATE TABLE events (
  id bigint NOT NULL, at date NOT NULL, what text, PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO events SELECT n, DATE '2024-06-01' + (n * 2), 'e' || n FROM generate_series(1, 200) n;
"""


def rows(url: str, table: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()


@pytest.fixture
def partitioned_source(logical_admin_url: str) -> Iterator[str]:  # noqa: F811
    yield from pg_database(logical_admin_url, PG_SCHEMA + PARTITIONED)


def test_changes_to_a_partition_land_in_the_targets_table(partitioned_source: str, pg_url: str,
                                                          tmp_path: Path) -> None:  # fmt: skip
    source, options = partitioned_source, run.Options(workdir=tmp_path)
    first = run.sync(source, pg_url, options=options, once=True)
    assert first.capture == "postgresql-logical", first.capture_reason
    execute(
        source,
        "INSERT INTO events VALUES (1000, '2024-02-02', 'new in 2024'), (1001, '2025-03-03', 'new in 2025')",
        "UPDATE events SET what = 'changed' WHERE id = 5",
        "UPDATE events SET at = '2025-12-30' WHERE id = 1",  # moves from 2024 into 2025
        "DELETE FROM events WHERE id = 150",
        "INSERT INTO events_2025 VALUES (1002, '2025-05-05', 'straight into the partition')",
    )
    run.sync(source, pg_url, options=options, once=True)
    assert rows(source, "events") == rows(pg_url, "events")
    for leaf in ("events_2024", "events_2025"):
        assert rows(source, f"ONLY {leaf}") == rows(pg_url, f"ONLY {leaf}"), leaf
    assert_pg_same(source, pg_url)


def test_a_partition_added_during_sync_stops_it(partitioned_source: str, pg_url: str,
                                                tmp_path: Path) -> None:  # fmt: skip
    """Its rows would be in no publication: never silently missed, and the message says what
    goes on from there."""
    from skylift.errors import SourceChanged, TargetError

    source, options = partitioned_source, run.Options(workdir=tmp_path)
    run.sync(source, pg_url, options=options, once=True)
    create = "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"
    execute(
        source, create, "INSERT INTO events VALUES (2000, '2026-02-02', 'in the new partition')"
    )
    with pytest.raises(TargetError, match="events_2026") as stopped:
        run.sync(source, pg_url, options=options, once=True)
    assert "created on the source after the migration" in stopped.value.why
    assert "--restart" in stopped.value.fix
    execute(pg_url, create)  # the same table on the target does not resume it: --restart does
    with pytest.raises(SourceChanged, match="schema of the PostgreSQL source changed") as again:
        run.sync(source, pg_url, options=options, once=True)
    assert "--restart" in again.value.fix and "does not resume it" in again.value.fix


TABLES = ("accounts", "orders", "items", "audit")


def as_user(url: str, role: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"{role}:pw@{parts.hostname}:{parts.port}").geturl()


@pytest.fixture
def not_owner(logical_admin_url: str) -> Iterator[tuple[str, str, str]]:  # noqa: F811
    """(the source as a user with REPLICATION who does not own the tables, the admin's URL of
    the same database, the user's name): the owner is another role, as on a managed host
    where the app's tables belong to a migration role."""
    tag = uuid.uuid4().hex[:8]
    owner, user = f"owner_{tag}", f"sync_{tag}"
    with psycopg.connect(logical_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {owner} NOLOGIN")
        conn.execute(f"CREATE ROLE {user} LOGIN PASSWORD 'pw' REPLICATION")
    for made in pg_database(logical_admin_url):
        with psycopg.connect(made, autocommit=True) as conn:
            conn.execute(f"GRANT CREATE ON DATABASE {urlsplit(made).path[1:]} TO {user}")
            conn.execute(f"GRANT USAGE ON SCHEMA public TO {user}")
            conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {user}")
            conn.execute(f"GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {user}")
            for table in TABLES:
                conn.execute(f"ALTER TABLE {table} OWNER TO {owner}")
        yield as_user(made, user), made, user
    with psycopg.connect(logical_admin_url, autocommit=True) as conn:
        for role in (user, owner):
            conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_a_user_who_does_not_own_the_tables_is_told_what_to_grant(
    not_owner: tuple[str, str, str], pg_url: str, tmp_path: Path
) -> None:
    """No publication without the owner, no trigger without TRIGGER: the message names both
    ways, with the statements."""
    from skylift.errors import SourceError

    source, _admin, user = not_owner
    with pytest.raises(SourceError) as refused:
        run.sync(source, pg_url, options=run.Options(workdir=tmp_path), once=True)
    why, fix = refused.value.why, refused.value.fix
    assert f"the user {user} does not own" in why and f"TO {user}" in why, why  # the publication
    grant = fix.split("GRANT TRIGGER ON ", 1)[1].split(f" TO {user}", 1)[0]  # the triggers
    assert sorted(n.strip('"') for n in grant.split(", ")) == sorted(TABLES), fix


def test_a_user_who_does_not_own_the_tables_falls_back_to_triggers(
    not_owner: tuple[str, str, str], pg_url: str, tmp_path: Path
) -> None:
    source, admin, user = not_owner
    execute(admin, f"GRANT TRIGGER ON ALL TABLES IN SCHEMA public TO {user}")
    options = run.Options(workdir=tmp_path)
    synced = run.sync(source, pg_url, options=options, once=True)
    assert synced.capture == "postgresql-triggers"
    assert f"the user {user} does not own" in synced.capture_reason
    assert f"GRANT owner_{user.removeprefix('sync_')} TO {user}" in synced.capture_reason
    execute(admin, "UPDATE accounts SET email = 'owner@x.io' WHERE id = 3",
            "INSERT INTO audit VALUES ('o', 'by the owner')")  # fmt: skip
    run.sync(source, pg_url, options=options, once=True)
    assert_pg_same(admin, pg_url)


def test_rds_replication_is_accepted_instead_of_the_replication_attribute(
    logical_admin_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """RDS gives its users no REPLICATION attribute: the rds_replication role is the right to
    replicate there. The embedded server has no such role: the test makes one (it grants
    nothing here, so only the check is tested)."""
    from skylift.db.schema import Schema
    from skylift.db.sync import pg_slot

    tag = uuid.uuid4().hex[:8]
    user = f"rds_{tag}"
    with psycopg.connect(logical_admin_url, autocommit=True) as conn:
        if (
            conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'rds_replication'").fetchone()
            is None
        ):
            conn.execute("CREATE ROLE rds_replication NOLOGIN")
        conn.execute(f"CREATE ROLE {user} LOGIN PASSWORD 'pw' NOREPLICATION")
    try:
        for made in pg_database(logical_admin_url):
            execute(made, f"GRANT CREATE ON DATABASE {urlsplit(made).path[1:]} TO {user}")
            with psycopg.connect(as_user(made, user)) as conn:
                before = pg_slot.why_not(conn, Schema(), "skylift_check")
            assert before is not None and "REPLICATION" in before
            execute(logical_admin_url, f"GRANT rds_replication TO {user}")
            with psycopg.connect(as_user(made, user)) as conn:
                assert pg_slot.why_not(conn, Schema(), "skylift_check") is None
    finally:
        with psycopg.connect(logical_admin_url, autocommit=True) as conn:
            conn.execute(f"DROP ROLE IF EXISTS {user}")


def test_the_grant_it_names_gives_logical_capture(not_owner: tuple[str, str, str], pg_url: str,
                                                  tmp_path: Path) -> None:  # fmt: skip
    source, admin, user = not_owner
    execute(admin, f"GRANT owner_{user.removeprefix('sync_')} TO {user}")  # what the reason says
    options = run.Options(workdir=tmp_path)
    synced = run.sync(source, pg_url, options=options, once=True)
    assert synced.capture == "postgresql-logical", synced.capture_reason
    execute(
        admin, "DELETE FROM items WHERE order_id = 2", "INSERT INTO audit VALUES ('g', 'granted')"
    )
    run.sync(source, pg_url, options=options, once=True)
    assert_pg_same(admin, pg_url)
    run.remove(source, pg_url, options=options)
