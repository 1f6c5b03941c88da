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


@pytest.mark.parametrize("pure", ["0", "1"])
def test_dates_are_rejected_with_true_reasons(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, pure: str
) -> None:
    path = tmp_path / "dates.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE d (id INTEGER PRIMARY KEY, day DATE, at DATETIME)")
    db.executemany("INSERT INTO d VALUES (?,?,?)", [
        (1, "2024-02-29", "2024-02-29 10:00:00"),
        (2, "2024-13-01", "2024-01-01 10:00:00"),
        (3, "tomorrow", "2024-01-01 10:00:00"),
        (4, "01/02/2024", "2024-01-01 10:00:00"),
        (5, "13/02/2024", "2024-01-01 10:00:00"),
        (6, "0000-00-00", "2024-01-01 10:00:00"),
        (7, "2024-01-01", "soon"),
        (8, "2023-02-29", "2024-01-01 25:61:00"),
    ])  # fmt: skip
    db.commit()
    db.close()
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", pure)
    report = migrate(str(path), pg_url, workdir=tmp_path / "wd")
    assert report.verified and report.rejected == 7
    reasons = {(k, c): why for k, c, _, why, _ in _rejects(pg_url)}
    assert reasons[("[2]", "day")] == "impossible date: no month 13"
    assert reasons[("[3]", "day")] == "not a date: text without digits"
    assert reasons[("[4]", "day")].startswith("ambiguous date")
    assert (
        reasons[("[5]", "day")] == "date in day/month/year or month/day/year order (not ISO-8601)"
    )
    assert reasons[("[6]", "day")] == "zero date (0000-00-00 is no date)"
    assert reasons[("[7]", "at")] == "not a date: text without digits"
    assert "ambiguous" not in reasons[("[8]", "day")] and "29" in reasons[("[8]", "day")]
    assert reasons[("[8]", "at")] == "impossible time of day"  # both bad values of row 8


@pytest.mark.parametrize("pure", ["0", "1"])
def test_one_blob_among_integers_is_the_outlier(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, pure: str
) -> None:
    """A column without a type: 200 integers and one blob is an integer column with one
    rejected blob, not a bytea column refusing 200 integers."""
    path = tmp_path / "mixed.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE m (n, t)")  # no key: rejects name their rowid
    db.executemany("INSERT INTO m VALUES (?, ?)", [(i, f"v{i}") for i in range(200)])
    db.execute("INSERT INTO m VALUES (?, 'blob')", (b"\x00\x01",))
    db.commit()
    db.close()
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", pure)
    report = migrate(str(path), pg_url, workdir=tmp_path / "wd")
    assert report.verified and report.rejected == 1
    assert [c["type"] for c in report.tables[0]["columns"]] == ["bigint", "text"]
    ((key, column, _raw, reason, row),) = _rejects(pg_url)
    assert (key, column, reason) == ('{"rowid": 201}', "n", "binary value in an integer column")
    assert json_restore(row) == {"n": b"\x00\x01", "t": "blob"}
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT sum(n), count(*) FROM m").fetchone() == (19900, 200)


def test_nocase_unique_is_reported_with_the_ways_to_keep_it(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "nocase.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE,"
               " nick TEXT COLLATE NOCASE)")  # fmt: skip
    db.execute("INSERT INTO u VALUES (1, 'Ada@x', 'Ada')")
    db.commit()
    db.close()
    report = migrate(str(path), pg_url, workdir=tmp_path / "wd")
    notes = {n["object"]: n for n in report.notes}
    assert notes["u.email"]["severity"] == "warning"
    assert "--type u.email=citext" in notes["u.email"]["message"]
    assert "lower(email)" in notes["u.email"]["message"]
    assert "COLLATE NOCASE" in notes["u.nick"]["message"]
    again = migrate(str(path), pg_url, types={"u.email": "citext"}, restart=True,
                    workdir=tmp_path / "wd")  # fmt: skip
    assert again.verified
    with (
        psycopg.connect(pg_url, autocommit=True) as conn,
        pytest.raises(psycopg.errors.UniqueViolation),
    ):
        conn.execute("INSERT INTO u (email) VALUES ('ADA@X')")
