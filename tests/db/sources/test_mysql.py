"""MySQL/MariaDB source against a real MariaDB: one-line type and value checks, then whole
migrations into a real PostgreSQL with verification."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from skylift.db import migrate
from skylift.db.pipeline import open_source
from skylift.db.schema import Schema
from skylift.errors import SourceError

from .conftest import mysql_connect, run_mysql

pytestmark = pytest.mark.mysql
EXAMPLE_DUMP = Path(__file__).parents[3] / "examples" / "github-api" / "data" / "dump.sql"

# (MySQL column type, PostgreSQL type, kind)
TYPES = [
    ("tinyint(1)", "boolean", "bool"),
    ("bit(1)", "boolean", "bool"),
    ("bit(12)", "bit(12)", "text_repr"),
    ("tinyint", "smallint", "int"),
    ("tinyint unsigned", "smallint", "int"),
    ("smallint unsigned", "integer", "int"),
    ("mediumint", "integer", "int"),
    ("int", "integer", "int"),
    ("int unsigned", "bigint", "int"),
    ("bigint", "bigint", "int"),
    ("bigint unsigned", "numeric(20)", "numeric"),
    ("decimal(12,4)", "numeric(12,4)", "numeric"),
    ("float", "real", "float"),
    ("double", "double precision", "float"),
    ("char(36)", "varchar(36)", "text"),
    ("varchar(191)", "varchar(191)", "text"),
    ("varchar(20) character set latin1", "varchar(20)", "text"),
    ("mediumtext", "text", "text"),
    ("json", "jsonb", "json"),
    ("binary(16)", "bytea", "bytes"),
    ("varbinary(64)", "bytea", "bytes"),
    ("longblob", "bytea", "bytes"),
    ("date", "date", "date"),
    ("datetime", "timestamp(0)", "timestamp"),
    ("datetime(6)", "timestamp(6)", "timestamp"),
    ("timestamp(3) null", "timestamptz(3)", "timestamptz"),
    ("time", "time(0)", "time"),
    ("year", "smallint", "int"),
    ("enum('a','b')", "types_c32", "text"),
    ("set('x','y')", "text[]", "text_repr"),
    ("geometry", "bytea", "bytes"),
]


@pytest.fixture(scope="module")
def types_schema(mysql_server_url: str) -> Any:
    name = "types_check"
    cols = ", ".join(f"c{i} {t}" for i, (t, _, _) in enumerate(TYPES))
    with mysql_connect(mysql_server_url) as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
        cur.execute(f"CREATE TABLE {name}.types (id int primary key, {cols})")
    source = open_source(mysql_server_url + name)
    yield source.read_schema()
    source.close()


@pytest.mark.parametrize(("mysql_type", "pg_type", "kind"), TYPES)
def test_type(types_schema: Schema, mysql_type: str, pg_type: str, kind: str) -> None:
    index = [t for t, _, _ in TYPES].index(mysql_type)
    col = types_schema.table("types").column(f"c{index}")
    assert (col.pg_type, col.kind) == (pg_type.replace("c32", f"c{index}"), kind)


def read_one(url: str, mysql_type: str, literal: str, sql_mode: str = "") -> Any:
    """Store `literal` in a column of `mysql_type`; its canonical form (db/values.py: what
    verification compares with the target) as the source reads it, or the reject reason."""
    run_mysql(
        url,
        f"SET SESSION sql_mode = '{sql_mode}'; DROP TABLE IF EXISTS v;"
        f" CREATE TABLE v (id int primary key, c {mysql_type}); INSERT INTO v VALUES (1, {literal})",
    )
    source = open_source(url)
    try:
        table = source.read_schema().table("v")
        reader = source.reader()
        chunk = source.chunks(table)[0]
        rows = list(reader.canonical_rows(table, chunk))
        rejects = list(reader.rejects(table, chunk))
        reader.close()
    finally:
        source.close()
    return rows[0][1] if rows else rejects[0].reason


VALUES = [
    ("float", "123456.789", 123456.7890625),  # MySQL prints 123457: we read the exact float
    ("double", "0.1e0 * 3", 0.30000000000000004),
    ("decimal(27,10)", "'12345678901234567.0123456780'", "12345678901234567.012345678"),
    ("bigint unsigned", "18446744073709551615", "18446744073709551615"),
    ("tinyint(1)", "1", 1),
    ("bit(1)", "b'0'", 0),
    ("bit(4)", "b'0101'", "0101"),
    ("set('a','b','c')", "'a,c'", "{a,c}"),
    ("set('a','b')", "''", "{}"),
    ("datetime(3)", "'2024-02-29 23:59:59.120'", "2024-02-29 23:59:59.12"),
    ("timestamp null", "'2024-06-01 12:00:00'", "2024-06-01 12:00:00+00"),
    ("date", "'0000-00-00'", None),
    ("datetime", "'0000-00-00 00:00:00'", None),
    ("year", "0", None),
    ("year", "2024", 2024),
    ("date", "'2024-00-10'", "impossible date '2024-00-10'"),
    ("date", "'0000-01-01'", "impossible date '0000-01-01'"),
    (
        "time",
        "'-01:00:00'",
        "TIME -01:00:00 outside 00:00..24:00 (a duration? make the column interval)",
    ),
    (
        "time",
        "'30:00:00'",
        "TIME 30:00:00 outside 00:00..24:00 (a duration? make the column interval)",
    ),
    ("time(1)", "'23:59:59.5'", "23:59:59.5"),
    ("varchar(10) character set latin1", "'café'", "café"),
    ("varchar(10)", "'日本語 😀'", "日本語 😀"),
    ("text", "CONCAT('a', CHAR(0), 'b')", "NUL byte in text (PostgreSQL text cannot hold \\x00)"),
    ("enum('x','y')", "''", "'' is not a value of the enum (MySQL's empty error value)"),
    ("json", '\'{"b": [1, 2.50], "a": null}\'', '{"a":null,"b":[1,2.5]}'),
    ("json", "'\"\\\\u0000\"'", "JSON string with \\u0000 (jsonb cannot hold NUL)"),
    ("varbinary(4)", "x'00ff'", b"\x00\xff"),
]


@pytest.mark.parametrize(("mysql_type", "literal", "expected"), VALUES)
def test_value(mysql_url: str, mysql_type: str, literal: str, expected: Any) -> None:
    assert read_one(mysql_url, mysql_type, literal) == expected


def test_invalid_utf8_is_a_reject_reason() -> None:
    # MariaDB replaces invalid bytes with '?' on the way in, so a live server cannot hold them;
    # MySQL 5.x servers with sql_mode='' can: the converter names the byte
    from skylift.db.sources.mysql._values import Bad, text

    with pytest.raises(Bad, match="invalid UTF-8 at byte 1"):
        text(b"A\xffB")


APP_SQL = (Path(__file__).parent / "data" / "mysql_app.sql").read_text()


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        return conn.execute(sql).fetchall()


@pytest.fixture
def migrated_app(mysql_url: str, pg_url: str) -> tuple[Any, str]:
    run_mysql(mysql_url, APP_SQL)
    return migrate(mysql_url, pg_url, jobs=2), pg_url


def _notes(report: Any, severity: str) -> dict[str, str]:
    """object -> its notes of that severity, joined."""
    out: dict[str, str] = {}
    for n in report.notes:
        if n["severity"] == severity:
            out[n["object"]] = (out.get(n["object"], "") + " | " + n["message"]).lstrip(" |")
    return out


def test_app_database_migrates_and_verifies(migrated_app: tuple[Any, str]) -> None:
    report, _ = migrated_app
    assert [v for v in report.verification if not v["ok"]] == []
    assert {v["table"]: v["target_rows"] for v in report.verification} == {
        "post_tags": 3,
        "posts": 500,
        "tags": 2,
        "users": 202,  # eve's row is in the reject table
    }
    # eve's row, once, with each of its bad values
    assert report.rejected == 1
    assert [(r["table"], r["column"], r["example_key"], r["reason"]) for r in report.rejects] == [
        ("users", "alarm", "[3]", "TIME -02:00:00 outside 00:00..24:00 (a duration? make the column interval)"),
        ("users", "bio", "[3]", "NUL byte in text (PostgreSQL text cannot hold \\x00)"),
        ("users", "born", "[3]", "impossible date '2024-00-10'"),
        ("users", "plan", "[3]", "'' is not a value of the enum (MySQL's empty error value)"),
    ]  # fmt: skip


def test_app_values_land_exactly(migrated_app: tuple[Any, str]) -> None:
    _, url = migrated_app
    ada = _query(
        url,
        "SELECT is_admin, active, plan::text, roles, prefs, score, ratio, balance, big_counter,"
        " birth_year, created_at, updated_at, last_login, alarm, avatar, legacy_name"
        " FROM users WHERE id = 1",
    )[0]
    assert ada == (
        True,
        True,
        "team",
        ["reader", "admin"],
        {"theme": "dark", "n": [1, Decimal("2.50")]},
        pytest.approx(1.1, rel=1e-7),
        0.30000000000000004,
        Decimal("10.50"),
        Decimal("18446744073709551615"),
        1985,
        dt.datetime(2024, 1, 1, 10, 0),
        dt.datetime(2024, 1, 2, 10, 0, 0, 123000),
        dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC),
        dt.time(8, 30),
        b"\x89PNG",
        "Zoë Façade",
    )
    bob = _query(url, "SELECT born, created_at, birth_year, bio FROM users WHERE id = 2")[0]
    assert bob == (None, None, None, "likes ☕ and 😀")


def test_app_schema_behaves_like_mysql(migrated_app: tuple[Any, str]) -> None:
    _, url = migrated_app
    with psycopg.connect(url, autocommit=True) as conn:
        # AUTO_INCREMENT -> identity, sequence past the copied ids
        new_id = conn.execute("INSERT INTO users (email) VALUES ('new@example.com') RETURNING id")
        assert new_id.fetchone()[0] > 203
        # ON UPDATE CURRENT_TIMESTAMP -> trigger
        conn.execute("UPDATE users SET bio = 'changed' WHERE id = 1")
        updated = conn.execute("SELECT updated_at FROM users WHERE id = 1").fetchone()[0]
        assert updated > dt.datetime(2025, 1, 1)
        # ENUM -> enum type, in declaration order; CHECK kept; FK actions kept
        labels = conn.execute("SELECT enum_range(NULL::users_plan)::text").fetchone()[0]
        assert labels == "{free,pro,team}"
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE users SET balance = -1 WHERE id = 1")
        conn.execute("DELETE FROM users WHERE id = 1")
        assert conn.execute("SELECT count(*) FROM posts WHERE user_id = 1").fetchone()[0] == 0
        views = conn.execute("SELECT count(*) FROM published_posts").fetchone()[0]
        assert views > 0


def test_app_report_names_work_for_humans(migrated_app: tuple[Any, str]) -> None:
    report, _ = migrated_app
    manual = _notes(report, "manual")
    assert "users.users_bio_ft" in manual and "tsvector" in manual["users.users_bio_ft"]
    assert {"posts_bump", "purge_old", "nightly", "users.location"} <= set(manual)
    warnings = _notes(report, "warning")
    assert warnings["users.born"].startswith("1 zero date")
    assert warnings["users.created_at"].startswith("1 zero date")
    assert "NOT NULL dropped" in warnings["users.created_at"]
    assert "posts.posts_title_prefix" not in manual  # a prefix index is a plain index
    assert "case-insensitive in MySQL" in warnings["users.users_email_unique"]


def test_example_github_api_dump_migrates(mysql_url: str, pg_url: str) -> None:
    # the example app's mysqldump (MySQL 8): MariaDB lacks the 0900 collations
    dump = EXAMPLE_DUMP.read_text().replace("utf8mb4_0900_ai_ci", "utf8mb4_unicode_ci")
    run_mysql(mysql_url, dump)
    report = migrate(mysql_url, pg_url, jobs=2)
    assert all(v["ok"] for v in report.verification)
    assert report.rejects == []
    kinds = _query(
        pg_url,
        "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
        " WHERE column_name IN ('preferences', 'payload', 'is_admin', 'id') AND table_schema = 'public'",
    )
    assert dict(kinds).items() >= {
        ("users.preferences", "jsonb"),
        ("email_log.payload", "jsonb"),
        ("users.is_admin", "boolean"),
        ("repositories.id", "bigint"),  # bigint unsigned AUTO_INCREMENT: an identity
    }


def test_chunks_are_the_same_on_a_rerun(mysql_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from skylift.db.sources.mysql import MySQLSource

    run_mysql(mysql_url, APP_SQL)
    monkeypatch.setattr(MySQLSource, "CHUNK_ROWS", 100)
    plans = []
    for _ in range(2):
        source = open_source(mysql_url)
        plans.append(source.chunks(source.read_schema().table("posts")))
        source.close()
    assert len(plans[0]) == 5 and plans[0] == plans[1]


def test_a_source_changed_during_the_copy_is_refused(mysql_url: str) -> None:
    run_mysql(mysql_url, "CREATE TABLE t (id int primary key); INSERT INTO t VALUES (1)")
    source = open_source(mysql_url)
    table = source.read_schema().table("t")
    run_mysql(mysql_url, "INSERT INTO t VALUES (2)")  # the app is still writing
    with pytest.raises(SourceError, match="changed while it was being copied"):
        list(source.reader().rows(table, source.chunks(table)[0]))
    source.close()


def test_resume_after_kill_9(mysql_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from skylift.db.sources.mysql import MySQLSource

    from ._kill import count, kill_midway

    monkeypatch.setattr(MySQLSource, "CHUNK_ROWS", 500)
    run_mysql(
        mysql_url,
        "CREATE TABLE events (id int unsigned AUTO_INCREMENT PRIMARY KEY, at datetime(6),"
        " body text, amount double); INSERT INTO events (at, body, amount)"
        " SELECT '2024-01-01' + INTERVAL seq SECOND, REPEAT('x', seq % 50), seq / 7"
        " FROM seq_1_to_20000",
    )
    done = kill_midway(mysql_url, pg_url, after_chunks=3)
    assert done < 40  # killed while copying
    report = migrate(mysql_url, pg_url, jobs=2)
    assert report.resumed
    assert all(v["ok"] for v in report.verification)
    assert count(pg_url, "events") == (20000, 20000)


def test_dry_run_shows_the_schema_and_touches_nothing(mysql_url: str, pg_url: str) -> None:
    run_mysql(mysql_url, APP_SQL)
    report = migrate(mysql_url, pg_url, dry_run=True)
    ddl = "\n".join(report.ddl)
    assert "CREATE TYPE \"users_plan\" AS ENUM ('free', 'pro', 'team')" in ddl
    assert "GENERATED BY DEFAULT AS IDENTITY" in ddl
    assert "CREATE OR REPLACE TRIGGER users_updated_at_on_update" in ddl
    assert _query(pg_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def test_type_overrides(mysql_url: str, pg_url: str) -> None:
    run_mysql(mysql_url, APP_SQL)
    types = {"users.email": "citext", "users.is_admin": "smallint", "posts.title": "text"}
    report = migrate(mysql_url, pg_url, jobs=2, types=types)
    assert [v for v in report.verification if not v["ok"]] == []
    with psycopg.connect(pg_url, autocommit=True) as conn:
        # citext keeps MySQL's case-insensitive key and lookups
        assert conn.execute("SELECT id FROM users WHERE email = 'ADA@example.com'").fetchone()
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO users (email) VALUES ('Bob@Example.com')")
        kinds = conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = 'users' AND column_name IN ('is_admin', 'email')"
        ).fetchall()
    assert dict(kinds) == {"is_admin": "smallint", "email": "USER-DEFINED"}


GEO_SQL = """
CREATE TABLE places (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(50),
  loc POINT NOT NULL,
  area POLYGON NULL,
  path GEOMETRY NULL,
  SPATIAL INDEX sp_loc (loc)
);
INSERT INTO places (name, loc, area, path) VALUES
  ('srid 4326', ST_GeomFromText('POINT(-71.0625 42.3584)', 4326),
   ST_GeomFromText('POLYGON((0 0,4 0,4 4,0 4,0 0),(1 1,2 1,2 2,1 1))', 4326), NULL),
  ('srid 0', ST_GeomFromText('POINT(1.5 -2.25)'), NULL,
   ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1,2 1))', 3857)),
  ('multi', ST_GeomFromText('POINT(0 0)', 2154), NULL,
   ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))', 2154));
"""


def test_geometry_lands_in_postgis_when_the_target_has_it(
    mysql_url: str, postgis_admin_url: str
) -> None:
    run_mysql(mysql_url, GEO_SQL)
    with psycopg.connect(postgis_admin_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS geo WITH (FORCE)")
        conn.execute("CREATE DATABASE geo")
    target = postgis_admin_url.rsplit("/", 1)[0] + "/geo"
    report = migrate(mysql_url, target, jobs=2)
    assert report.status == "ok" and report.verified, report.as_dict()["verification"]
    assert _query(target, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                  "WHERE attrelid = 'places'::regclass AND attname = 'loc'") == [("geometry",)]  # fmt: skip
    with mysql_connect(mysql_url, mysql_url.rsplit("/", 1)[1]) as my, my.cursor() as cur:
        cur.execute("SELECT id, ST_AsText(loc), ST_SRID(loc), ST_AsText(area), ST_AsText(path),"
                    " ST_SRID(path) FROM places ORDER BY id")  # fmt: skip
        source = [tuple(r) for r in cur.fetchall()]
    target_rows = _query(
        target,
        "SELECT id, ST_AsText(loc), ST_SRID(loc), ST_AsText(area), ST_AsText(path), ST_SRID(path)"
        " FROM places ORDER BY id",
    )
    normal = [
        tuple(v.replace(", ", ",") if isinstance(v, str) else v for v in r) for r in target_rows
    ]
    assert normal == [
        tuple(v.replace(", ", ",") if isinstance(v, str) else v for v in r) for r in source
    ]
    indexes = _query(target, "SELECT indexdef FROM pg_indexes WHERE tablename = 'places'")
    assert any("USING gist (loc)" in i[0] for i in indexes), indexes


def _cipher(url: str) -> str:
    from skylift.db.sources.mysql._connection import connect, parse_url

    conn = connect(parse_url(url))
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
            return bytes(cur.fetchone()[1]).decode()
    finally:
        conn.close()


def test_tls_modes(mysql_url: str, mysql_tls: Path) -> None:
    ca, other = mysql_tls / "ca.pem", mysql_tls / "other-ca.pem"
    assert _cipher(f"{mysql_url}?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}")  # encrypted, checked
    assert _cipher(f"{mysql_url}?ssl-mode=REQUIRED")
    assert _cipher(f"{mysql_url}?sslaccept=accept_invalid_certs")  # Prisma's spelling
    assert _cipher(f"{mysql_url}?ssl-mode=DISABLED") == ""
    with pytest.raises(SourceError) as caught:
        _cipher(f"{mysql_url}?ssl-mode=VERIFY_CA&ssl-ca={other}")  # a CA that did not sign it
    assert "certificate" in caught.value.why.lower() + caught.value.fix.lower()
    for bad, said in (("ssl-mode=SOMETIMES", "not a TLS mode"), ("pool=5", "unknown parameter"),
                      ("ssl-ca=/no/such.pem", "file not found")):  # fmt: skip
        with pytest.raises(SourceError, match=said):
            open_source(f"{mysql_url}?{bad}")


def test_migrates_over_verified_tls(mysql_url: str, pg_url: str, mysql_tls: Path) -> None:
    run_mysql(
        mysql_url,
        "CREATE TABLE t (id INT PRIMARY KEY, s TEXT); INSERT INTO t VALUES (1,'a'),(2,'b');",
    )
    url = f"{mysql_url}?ssl-mode=VERIFY_IDENTITY&ssl-ca={mysql_tls / 'ca.pem'}"
    report = migrate(url, pg_url, jobs=2)
    assert report.status == "ok" and report.verified
    assert _query(pg_url, "SELECT s FROM t ORDER BY id") == [("a",), ("b",)]


def test_separator_characters_in_values_land_exactly(mysql_url: str, pg_url: str) -> None:
    """Rows travel joined by CHAR(1), flagged by CHAR(3), NULL as CHAR(2): values holding those
    characters (in a batch of plain rows) must still land exactly."""
    run_mysql(
        mysql_url,
        "CREATE TABLE notes (id int PRIMARY KEY, body text, score double);"
        "INSERT INTO notes SELECT seq, CONCAT('note ', seq), seq / 7"
        " FROM seq_1_to_2500;"
        "UPDATE notes SET body = CONCAT('a', CHAR(1), 'b') WHERE id = 10;"
        "UPDATE notes SET body = CONCAT(CHAR(3), 'x') WHERE id = 1500;"
        "UPDATE notes SET body = CHAR(2), score = NULL WHERE id = 2400;",
    )
    report = migrate(mysql_url, pg_url, jobs=2)
    assert report.verified
    rows = dict(_query(pg_url, "SELECT id, body FROM notes WHERE id IN (10, 1500, 2400, 2500)"))
    assert rows == {10: "a\x01b", 1500: "\x03x", 2400: "\x02", 2500: "note 2500"}
    assert _query(pg_url, "SELECT count(*), count(score) FROM notes") == [(2500, 2499)]


def test_schema_read_early_is_the_same_and_errors_stay_the_engines(
    mysql_url: str, tmp_path: Path
) -> None:
    """The CLI starts reading a MySQL schema while it imports the engine (db/early.py)."""
    from skylift.db import early
    from skylift.db.sources.mysql import _early

    run_mysql(
        mysql_url,
        "CREATE TABLE t (id int primary key, d date NOT NULL, b tinyint(1));"
        " INSERT INTO t VALUES (1, '0000-00-00', 2)",
    )
    options = {"types": {}, "target_url": None}
    early.begin(mysql_url, tmp_path, None, [])
    adopted = open_source(mysql_url, dict(options)).read_schema()
    assert not _early._EARLY  # claimed
    fresh = open_source(mysql_url, dict(options))
    assert adopted == fresh.read_schema()
    assert adopted.table("t").column("d").nullable  # the profile ran (a zero date)
    assert adopted.table("t").column("b").pg_type == "smallint"  # (a 2 in a tinyint(1))
    fresh.close()

    early.begin(mysql_url, tmp_path, None, ["t.b=integer"])  # other options: not adopted
    assert (
        open_source(mysql_url, dict(options)).read_schema().table("t").column("b").pg_type
        == "smallint"
    )
    _early._EARLY.clear()

    wrong = mysql_url.replace(":rootpw@", ":wrong@")
    early.begin(wrong, tmp_path, None, [])
    with pytest.raises(SourceError, match="cannot connect to MySQL"):
        open_source(wrong, dict(options)).read_schema()
