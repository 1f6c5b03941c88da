"""Hostile values through `db sync` from MariaDB's binary log: after a batch the target holds
exactly what a fresh `db migrate` makes of the source (values and rejects), `db verify` agrees;
the keys the log names (binary, latin1, unsigned, dates, decimals, enums) find their rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from skylift.db import migrate
from skylift.db.sync import cutover, run
from tests.db.sources.conftest import drop_mysql_database, mysql_connect

from ._oracle import assert_as_migrate_copies, contents, fresh_database

pytestmark = [pytest.mark.slow, pytest.mark.mysql]

SCHEMA = [
    "CREATE TABLE vals (id int PRIMARY KEY, j json, bits bit(10), e enum('a','b','Ünï'),"
    " s set('x','y','z'), dec65 decimal(65,30), d date, dt datetime(6), t time(6), y year,"
    " f float, db double, lat varchar(20) CHARACTER SET latin1, vb varbinary(20), big longblob,"
    " txt longtext, u bigint unsigned, g int AS (id * 2) STORED, ts timestamp(6) NULL,"
    " bc varchar(10) COLLATE utf8mb4_bin)",
    "INSERT INTO vals (id, j, bits, e, s, dec65, d, dt, t, y, f, db, lat, vb, big, txt, u, ts, bc)"
    " VALUES (1, '{\"a\": [1, 2.5, {\"b\": null}]}', b'1010101010', 'Ünï', 'x,z',"
    " '12345678901234567890123456789012345.123456789012345678901234567890', '2024-02-29',"
    " '2024-02-29 23:59:59.999999', '-838:59:59.000000', 2155, 1.17549e-38, 2.2250738585072014e-308,"
    " 'café', 0x00ff00, REPEAT(0xAB, 100000), REPEAT('é😀', 50000), 18446744073709551615,"
    " '2038-01-19 03:14:07.999999', 'MiXeD')",
    "CREATE TABLE kbin (id binary(16) PRIMARY KEY, v text)",
    "INSERT INTO kbin VALUES (UNHEX('00112233445566778899AABBCCDDEEFF'), 'one'),"
    " (UNHEX('FF00000000000000000000000000000E'), 'two')",
    "CREATE TABLE klatin (code varchar(10) CHARACTER SET latin1 PRIMARY KEY, v int)",
    "INSERT INTO klatin VALUES ('café', 1), ('plain', 2)",
    "CREATE TABLE kuns (id bigint unsigned PRIMARY KEY, v int)",
    "INSERT INTO kuns VALUES (18446744073709551615, 1), (9223372036854775808, 2), (1, 3)",
    "CREATE TABLE kdt (at datetime(6), n int, v text, PRIMARY KEY (at, n))",
    "INSERT INTO kdt VALUES ('2024-01-01 10:00:00.123456', 1, 'a'), ('2024-01-01 10:00:00', 2, 'b')",
    "CREATE TABLE kdec (k decimal(20,5) PRIMARY KEY, v text)",
    "INSERT INTO kdec VALUES (1.5, 'a'), (-0.00001, 'b')",
    "CREATE TABLE kenum (e enum('small','LARGE') PRIMARY KEY, v int)",
    "INSERT INTO kenum VALUES ('small', 1), ('LARGE', 2)",
    "CREATE TABLE kvirt (a int, twice int AS (a * 2) VIRTUAL, id int PRIMARY KEY, v text)",
    "INSERT INTO kvirt (a, id, v) VALUES (1, 10, 'x'), (2, 20, 'y')",
    "CREATE TABLE kchar (code char(6) PRIMARY KEY, v int)",
    "INSERT INTO kchar VALUES ('ab', 1), ('été', 2)",
    "CREATE TABLE kci (code varchar(10) PRIMARY KEY, v int)",
    "INSERT INTO kci VALUES ('abc', 1), ('x ', 2)",
]

CHANGES = {
    "JSON, BIT, ENUM/SET, DECIMAL(65,30), dates and times, YEAR, floats, blobs, unsigned max": [
        "INSERT INTO vals (id, j, bits, e, s, dec65, d, dt, t, y, f, db, lat, vb, big, txt, u, ts, bc)"
        ' VALUES (2, \'{"big": 123456789012345678901234567890, "u": "\\\\u00e9\\\\ud83d\\\\ude00",'
        " \"deep\": [[[[1]]]], \"f\": 1.0e-7}', b'1111111111', 'b', '', -0.000000000000000000000000000001,"
        " '1000-01-01', '9999-12-31 23:59:59.999999', '838:59:59', 1901, -3.40282e38, -1.7976931348623157e308,"
        " 'Ñandú', '', REPEAT(0x00, 70000), '', 0, '1970-01-01 00:00:01', 'mixed')",
        "UPDATE vals SET t = '-00:00:00.000001', y = 0, f = 0.1, db = 0.1, bits = b'0',"
        " txt = CONCAT(txt, 'x') WHERE id = 1",
    ],
    "zero dates and bad values": [
        "INSERT INTO vals (id, d, dt, t) VALUES (3, '0000-00-00', '0000-00-00 00:00:00', '00:00:00')",
        "INSERT INTO vals (id, d, dt) VALUES (4, '2024-00-10', '2024-02-30 10:00:00')",
        "INSERT INTO vals (id, txt, j) VALUES (5, CONCAT('a', CHAR(0), 'b'), '\"\\\\u0000\"')",
    ],
    "binary keys": [
        "INSERT INTO kbin VALUES (UNHEX('DEADBEEF00000000000000000000FFFF'), 'three')",
        "UPDATE kbin SET v = 'changed' WHERE v = 'two'",
        "DELETE FROM kbin WHERE v = 'one'",
    ],
    "latin1 keys": [
        "INSERT INTO klatin VALUES ('Ñandú', 3)",
        "UPDATE klatin SET v = 10 WHERE code = 'café'",
        "DELETE FROM klatin WHERE code = 'plain'",
    ],
    "unsigned keys past 2^63": [
        "UPDATE kuns SET v = 10 WHERE id = 18446744073709551615",
        "DELETE FROM kuns WHERE id = 9223372036854775808",
        "INSERT INTO kuns VALUES (18446744073709551614, 4)",
    ],
    "datetime, decimal, enum and case-insensitive keys": [
        "UPDATE kdt SET v = 'x'",
        "DELETE FROM kdt WHERE n = 2",
        "INSERT INTO kdt VALUES ('2024-06-01 00:00:00.000001', 3, 'c')",
        "UPDATE kdec SET v = 'y'",
        "INSERT INTO kdec VALUES (99999999999999.99999, 'max')",
        "UPDATE kenum SET v = 20 WHERE e = 'LARGE'",
        "INSERT INTO kenum VALUES ('', 3)",
        "UPDATE kci SET code = 'ABC' WHERE code = 'abc'",
        "UPDATE kci SET v = 3 WHERE code = 'x'",
        "UPDATE kchar SET v = v + 10",
        "INSERT INTO kchar VALUES ('çà', 3)",
        "UPDATE kvirt SET v = 'changed' WHERE id = 20",
        "INSERT INTO kvirt (a, id, v) VALUES (3, 30, 'z')",
    ],
}


@pytest.fixture
def hostile_mysql(mysql_server_url: str) -> Iterator[str]:
    name = f"h_{uuid.uuid4().hex[:10]}"
    with mysql_connect(mysql_server_url) as conn, conn.cursor() as cur:
        cur.execute("SET GLOBAL binlog_format = 'ROW'")
        cur.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    execute(mysql_server_url + name, "SET SESSION sql_mode = ''", *SCHEMA)
    yield mysql_server_url + name
    drop_mysql_database(mysql_server_url, name)


def execute(url: str, *statements: str) -> None:
    base, name = url.rsplit("/", 1)
    with mysql_connect(base + "/", name) as conn, conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)
        conn.commit()


@pytest.mark.parametrize("case", list(CHANGES))
def test_changes_arrive_as_migrate_copies_them(hostile_mysql: str, pg_url: str, pg_admin_url: str, tmp_path: Path, case: str) -> None:  # fmt: skip
    options = run.Options(workdir=tmp_path / "work")
    run.sync(hostile_mysql, pg_url, options=options, once=True)
    execute(hostile_mysql, "SET SESSION sql_mode = ''", *CHANGES[case])
    run.sync(hostile_mysql, pg_url, options=options, once=True)
    assert_as_migrate_copies(hostile_mysql, pg_url, pg_admin_url, tmp_path)


ON_TARGET = [
    "UPDATE vals SET j = '{\"z\": [1, 2.5, null], \"u\": \"é😀\"}', bits = B'0000000001', e = 'a',"
    " s = '{x,y}', dec65 = -0.000000000000000000000000000001, t = '23:59:59.999999', y = 1901,"
    " db = 5e-324, lat = 'Ñandú', vb = '\\x00', txt = 'ünï', u = 18446744073709551614,"
    " ts = '2001-02-03 04:05:06.000007+00', bc = 'Case' WHERE id = 1",
    "UPDATE kbin SET v = 'on the target' WHERE v = 'two'",
    "INSERT INTO kbin VALUES ('\\x0102030405060708090a0b0c0d0e0f10', 'new')",
    "DELETE FROM kbin WHERE v = 'one'",
    "UPDATE klatin SET code = 'Ñoño' WHERE code = 'café'",
    "UPDATE kuns SET v = 0 WHERE id = 18446744073709551615",
    "UPDATE kdt SET v = 'on the target'",
    "UPDATE kdec SET v = 'on the target'",
    "UPDATE kenum SET v = 5",
    "UPDATE kci SET v = 7",
]


def test_cutover_then_rollback_brings_every_value_back(hostile_mysql: str, pg_url: str, pg_admin_url: str, tmp_path: Path) -> None:  # fmt: skip
    options = run.Options(workdir=tmp_path / "work")
    run.sync(hostile_mysql, pg_url, options=options, once=True)
    assert cutover.cutover(hostile_mysql, pg_url, options=options).ok
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in ON_TARGET:
            conn.execute(statement)
    back = cutover.rollback(hostile_mysql, pg_url, options=options)
    assert back.ok
    with fresh_database(pg_admin_url) as other:  # the source now migrates to the target's values
        migrate(hostile_mysql, other, workdir=tmp_path / "oracle")
        again, target = contents(other), contents(pg_url)
    for table in ("vals", "kbin", "klatin", "kuns", "kdt", "kdec", "kenum", "kci"):
        assert again[table] == target[table], table
