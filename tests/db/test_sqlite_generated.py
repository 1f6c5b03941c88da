"""SQLite generated columns (VIRTUAL or STORED) are computed, not copied: PostgreSQL computes
them as the rows land; one whose expression is SQLite-only is work for a human, named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from skylift.db import migrate

pytestmark = pytest.mark.usefixtures("pg_admin_url")


@pytest.mark.parametrize("pure", ["0", "1"])
def test_generated_columns_are_computed_by_postgresql(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, pure: str
) -> None:
    path = tmp_path / "gen.db"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE g (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2)"
        " VIRTUAL, name TEXT, up TEXT AS (upper(name)) STORED, odd REAL AS (julianday(name)))"
    )
    db.executemany("INSERT INTO g (id, a, name) VALUES (?,?,?)", [(1, 2, "ada"), (2, None, None)])
    db.commit()
    db.close()
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", pure)
    report = migrate(str(path), pg_url, workdir=tmp_path / "wd")
    assert report.verified
    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = conn.execute("SELECT id, a, b, name, up FROM g ORDER BY id").fetchall()
        assert rows == [(1, 2, 4, "ada", "ADA"), (2, None, None, None, None)]
        conn.execute("UPDATE g SET a = 5 WHERE id = 2")
        assert conn.execute("SELECT b FROM g WHERE id = 2").fetchone() == (10,)
    notes = {n["object"]: n for n in report.notes}
    assert (
        notes["g.odd"]["severity"] == "manual"
        and "julianday" in (notes["g.odd"]["sql"] or "").lower()
    )
    assert "computed by PostgreSQL" in notes["g.b"]["message"]
