"""`db sync` from a PostgreSQL source with wal_level=logical: a pgoutput slot, no triggers."""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from skylift.db.report import Progress
from skylift.db.sync import cutover, run

from ._check import assert_pg_same
from ._load import PG_SCHEMA, pg_database
from .test_postgres_sync import execute
from .test_sqlite_cutover import CUTOVER_POINTS, ROLLBACK_POINTS
from .test_sqlite_sync import skylift

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def logical_admin_url() -> Iterator[str]:
    """A second embedded PostgreSQL, restarted with wal_level=logical."""
    from skylift.cloud import embedded_pg

    base = Path(tempfile.mkdtemp(prefix="skylift-test-pglogical-"))
    server = embedded_pg.start(base / "data")
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET wal_level = logical")
        conn.execute("ALTER SYSTEM SET max_replication_slots = 20")
    embedded_pg.stop(base / "data")
    server = embedded_pg.start(base / "data")
    yield server.url()
    embedded_pg.stop(base / "data")
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def logical_source(logical_admin_url: str) -> Iterator[str]:
    yield from pg_database(logical_admin_url)


def last_json(stdout: str) -> dict[str, object]:
    """The last of the JSON documents `--json` printed (one per status)."""
    decoder, at, last = json.JSONDecoder(), 0, {}
    while at < len(stdout.rstrip()):
        last, at = decoder.raw_decode(stdout, at)
        while at < len(stdout) and stdout[at].isspace():
            at += 1
    return last


def slots(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT slot_name, confirmed_flush_lsn::text FROM pg_replication_slots"
            " WHERE database = current_database()"
        ).fetchall()
        pubs = conn.execute("SELECT pubname FROM pg_publication").fetchall()
    return [(str(r[0]), str(r[1])) for r in rows] + [(str(p[0]), "publication") for p in pubs]


def triggers(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'skylift%'"
        ).fetchone()
    return int(row[0]) if row else 0


def test_changes_arrive_in_commit_order_and_remove_drops_the_slot(
    logical_source: str, pg_url: str, tmp_path: Path
) -> None:
    options = run.Options(workdir=tmp_path)
    first = run.sync(logical_source, pg_url, options=options, once=True)
    assert first.capture == "postgresql-logical", first.capture_reason
    assert "wal_level=logical" in first.capture_reason
    assert triggers(logical_source) == 0  # nothing on the app's tables
    assert len(slots(logical_source)) == 2  # the slot and the publication
    execute(
        logical_source,
        "INSERT INTO accounts (id, email, balance) VALUES (900, 'new@x.io', 7.5)",
        "UPDATE accounts SET email = 'moved@x.io', balance = 1.01 WHERE id = 900",
        "UPDATE orders SET status = 'paid', total = 9.25 WHERE id = 3",
        "DELETE FROM accounts WHERE id = 4",  # cascades to its orders and their items
        "UPDATE items SET line = 99 WHERE order_id = 2 AND line = 1",  # a key changes
        "INSERT INTO audit VALUES ('now', 'no key: the table is copied again')",
        "DELETE FROM audit WHERE what = 'no key: the table is copied again'",
        "INSERT INTO audit VALUES ('later', 'stays')",
    )
    # commit order: the same key inserted, deleted and inserted again by three transactions
    execute(logical_source, "INSERT INTO accounts (id, email) VALUES (901, 'one@x.io')")
    execute(logical_source, "DELETE FROM accounts WHERE id = 901")
    execute(logical_source, "INSERT INTO accounts (id, email) VALUES (901, 'two@x.io')")
    second = run.sync(logical_source, pg_url, options=options, once=True)
    assert second.state == "caught-up" and second.applied >= 10
    assert_pg_same(logical_source, pg_url)
    with psycopg.connect(logical_source) as conn:  # confirmed only up to what the target holds
        lsn = conn.execute(
            "SELECT confirmed_flush_lsn <= pg_current_wal_lsn() FROM pg_replication_slots"
        ).fetchone()
    assert lsn == (True,)
    removed = run.remove(logical_source, pg_url, options=options)
    assert any("replication slot" in r for r in removed), removed
    assert any("publication" in r for r in removed), removed
    assert slots(logical_source) == []


TYPES = """
CREATE TABLE kinds (
  id uuid PRIMARY KEY, n numeric(30,10), f double precision, r real, b bytea, j jsonb,
  t timestamptz, ts timestamp, d date, tm time, iv interval, arr int[], tags text[],
  ok boolean, big bigint, txt text, ip inet, bits bit varying(8), js json, ch char(3)
);
CREATE TABLE stamped (at timestamptz, label text, v int, PRIMARY KEY (at, label));
"""


@pytest.fixture
def types_source(logical_admin_url: str) -> Iterator[str]:
    yield from pg_database(logical_admin_url, PG_SCHEMA + TYPES)


@pytest.fixture
def replica_source(pg_admin_url: str) -> Iterator[str]:
    yield from pg_database(pg_admin_url)  # the shared server: wal_level = replica


def test_values_arrive_exactly_across_types(types_source: str, pg_url: str, tmp_path: Path) -> None:
    source = types_source
    options = run.Options(workdir=tmp_path)
    run.sync(source, pg_url, options=options, once=True)
    execute(
        source,
        "INSERT INTO kinds VALUES ('6f1c2a2e-0000-4000-8000-000000000001', 12345678901234567890.0123456789,"
        " 1.0000000000000002, 3.25, '\\x00ff10', '{\"a\": [1, 2.50, null]}', '2024-02-29 23:59:59.999999+05',"
        " '1999-12-31 00:00:01.5', '0044-03-15 BC', '24:00:00', '1 year -2 days 03:00:00.000001',"
        " '{1,NULL,3}', '{\"x, y\",\"é\",\"\"}', false, -9223372036854775808, e'tab\\tnew\\nline \\u00e9 \\U0001F600',"
        " '10.1.2.3/16', B'101', '{\"k\":  1}', 'ab')",
        "INSERT INTO stamped VALUES ('2024-01-01 10:00:00.123456+00', 'it''s', 1),"
        " ('2024-01-01 10:00:00+00', 'x', 2)",
        "UPDATE stamped SET v = 3 WHERE label = 'x'",
        "DELETE FROM stamped WHERE label = 'it''s'",
    )
    run.sync(source, pg_url, options=options, once=True)
    execute(source, "UPDATE kinds SET n = -0.0000000001, b = '\\x', txt = repeat('long ', 5000)")
    run.sync(source, pg_url, options=options, once=True)
    for table in ("kinds", "stamped"):
        with psycopg.connect(source) as a, psycopg.connect(pg_url) as b:
            sql = f"SELECT t::text FROM {table} t ORDER BY 1"
            assert a.execute(sql).fetchall() == b.execute(sql).fetchall(), table


def test_a_change_between_the_slot_and_the_snapshot_is_kept(
    logical_source: str, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write committed after the slot exists but before the copy's snapshot: in both; one
    committed right after the snapshot: only in the slot. Neither lost, neither doubled."""
    from skylift.db.sync import pg_logical

    install = pg_logical.PgLogicalCapture.install

    def install_then_write(self: pg_logical.PgLogicalCapture) -> dict[str, object]:
        position = install(self)
        execute(logical_source, "INSERT INTO accounts (id, email) VALUES (700, 'between@x.io')",
                "UPDATE orders SET status = 'between' WHERE id = 1")  # fmt: skip
        return position

    monkeypatch.setattr(pg_logical.PgLogicalCapture, "install", install_then_write)
    from skylift.db import pipeline

    migrate = pipeline.migrate

    def migrate_then_write(*args: object, **kw: object) -> object:
        report = migrate(*args, **kw)  # type: ignore[arg-type]
        execute(logical_source, "INSERT INTO accounts (id, email) VALUES (701, 'after@x.io')")
        return report

    monkeypatch.setattr(run, "migrate", migrate_then_write)
    synced = run.sync(logical_source, pg_url, options=run.Options(workdir=tmp_path), once=True)
    assert synced.capture == "postgresql-logical"
    counts = assert_pg_same(logical_source, pg_url)
    assert counts["accounts"] == 52


@pytest.mark.parametrize("point", ["batch-written", "applied", "pruned"])
def test_killed_mid_stream_then_rerun(logical_source: str, pg_url: str, tmp_path: Path,
                                      point: str) -> None:  # fmt: skip
    args = ("db", "sync", logical_source, pg_url, "--once", "--workdir", str(tmp_path))
    assert skylift(*args).returncode == 0
    execute(logical_source, "INSERT INTO orders (account_id, status) VALUES (3, 'k')",
            "DELETE FROM orders WHERE id = 5", "UPDATE accounts SET email = 'p@x.io' WHERE id = 6",
            "INSERT INTO audit VALUES ('k', 'no key')")  # fmt: skip
    killed = skylift(*args, kill_at=point)
    assert killed.returncode == -9, killed.stderr
    execute(logical_source, "INSERT INTO orders (account_id, status) VALUES (3, 'after the kill')",
            "INSERT INTO audit VALUES ('k2', 'no key')")  # fmt: skip
    again = skylift(*args, "--json")
    assert again.returncode == 0, again.stderr
    assert last_json(again.stdout)["capture"] == "postgresql-logical"
    assert_pg_same(logical_source, pg_url)


@pytest.mark.parametrize("point", ["installed", "migrated"])
def test_first_run_killed_then_rerun(logical_source: str, pg_url: str, tmp_path: Path,
                                     point: str) -> None:  # fmt: skip
    """Killed once the slot exists (before the copy), or after the copy is done, before its
    first batch: the slot keeps what was written meanwhile, the rerun applies it."""
    args = ("db", "sync", logical_source, pg_url, "--once", "--workdir", str(tmp_path))
    assert skylift(*args, kill_at=point).returncode == -9
    execute(logical_source, "UPDATE accounts SET balance = 0.01 WHERE id = 2",
            "DELETE FROM items WHERE order_id = 1", "INSERT INTO audit VALUES ('x', 'meanwhile')")  # fmt: skip
    again = skylift(*args)
    assert again.returncode == 0, again.stderr
    assert_pg_same(logical_source, pg_url)


def test_an_open_transaction_comes_in_a_later_batch(logical_source: str, pg_url: str,
                                                    tmp_path: Path) -> None:  # fmt: skip
    options = run.Options(workdir=tmp_path)
    run.sync(logical_source, pg_url, options=options, once=True)
    with psycopg.connect(logical_source) as open_one:
        open_one.execute("INSERT INTO accounts (id, email) VALUES (800, 'open@x.io')")
        execute(logical_source, "INSERT INTO accounts (id, email) VALUES (801, 'later@x.io')")
        run.sync(logical_source, pg_url, options=options, once=True)
        with psycopg.connect(pg_url) as conn:
            ids = conn.execute("SELECT id FROM accounts WHERE id >= 800 ORDER BY id").fetchall()
        assert ids == [(801,)]
    run.sync(logical_source, pg_url, options=options, once=True)  # committed when the block ended
    assert_pg_same(logical_source, pg_url)


def test_a_quiet_slot_moves_past_other_databases_wal(
    logical_source: str, logical_admin_url: str, pg_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The app writes nothing; another database does: the slot must not hold that WAL."""
    from skylift.db.sync import pg_logical

    monkeypatch.setattr(pg_logical, "IDLE_CONFIRM", 0.0)
    options = run.Options(workdir=tmp_path)
    run.sync(logical_source, pg_url, options=options, once=True)
    execute(logical_admin_url, "SET synchronous_commit = on",
            "CREATE TABLE IF NOT EXISTS elsewhere (n int)",
            "INSERT INTO elsewhere SELECT generate_series(1, 1000)")  # fmt: skip
    with psycopg.connect(logical_admin_url) as conn:
        after = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()
    run.sync(logical_source, pg_url, options=options, once=True)
    with psycopg.connect(logical_source) as conn:
        moved = conn.execute(
            "SELECT confirmed_flush_lsn >= %s FROM pg_replication_slots"
            " WHERE database = current_database()",
            after,
        ).fetchone()
    assert moved == (True,)
    execute(logical_source, "UPDATE accounts SET email = 'q@x.io' WHERE id = 7")
    run.sync(logical_source, pg_url, options=options, once=True)
    assert_pg_same(logical_source, pg_url)


def test_ddl_during_sync_stops_it(logical_source: str, pg_url: str, tmp_path: Path) -> None:
    args = ("db", "sync", logical_source, pg_url, "--once", "--workdir", str(tmp_path))
    assert skylift(*args).returncode == 0
    execute(logical_source, "ALTER TABLE orders ADD COLUMN note text",
            "UPDATE orders SET note = 'x' WHERE id = 1")  # fmt: skip
    result = skylift(*args)
    assert result.returncode == 14, result.stderr
    assert "orders" in result.stderr and "note" in result.stderr


def test_ddl_undone_before_the_poll_is_seen_in_the_stream(logical_source: str, pg_url: str,
                                                          tmp_path: Path) -> None:  # fmt: skip
    """The catalog equals the copy's again, but a change was made with another definition."""
    options = run.Options(workdir=tmp_path)
    run.sync(logical_source, pg_url, options=options, once=True)
    execute(logical_source, "ALTER TABLE audit ADD COLUMN extra int",
            "INSERT INTO audit VALUES ('x', 'y', 5)", "ALTER TABLE audit DROP COLUMN extra")  # fmt: skip
    from skylift.errors import SourceChanged

    with pytest.raises(SourceChanged, match="audit"):
        run.sync(logical_source, pg_url, options=options, once=True)


class Phases(Progress):
    """What the sync said it was doing, as the CLI prints it."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def phase(self, name: str) -> None:
        self.said.append(name)


def test_keyless_tables_get_replica_identity_full_and_truncate_is_replicated(
    logical_source: str, pg_url: str, tmp_path: Path
) -> None:
    options, said = run.Options(workdir=tmp_path), Phases()
    run.sync(logical_source, pg_url, options=options, once=True, progress=said)
    assert any("audit" in p and "REPLICA IDENTITY FULL" in p for p in said.said), said.said
    execute(logical_source, "UPDATE audit SET what = 'updated'", "DELETE FROM audit WHERE at = '1'",
            "TRUNCATE items", "INSERT INTO items VALUES (1, 7, 'fresh', 1)")  # fmt: skip
    run.sync(logical_source, pg_url, options=options, once=True)
    assert assert_pg_same(logical_source, pg_url)["items"] == 1
    run.remove(logical_source, pg_url, options=options)
    with psycopg.connect(logical_source) as conn:
        row = conn.execute("SELECT relreplident FROM pg_class WHERE relname = 'audit'").fetchone()
    assert row == ("d",)


def test_wal_level_replica_falls_back_to_triggers(replica_source: str, pg_url: str,
                                                  tmp_path: Path) -> None:  # fmt: skip
    source = replica_source
    insisted = skylift("db", "sync", source, pg_url, "--once", "--capture", "logical",
                       "--workdir", str(tmp_path))  # fmt: skip
    assert insisted.returncode == 3, insisted.stderr  # says what to set
    assert (
        "wal_level is replica" in insisted.stderr and "rds.logical_replication" in insisted.stderr
    )
    result = skylift("db", "sync", source, pg_url, "--once", "--json", "--workdir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    status = last_json(result.stdout)
    assert status["capture"] == "postgresql-triggers"
    assert "wal_level is replica" in status["capture_reason"]
    assert "wal_level is replica" in result.stderr
    refused = skylift("db", "sync", source, pg_url, "--once", "--capture", "logical",
                      "--workdir", str(tmp_path))  # fmt: skip
    assert refused.returncode == 2, refused.stderr  # the sync keeps the capture it started with


@pytest.fixture
def app_role_source(logical_admin_url: str) -> Iterator[str]:
    """A database owned by a role without REPLICATION (Heroku's case on a logical server)."""
    role = f"app_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(logical_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'pw' NOREPLICATION")
    parts = urlsplit(logical_admin_url)
    url = parts._replace(netloc=f"{role}:pw@{parts.hostname}:{parts.port}").geturl()
    for made in pg_database(logical_admin_url):
        with psycopg.connect(made, autocommit=True) as conn:
            conn.execute(f"GRANT CREATE ON DATABASE {urlsplit(made).path[1:]} TO {role}")
            for table in ("accounts", "orders", "items", "audit"):
                conn.execute(f"ALTER TABLE {table} OWNER TO {role}")
        yield urlsplit(made)._replace(netloc=urlsplit(url).netloc).geturl()
    with psycopg.connect(logical_admin_url, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_a_user_without_replication_falls_back_to_triggers(app_role_source: str, pg_url: str,
                                                           tmp_path: Path) -> None:  # fmt: skip
    synced = run.sync(app_role_source, pg_url, options=run.Options(workdir=tmp_path), once=True)
    assert synced.capture == "postgresql-triggers"
    assert "REPLICATION" in synced.capture_reason
    execute(app_role_source, "UPDATE accounts SET email = 'r@x.io' WHERE id = 3")
    run.sync(app_role_source, pg_url, options=run.Options(workdir=tmp_path), once=True)
    assert_pg_same(app_role_source, pg_url)


@pytest.mark.parametrize("point", CUTOVER_POINTS)
def test_cutover_killed_then_rerun(logical_source: str, pg_url: str, tmp_path: Path,
                                   point: str) -> None:  # fmt: skip
    """Killed at every step: once the source is frozen the rerun reads the slot in a frozen
    source; at the last step the rerun still drops the slot."""
    common = (logical_source, pg_url, "--workdir", str(tmp_path))
    assert skylift("db", "sync", *common, "--once").returncode == 0
    execute(logical_source, "UPDATE orders SET status = 'late' WHERE id = 2",
            "INSERT INTO audit VALUES ('late', 'no key')")  # fmt: skip
    assert skylift("db", "cutover", *common, kill_at=f"cutover:{point}").returncode == -9
    again = skylift("db", "cutover", *common, "--json")
    assert again.returncode == 0, again.stderr
    assert last_json(again.stdout)["ok"]
    assert_pg_same(logical_source, pg_url)
    assert slots(logical_source) == []


@pytest.mark.parametrize("point", ROLLBACK_POINTS)
def test_rollback_killed_then_rerun(logical_source: str, pg_url: str, tmp_path: Path,
                                    point: str) -> None:  # fmt: skip
    common = (logical_source, pg_url, "--workdir", str(tmp_path))
    assert skylift("db", "cutover", *common).returncode == 0
    execute(pg_url, "INSERT INTO orders (account_id, status, total) VALUES (8, 'aws', 1.5)",
            "UPDATE accounts SET balance = 12.34 WHERE id = 8", "DELETE FROM orders WHERE id = 9")  # fmt: skip
    assert skylift("db", "rollback", *common, kill_at=f"rollback:{point}").returncode == -9
    again = skylift("db", "rollback", *common)
    assert again.returncode == 0, again.stderr
    assert_pg_same(logical_source, pg_url)  # every write made on the target, once
    execute(logical_source, "INSERT INTO audit VALUES ('x', 'writable again')")


def test_cutover_drops_the_slot_and_rollback_brings_writes_back(
    logical_source: str, pg_url: str, tmp_path: Path
) -> None:
    options = run.Options(workdir=tmp_path)
    run.sync(logical_source, pg_url, options=options, once=True)
    execute(logical_source, "UPDATE orders SET status = 'late' WHERE id = 2")
    moved = cutover.cutover(logical_source, pg_url, options=options)
    assert moved.ok
    assert_pg_same(logical_source, pg_url)
    assert slots(logical_source) == []  # nothing holds the source's WAL any more
    execute(pg_url, "INSERT INTO orders (account_id, status, total) VALUES (8, 'aws', 1.5)",
            "DELETE FROM orders WHERE id = 9")  # fmt: skip
    back = cutover.rollback(logical_source, pg_url, options=options)
    assert back.ok
    assert_pg_same(logical_source, pg_url)
