"""Rows a SQLite source cannot give PostgreSQL as they are: every bad value of a row is named
with a true reason, the whole row is kept exactly (whatever it holds), and the row can be found
in the source. Real SQLite files, a real PostgreSQL, with and without the accelerator."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from skylift.db import migrate
from skylift.db.records import json_restore, json_safe, reject_json

pytestmark = pytest.mark.usefixtures("pg_admin_url")


def _rejects(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT row_key, column_name, raw_value, reason, row_data FROM skylift.rejects"
            " ORDER BY id"
        ).fetchall()


@pytest.mark.parametrize(
    "value",
    [
        math.inf, -math.inf, -0.0, 1e308, 2**70, -(2**63), b"\x00\xff", "NUL \x00 here",
        "lone \udc80 surrogate", {"$bytes": "not a tag"}, [1.5, {"a": math.nan}], "", None, True,
    ],
)  # fmt: skip
def test_a_reject_row_holds_any_value_and_gives_it_back(value: Any) -> None:
    stored = json.loads(reject_json({"c": json_safe(value)}) or "")
    back = json_restore(stored["c"])
    if isinstance(value, list):  # NaN is never equal to itself
        assert back[0] == value[0] and math.isnan(back[1]["a"])
    else:
        assert back == value and type(back) is type(value)
        if isinstance(value, float):
            assert math.copysign(1, back) == math.copysign(1, value)


@pytest.mark.parametrize("pure", ["0", "1"])
def test_non_finite_floats_in_a_rejected_row(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, pure: str
) -> None:
    """Infinity in a REAL column and in a JSON document of a row rejected for another reason:
    the row is kept whole, the run finishes verified, and a rerun resumes."""
    path = tmp_path / "floats.db"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, f REAL, doc JSON, u TEXT UNIQUE)"
    )
    db.execute("INSERT INTO t VALUES (1, 'abc', ?, '{\"a\": 1}', 'x')", (math.inf,))
    db.execute("INSERT INTO t VALUES (2, 2, ?, '{\"a\": 2}', 'y')", (-math.inf,))
    db.execute("INSERT INTO t VALUES (3, 'x', -0.0, '{\"a\": Infinity}', 'z')")
    db.execute("INSERT INTO t VALUES (4, 4, 1.5, '[NaN]', 'w')")
    db.commit()
    db.close()
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", pure)
    report = migrate(str(path), pg_url, workdir=tmp_path / "wd")
    assert report.verified and report.status == "rejects" and report.rejected == 3
    rejects = _rejects(pg_url)
    assert [(k, c) for k, c, _, _, _ in rejects] == [
        ("[1]", "n"), ("[3]", "n"), ("[3]", "doc"), ("[4]", "doc")
    ]  # fmt: skip
    rows = {k: json_restore(row) for k, _, _, _, row in rejects}
    assert rows["[1]"] == {"id": 1, "n": "abc", "f": math.inf, "doc": '{"a": 1}', "u": "x"}
    assert "NaN" in rejects[3][3] or "Infinity" in rejects[3][3]
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT f FROM t").fetchall() == [(-math.inf,)]
        keys = conn.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 't'::regclass AND contype <> 'n'"
        )
        assert sorted(r[0] for r in keys) == ["t_pkey", "t_u_key"]
    again = migrate(str(path), pg_url, workdir=tmp_path / "wd")
    assert again.resumed and again.verified and again.rejected == 3
