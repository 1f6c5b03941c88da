"""Defaults real SQLite schemas carry (Rails, Django, Prisma, Sequelize, Knex, hand-written),
many never checked by SQLite against their column: each becomes the default the app meant, or
is dropped with a note; none refuses its table. Real SQLite files, a real PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from skylift.db import migrate

pytestmark = pytest.mark.usefixtures("pg_admin_url")

# (column definition, what a row inserted without the column holds in PostgreSQL, as text)
DEFAULTS = [
    ('a TEXT DEFAULT ""', ""),  # a double-quoted string (SQLite's fallback)
    ('b TEXT NOT NULL DEFAULT "active"', "active"),
    ("c DATETIME DEFAULT 0", None),  # no date: dropped with a note
    ("d INTEGER DEFAULT '\"0\"'", "0"),  # quoted twice (an ORM's bug)
    ("e INTEGER DEFAULT '0'", "0"),  # Knex
    ("f BOOLEAN DEFAULT 'f'", "false"),  # Rails
    ("g BOOLEAN NOT NULL DEFAULT false", "false"),  # Prisma
    ("h BOOLEAN DEFAULT 't'", "true"),
    ("i BOOLEAN DEFAULT (1)", "true"),
    ("j DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP", "now"),
    ("k DATETIME DEFAULT ''", None),
    ("l DATE DEFAULT '2020-01-01'", "2020-01-01"),
    ("m DATETIME DEFAULT '2020-01-01 10:00:00'", "2020-01-01 10:00:00+00"),
    ("n DATETIME DEFAULT '2020-01-01T10:00:00.000+02:00'", "2020-01-01 08:00:00+00"),
    ("nn DATETIME DEFAULT '2020-01-01 10:00:00.000 +02:00'", "2020-01-01 08:00:00+00"),  # Sequelize
    ("o REAL DEFAULT 1.5", "1.5"),
    ("p INTEGER DEFAULT -1", "-1"),
    ("q INTEGER DEFAULT 0.0", "0"),
    ("r JSON DEFAULT '[]'", "[]"),
    ("s JSON DEFAULT ''", None),
    ("t NUMERIC(10,2) DEFAULT '0.00'", "0.00"),
    ("u BLOB DEFAULT X'00FF'", "\\x00ff"),
    ("v TEXT DEFAULT (lower(hex(randomblob(16))))", "hex32"),
    ("w INTEGER DEFAULT (strftime('%s','now'))", "epoch"),
    ("x TEXT DEFAULT 'it''s'", "it's"),
    ("y INTEGER DEFAULT 'none'", None),  # no meaning in an integer column: dropped, warned
    ("z DATETIME DEFAULT (julianday('now'))", None),  # SQLite-only: work for a human
    ("aa VARCHAR(10) DEFAULT 0", "0"),
    ("ab INTEGER DEFAULT NULL", None),
    ("ac INTEGER DEFAULT TRUE", "1"),
    ("ad INTEGER DEFAULT 0x10", "16"),
    ("ae DATETIME DEFAULT CURRENT_DATE", "today"),
]


def test_every_default_translates_or_is_dropped_with_a_note(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "defaults.db"
    db = sqlite3.connect(path)
    cols = ", ".join(d for d, _ in DEFAULTS)
    db.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {cols})")
    db.execute("INSERT INTO t (id) VALUES (1)")
    db.commit()
    db.close()
    report = migrate(str(path), pg_url, workdir=tmp_path / "wd")
    assert report.verified, report.as_dict()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("INSERT INTO t (id) VALUES (2)")
        names = [d.split()[0] for d, _ in DEFAULTS]
        row = conn.execute(f"SELECT {', '.join(f'{n}::text' for n in names)} FROM t WHERE id = 2")
        landed = dict(zip(names, row.fetchone() or (), strict=True))
        now = conn.execute("SELECT now()::date::text, extract(epoch FROM now())::bigint").fetchone()
    expected = {n: e for n, (_, e) in zip(names, DEFAULTS, strict=True)}
    assert str(landed.pop("j")).startswith(now[0]) and expected.pop("j") == "now"
    assert str(landed.pop("ae")).startswith(now[0]) and expected.pop("ae") == "today"
    assert abs(int(landed.pop("w")) - now[1]) < 60 and expected.pop("w") == "epoch"
    hex32 = landed.pop("v")
    assert len(hex32) == 32 and int(hex32, 16) >= 0 and expected.pop("v") == "hex32"
    assert landed == expected
    notes = {n["object"]: n for n in report.notes}
    for dropped in ("t.c", "t.k", "t.s", "t.y"):
        assert "dropped" in notes[dropped]["message"], notes[dropped]
    assert notes["t.y"]["severity"] == "warning"
    assert notes["t.z"]["severity"] == "manual"
    assert "quoted twice" in notes["t.d"]["message"]


def test_a_default_postgresql_refuses_is_a_note_not_a_refused_table(
    tmp_path: Path, pg_url: str
) -> None:
    """CURRENT_TIMESTAMP on an INTEGER column: SQLite stores the text; PostgreSQL has no such
    integer. The table is made, the default is reported."""
    path = tmp_path / "odd.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER DEFAULT CURRENT_TIMESTAMP)")
    db.execute("INSERT INTO t VALUES (1, 5)")
    db.commit()
    db.close()
    report = migrate(str(path), pg_url, workdir=tmp_path / "wd")
    assert report.verified
    manual = [n for n in report.notes if n["severity"] == "manual"]
    assert any("t.n" in n["object"] for n in manual), report.notes
    assert _one(pg_url, "SELECT n FROM t") == 5


def _one(url: str, sql: str) -> Any:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]  # type: ignore[index]
