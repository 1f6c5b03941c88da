"""SQLite rowids need not be dense: FTS5's shadow tables, random or time-based 64-bit ids. The
migration ends (the profile once probed every rowid of a span taken as the row count) and
every row lands."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg


def test_sparse_rowids_and_fts5_shadow_tables_migrate(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "sparse.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE ids (id INTEGER PRIMARY KEY, v TEXT)")
    ids = [1, 2**31, 2**53 + 1, 2**62, 2**63 - 1, -(2**63)]
    db.executemany("INSERT INTO ids VALUES (?, ?)", [(i, f"v{i}") for i in ids])
    db.execute("CREATE TABLE logs (msg TEXT)")  # no key: its rowid is sparse too
    db.executemany("INSERT INTO logs (rowid, msg) VALUES (?, ?)", [(1, "a"), (2**60, "b")])
    db.execute("CREATE VIRTUAL TABLE search USING fts5(title, body)")
    db.executemany("INSERT INTO search VALUES (?, ?)", [("hello", "world"), ("a b", "c d")])
    db.commit()
    db.close()
    done = subprocess.run(
        [sys.executable, "-m", "skylift", "db", "migrate", str(path), pg_url, "--workdir",
         str(tmp_path / "wd")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT id, v FROM ids ORDER BY id").fetchall() == [
            (i, f"v{i}") for i in sorted(ids)
        ]
        assert sorted(conn.execute("SELECT msg FROM logs").fetchall()) == [("a",), ("b",)]
