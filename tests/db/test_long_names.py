"""Names longer than PostgreSQL's 63 bytes (it cuts them silently, so two that share their
first 63 bytes become one): shortened deterministically, reported, and used everywhere —
columns, tables, indexes, keys, foreign keys, verification, rejects. Real SQLite files, a real
PostgreSQL, with and without the accelerator."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from skylift.db import migrate
from skylift.db.translate import shorten

pytestmark = pytest.mark.usefixtures("pg_admin_url")

SHARED = "customer_preferred_notification_channel_for_marketing_campaigns_"  # 64 bytes
COL_A, COL_B = SHARED + "email", SHARED + "sms"
TABLE = "Bestellungsübersicht_" + "ä" * 30  # 82 bytes, cut mid-character by a byte slice
CHILD = "child_" + "x" * 70


def test_shorten_is_deterministic_utf8_safe_and_keeps_names_apart() -> None:
    a, b = shorten(COL_A), shorten(COL_B)
    assert a != b and a == shorten(COL_A)
    assert all(len(n.encode()) <= 63 for n in (a, b, shorten(TABLE), shorten("é" * 64)))
    assert shorten(TABLE).startswith("Bestellungsübersicht_ä")
    assert shorten("short") == "short" and shorten("x" * 63) == "x" * 63


def _db(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.executescript(f"""
        CREATE TABLE "{TABLE}" (id INTEGER PRIMARY KEY, "{COL_A}" TEXT, "{COL_B}" INTEGER,
          UNIQUE ("{COL_A}", "{COL_B}"));
        CREATE INDEX "index_on_{COL_B}" ON "{TABLE}" ("{COL_B}");
        CREATE TABLE "{CHILD}" ("{COL_A}" INTEGER REFERENCES "{TABLE}"(id), "{COL_B}" INTEGER);
    """)
    db.executemany(f'INSERT INTO "{TABLE}" VALUES (?,?,?)', [(1, "a@x", 1), (2, "b@x", 2)])
    db.executemany(f'INSERT INTO "{CHILD}" VALUES (?,?)', [(1, 5), (2, "not a number")])
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize("pure", ["0", "1"])
def test_names_sharing_63_bytes_stay_apart_everywhere(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, pure: str
) -> None:
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", pure)
    report = migrate(str(_db(tmp_path / "long.db")), pg_url, workdir=tmp_path / "wd")
    assert report.verified, report.verification
    table, a, b = shorten(TABLE), shorten(COL_A), shorten(COL_B)
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(f'SELECT id, "{a}", "{b}" FROM "{table}" ORDER BY id').fetchall()
        assert rows == [(1, "a@x", 1), (2, "b@x", 2)]
        assert conn.execute(f'SELECT "{a}", "{b}" FROM "{shorten(CHILD)}"').fetchall() == [(1, 5)]
        defs = [
            r[0]
            for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'")
        ]
        assert any(f"({b})" in d and shorten(f"index_on_{COL_B}") in d for d in defs), defs
        assert any("UNIQUE" in d and f"({a}, {b})" in d for d in defs), defs
        fks = conn.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f'").fetchone()
        assert fks == (1,)
        (reject,) = conn.execute("SELECT table_name, row_key, column_name FROM skylift.rejects")
    assert reject == (CHILD, '{"rowid": 2}', COL_B)  # the source's names, the source row
    renamed = {(r["kind"], r["source"]): r["target"] for r in report.renamed}
    assert renamed[("table", TABLE)] == table
    assert renamed[("column", COL_A)] == a and renamed[("column", COL_B)] == b
    assert renamed[("index", f"index_on_{COL_B}")] == shorten(f"index_on_{COL_B}")
    assert any(table in n["message"] and n["severity"] == "warning" for n in report.notes)
    again = migrate(str(tmp_path / "long.db"), pg_url, workdir=tmp_path / "wd")
    assert again.resumed and again.verified
