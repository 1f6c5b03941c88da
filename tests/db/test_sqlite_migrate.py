"""SQLite -> PostgreSQL end to end, against real SQLite files and a real PostgreSQL."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from skylift.db import early, migrate
from skylift.db.sources.sqlite._snapshot import fingerprint, snapshot_path
from tests.db.sqlite_fixtures import FLOATS, make_app_db, make_bad_db

pytestmark = pytest.mark.usefixtures("pg_admin_url")


@pytest.fixture
def app_db(tmp_path: Path) -> Path:
    return make_app_db(tmp_path / "app.db")


def q(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        return conn.execute(sql, args or None).fetchall()


def one(url: str, sql: str, *args: Any) -> Any:
    return q(url, sql, *args)[0][0]


def test_schema_is_faithful(app_db: Path, pg_url: str, tmp_path: Path) -> None:
    report = migrate(str(app_db), pg_url, workdir=tmp_path / "wd")
    assert report.status == "ok", report.as_dict()
    cols = dict(
        q(
            pg_url,
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'user'",
        )
    )
    assert cols["score"] == "double precision"  # never real (float4)
    assert cols["created_at"] == "timestamp with time zone"
    assert cols["is_admin"] == "boolean"
    assert cols["prefs"] == "jsonb"
    assert cols["avatar"] == "bytea"
    assert cols["balance"] == "numeric"
    assert cols["displayName"] == "text"  # mixed case kept exactly
    notnull = q(
        pg_url,
        "SELECT column_name FROM information_schema.columns WHERE table_name='user' AND is_nullable='NO'",
    )
    assert {r[0] for r in notnull} >= {"id", "email", "is_admin", "created_at"}
    pk = q(
        pg_url,
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid='order_items'::regclass AND contype='p'",
    )
    assert pk == [("PRIMARY KEY (order_id, sku)",)]
    fk = one(
        pg_url,
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid='orders'::regclass AND contype='f'",
    )
    assert "ON UPDATE RESTRICT" in fk and "ON DELETE CASCADE" in fk
    check = one(
        pg_url,
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid='orders'::regclass AND contype='c'",
    )
    assert "new" in check and "paid" in check
    uniques = q(
        pg_url, "SELECT 1 FROM pg_constraint WHERE conrelid='\"user\"'::regclass AND contype='u'"
    )
    assert len(uniques) == 1
    indexes = dict(
        q(pg_url, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname='public'")
    )
    assert "WHERE (status = 'paid'::text)" in indexes["idx_orders_paid"]
    assert "lower(email)" in indexes["idx_user_email_lower"]
    assert indexes["ux_items"].startswith("CREATE UNIQUE INDEX")


def test_app_inserts_keep_working(app_db: Path, pg_url: str, tmp_path: Path) -> None:
    migrate(str(app_db), pg_url, workdir=tmp_path / "wd")
    with psycopg.connect(pg_url) as conn:
        new_id, created, born, admin = conn.execute(
            "INSERT INTO \"user\" (email) VALUES ('new@example.com') RETURNING id, created_at, born, is_admin"
        ).fetchone()
        # AUTOINCREMENT never reuses ids: past sqlite_sequence (40), not just max(id) (38)
        assert new_id == 41
        assert created is not None and born is not None and admin is False
        order_id = conn.execute("INSERT INTO orders (user_id) VALUES (1) RETURNING id").fetchone()[
            0
        ]
        assert order_id == 601
        conn.execute("UPDATE orders SET total = 1 WHERE id = 10")  # translated trigger fires
        touched = conn.execute(
            "SELECT placed_at > now() - interval '1 minute' FROM orders WHERE id = 10"
        ).fetchone()[0]
        assert touched is True
        assert conn.execute("SELECT count(*) FROM paid_orders").fetchone()[0] == 30


def test_values_land_exactly(app_db: Path, pg_url: str, tmp_path: Path) -> None:
    migrate(str(app_db), pg_url, workdir=tmp_path / "wd")
    src = sqlite3.connect(app_db)
    expected = src.execute(
        'SELECT id, score, "displayName", avatar, prefs, balance FROM "user" ORDER BY id'
    ).fetchall()
    got = q(
        pg_url, 'SELECT id, score, "displayName", avatar, prefs, balance FROM "user" ORDER BY id'
    )
    assert len(got) == len(expected) == 38
    for (i, score, name, avatar, prefs, balance), (
        gi,
        gscore,
        gname,
        gavatar,
        gprefs,
        gbalance,
    ) in zip(expected, got, strict=True):
        assert i == gi and name == gname
        assert gscore == score and math.copysign(1, gscore) == math.copysign(1, score)  # bit-exact
        assert (bytes(gavatar) if gavatar is not None else None) == avatar
        assert gprefs == (json.loads(prefs) if prefs else None)
        assert float(gbalance) == balance
    assert {r[0] for r in q(pg_url, 'SELECT score FROM "user"')} <= set(FLOATS)
    # epoch seconds, epoch milliseconds and offsets all become the same instants
    placed = dict(q(pg_url, "SELECT id, placed_at::text FROM orders WHERE id IN (10, 20, 30, 40)"))
    assert placed == {
        10: "2025-01-01 00:00:01+00",
        20: "2025-01-01 00:00:00.002+00",
        30: "2025-03-01 08:00:00.123456+00",
        40: "2025-03-05 10:00:00+00",
    }
    assert q(pg_url, "SELECT k, v FROM kv ORDER BY k") == [("a", "1"), ("b", "text"), ("c", "2.5")]


def test_report_names_what_needs_a_human(app_db: Path, pg_url: str, tmp_path: Path) -> None:
    report = migrate(str(app_db), pg_url, workdir=tmp_path / "wd")
    manual = {n["object"]: n for n in report.manual_notes()}
    assert "glob_notes" in manual and "GLOB" in manual["glob_notes"]["sql"]
    assert "orders_log" in manual and "strftime" in manual["orders_log"]["sql"]
    about_user = [n["message"] for n in report.notes if n["object"] == "user"]
    assert any("reserved in PostgreSQL: user" in m for m in about_user)
    assert any("mixed-case names kept exactly (quoted): displayName" in m for m in about_user)
    kv = next(t for t in report.tables if t["name"] == "kv")
    assert {c["name"]: c["type"] for c in kv["columns"]}["v"] == "text"


def test_bad_values_are_kept_with_their_reason(tmp_path: Path, pg_url: str) -> None:
    report = migrate(str(make_bad_db(tmp_path / "bad.db")), pg_url, workdir=tmp_path / "wd")
    assert report.status == "rejects" and report.verified
    assert sorted(r[0] for r in q(pg_url, "SELECT id FROM things")) == [1, 9]
    rejects = {
        json.loads(k)[0]: (col, reason)
        for k, col, reason in q(pg_url, "SELECT row_key, column_name, reason FROM skylift.rejects")
    }
    assert set(rejects) == {2, 3, 4, 5, 6, 7, 8, 10}
    assert rejects[2] == ("n", "text in an integer column")
    assert "NUL" in rejects[3][1]
    assert rejects[4] == ("day", "impossible date: no day 30 in February")
    assert rejects[5] == ("day", "ambiguous date: day/month or month/day order (not ISO-8601)")
    assert rejects[6] == ("doc", "invalid JSON")
    assert rejects[7][0] == "n"
    assert rejects[8] == ("flag", "not a boolean (0 or 1)")
    assert rejects[10] == ("label", "invalid UTF-8")
    row = one(pg_url, "SELECT row_data FROM skylift.rejects WHERE row_key = '[2]'")
    assert row["label"] == "text in an integer column"  # the whole row is kept
    amount = one(pg_url, "SELECT amount::text FROM things WHERE id = 9")
    assert amount == "12.345"  # numeric(6,2) widened: never rounded silently
    jdoc = one(pg_url, "SELECT doc::text FROM things WHERE id = 9")
    assert jdoc == '[1, 2.50, {"z": null}]'


def test_rerun_is_idempotent(app_db: Path, pg_url: str, tmp_path: Path) -> None:
    first = migrate(str(app_db), pg_url, workdir=tmp_path / "wd")
    second = migrate(str(app_db), pg_url, workdir=tmp_path / "wd")
    assert first.verified and second.verified and second.resumed
    assert one(pg_url, "SELECT count(*) FROM orders") == 60


def test_a_snapshot_a_power_cut_tore_is_taken_again(
    app_db: Path, pg_url: str, tmp_path: Path
) -> None:
    migrate(str(app_db), pg_url, workdir=tmp_path / "wd")
    snap = next((tmp_path / "wd" / "snapshots").glob("snapshot-*.db"))
    assert snap.with_name(snap.name + ".durable").exists()
    torn = tmp_path / "torn" / "snapshots"
    torn.mkdir(parents=True)
    (torn / snap.name).write_bytes(snap.read_bytes()[:4096])  # cut before its fsync: no marker
    report = migrate(str(app_db), pg_url, workdir=tmp_path / "torn", restart=True)
    assert report.verified
    assert one(pg_url, "SELECT count(*) FROM orders") == 60
    assert (torn / snap.name).stat().st_size == snap.stat().st_size


def test_an_early_copy_is_claimed_or_removed(app_db: Path, pg_url: str, tmp_path: Path) -> None:
    """The CLI starts copying before the engine is imported (skylift.db.early): the migration
    takes that copy when the source has not changed since, else removes it and copies anew."""
    snapshots = tmp_path / "wd" / "snapshots"
    early.begin(str(app_db), tmp_path / "wd")
    assert migrate(str(app_db), pg_url, workdir=tmp_path / "wd").verified
    assert len(list(snapshots.glob("snapshot-*.db"))) == 1
    assert len(list(snapshots.glob("*.durable"))) == 1

    early.begin(f"sqlite:///{app_db}", tmp_path / "wd2")
    db = sqlite3.connect(app_db)  # the app writes after the copy began
    db.execute("UPDATE orders SET total = total + 1 WHERE id = 10")
    db.commit()
    db.close()
    report = migrate(str(app_db), pg_url, workdir=tmp_path / "wd2", restart=True)
    assert report.verified
    assert [p.name for p in (tmp_path / "wd2" / "snapshots").glob("snapshot-*.db")] == [
        snapshot_path(Path("."), fingerprint(app_db)).name
    ]
    source = sqlite3.connect(app_db).execute("SELECT total FROM orders WHERE id = 10").fetchone()
    assert one(pg_url, "SELECT total FROM orders WHERE id = 10") == source[0]


def test_dry_run_touches_nothing(app_db: Path, pg_url: str) -> None:
    report = migrate(str(app_db), pg_url, dry_run=True)
    assert any(sql.startswith('CREATE TABLE "orders"') for sql in report.ddl)
    assert (
        one(
            pg_url,
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        )
        == 0
    )


def test_type_override(app_db: Path, pg_url: str, tmp_path: Path) -> None:
    migrate(str(app_db), pg_url, types={"user.code": "varchar(8)"}, workdir=tmp_path / "wd")
    assert (
        one(
            pg_url,
            "SELECT data_type FROM information_schema.columns WHERE table_name='user' AND column_name='code'",
        )
        == "character varying"
    )


EDGE_ROWS = [
    (1, None, None, None, None, None, None, None, None, None, None),
    (2, 0, 0.0, "", b"", "{}", 0, "2025-01-01", "2025-01-01 00:00:00", 0, "0"),
    (
        3,
        -(2**63),
        -0.0,
        'a,"b"\n\r\tc\\d',
        b'\x00\xff,\n"',
        '{"k": "v\\"\\n", "n": [1.10, 2e3]}',
        1,
        "0099-12-31",
        "1999-12-31 23:59:59",
        1.125,
        "x" * 10,
    ),
    (
        4,
        2**63 - 1,
        1.7976931348623157e308,
        "☕🚀 ünï",
        bytes(range(256)),
        '[true, false, null, "é"]',
        0,
        "9999-12-31",
        "2038-01-19 03:14:08",
        12345.678,
        "y",
    ),
    (
        5,
        7,
        5e-324,
        "NULL",
        b"\\N",
        '"just a string"',
        1,
        "2024-02-29",
        "2025-06-01 10:00:00.5",
        -0.001,
        "",
    ),
]


def test_every_kind_round_trips_exactly(tmp_path: Path, pg_url: str) -> None:
    """Read back with psycopg and compare with SQLite's values: independent of skylift's checks."""
    path = tmp_path / "edge.db"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE edge (id INTEGER PRIMARY KEY, i INTEGER, f REAL, t TEXT, b BLOB, j JSON, "
        "bo BOOLEAN, d DATE, ts DATETIME, n NUMERIC(12,3), v VARCHAR(10))"
    )
    db.executemany("INSERT INTO edge VALUES (?,?,?,?,?,?,?,?,?,?,?)", EDGE_ROWS)
    db.commit()
    report = migrate(str(path), pg_url, workdir=tmp_path / "wd")
    assert report.status == "ok", report.as_dict()
    got = q(
        pg_url, "SELECT id, i, f, t, b, j, bo, d::text, ts::text, n::text, v FROM edge ORDER BY id"
    )
    source = db.execute(
        "SELECT * FROM edge ORDER BY id"
    ).fetchall()  # SQLite itself turns -0.0 into 0.0
    for row, back in zip(source, got, strict=True):
        rid, i, f, t, b, j, bo, d, ts, n, v = row
        assert back[0] == rid and back[1] == i and back[3] == t and back[10] == v
        assert back[2] == f and (f is None or math.copysign(1, back[2]) == math.copysign(1, f))
        assert (bytes(back[4]) if back[4] is not None else None) == b
        assert back[5] == (json.loads(j) if j is not None else None)
        assert back[6] == (None if bo is None else bool(bo))
        assert back[7] == d
        assert back[8] == (None if ts is None else (ts + "+00").replace(".5+", ".5+"))
        assert back[9] == (None if n is None else f"{n:.3f}")


def test_foreign_keys_in_a_cycle_are_all_added(tmp_path: Path, pg_url: str) -> None:
    """Foreign keys are added in parallel; tables that reference each other (a cycle) and a
    table referenced by many must neither deadlock nor lose a key."""
    path = tmp_path / "cycle.db"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE team (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES member(id));
        CREATE TABLE member (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES team(id),
                             mentor_id INTEGER REFERENCES member(id));
        CREATE TABLE post (id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES member(id),
                           team_id INTEGER REFERENCES team(id));
        CREATE TABLE vote (id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES post(id),
                           member_id INTEGER REFERENCES member(id));
        """
    )
    db.executemany("INSERT INTO team VALUES (?, ?)", [(i, i) for i in range(1, 51)])
    db.executemany(
        "INSERT INTO member VALUES (?, ?, ?)",
        [(i, i % 50 + 1, i // 2 or None) for i in range(1, 501)],
    )
    db.executemany(
        "INSERT INTO post VALUES (?, ?, ?)", [(i, i % 500 + 1, i % 50 + 1) for i in range(1, 5001)]
    )
    db.executemany(
        "INSERT INTO vote VALUES (?, ?, ?)",
        [(i, i % 5000 + 1, i % 500 + 1) for i in range(1, 20001)],
    )
    db.commit()
    db.close()
    report = migrate(str(path), pg_url, workdir=tmp_path / "wd", jobs=4)
    assert report.status == "ok" and report.verified, report.as_dict()
    with psycopg.connect(pg_url) as conn:
        keys = conn.execute(
            "SELECT conrelid::regclass::text, convalidated FROM pg_constraint WHERE contype = 'f'"
        ).fetchall()
    assert sorted(keys) == sorted(
        [("team", True), ("member", True), ("member", True), ("post", True), ("post", True),
         ("vote", True), ("vote", True)]
    )  # fmt: skip


def test_the_report_counts_source_rows_exactly_despite_gaps(tmp_path: Path, pg_url: str) -> None:
    """Row counts are read in the profile's full pass, not guessed from the rowid range."""
    path = tmp_path / "gaps.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, day DATE)")
    db.executemany("INSERT INTO t VALUES (?, '2025-01-02')", ((i,) for i in range(1, 30_001)))
    db.execute("DELETE FROM t WHERE id % 3 = 0")
    db.commit()
    db.close()
    report = migrate(str(path), pg_url, workdir=tmp_path / "wd")
    assert report.verified
    table = report.as_dict()["tables"][0]
    assert table["source_rows"] == table["rows"] == 20_000
