"""The hostile MySQL corpus (tests/db/hostile/mysql_corpus.py) through a real MariaDB into a
real PostgreSQL, with and without the accelerator: every row lands as expected, or its bad
values are in skylift.rejects with true reasons; nothing else is in the target."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import psycopg
import pytest

from skylift.db import migrate
from skylift.db.translate import quote, shorten

from ..hostile.documented import undocumented
from ..hostile.mysql_corpus import EXPECTED, SCRIPT
from .conftest import run_mysql

pytestmark = pytest.mark.mysql


def _typed(row: tuple[Any, ...]) -> str:
    return repr(tuple((type(v).__name__, v) for v in row))


def _problems(conn: psycopg.Connection[Any], table: str, cases: list[tuple[Any, Any]]) -> list[str]:
    columns = [r[0] for r in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
        " AND NOT attisdropped ORDER BY attnum", (quote(shorten(table)),))]  # fmt: skip
    select = ", ".join(f"{quote(c)}::text" if c in ("size",) else quote(c) for c in columns)
    target = conn.execute(f"SELECT {select} FROM {quote(shorten(table))}").fetchall()
    rejects: dict[str, dict[str, str]] = {}
    for key, column, reason in conn.execute(
        "SELECT row_key, column_name, reason FROM skylift.rejects WHERE table_name = %s", (table,)
    ):
        rejects.setdefault(key, {})[column] = reason
    problems, landed = [], []
    for key, expected in cases:
        got = rejects.pop(json.dumps([key]), {}) if key is not None else {}
        if isinstance(expected, dict):
            if set(got) != set(expected):
                problems.append(f"{table} {key}: rejects {got}, expected {expected}")
            problems += [f"{table} {key}.{c}: {got[c]!r} !~ {p!r}" for c, p in expected.items()
                         if c in got and not re.search(p, got[c])]  # fmt: skip
        else:
            landed.append(expected)
            if got:
                problems.append(f"{table} {key}: rejected {got}")
    problems += [f"{table}: unexpected rejects {v}" for v in rejects.values()]
    if Counter(map(_typed, target)) != Counter(map(_typed, landed)):
        problems.append(f"{table}: target holds {sorted(target, key=repr)}, expected {landed}")
    return problems


@pytest.mark.parametrize("pure", ["0", "1"])
def test_every_hostile_mysql_value_lands_exactly_or_is_kept_with_a_true_reason(
    mysql_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch, pure: str
) -> None:
    run_mysql(mysql_url, SCRIPT)
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", pure)
    report = migrate(mysql_url, pg_url, jobs=2)
    assert [v for v in report.verification if not v["ok"]] == []
    with psycopg.connect(pg_url) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        problems = [p for table, cases in EXPECTED.items() for p in _problems(conn, table, cases)]
    assert problems == [], "\n".join(problems)
    assert undocumented(report.notes) == []  # docs/db.md says what each change is and why
    assert report.rejected == sum(
        isinstance(e, dict) for cases in EXPECTED.values() for _, e in cases
    )
