"""The hostile corpus (corpus.py) migrated into a real PostgreSQL with and without the
accelerator: every source row has landed exactly as its case says, or is in skylift.rejects —
once per bad value, each with a reason matching the case, the whole row kept exactly as SQLite
stores it, found by its key or rowid. Nothing else is in the target."""

from __future__ import annotations

import contextlib
import json
import math
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest

from skylift.db import migrate
from skylift.db.records import json_restore
from skylift.db.translate import quote, shorten

from .corpus import TABLES, Hostile, build, types
from .documented import undocumented

pytestmark = pytest.mark.usefixtures("pg_admin_url")


def _stored(path: Path, table: Hostile) -> list[tuple[int, tuple[Any, ...]]]:
    """(rowid, values) as SQLite stores them: text as str when it is UTF-8, else bytes."""
    db = sqlite3.connect(path)
    db.text_factory = bytes
    cols = ", ".join(f'"{c.replace(chr(34), chr(34) * 2)}", typeof("{c.replace(chr(34), chr(34) * 2)}")'
                     for c in table.columns)  # fmt: skip
    rowid = "NULL" if "WITHOUT ROWID" in table.ddl else "_rowid_"
    name = '"' + table.name.replace('"', '""') + '"'
    rows = db.execute(f"SELECT {rowid}, {cols} FROM {name} ORDER BY {rowid}").fetchall()
    db.close()
    out = []
    for rowid_value, *flat in rows:
        values = []
        for value, storage in zip(flat[::2], flat[1::2], strict=True):
            if storage == b"text":
                with contextlib.suppress(UnicodeDecodeError):
                    value = value.decode("utf-8")
            values.append(value)
        out.append((rowid_value, tuple(values)))
    return out


def _same(got: Any, want: Any) -> bool:
    """Equal and of the same type (1 is not 1.0, b'x' is not 'x'); NaN is NaN."""
    if type(got) is not type(want):
        return False
    if isinstance(want, float):
        return got == want or (math.isnan(got) and math.isnan(want))
    return bool(got == want)


def _check_table(conn: psycopg.Connection[Any], path: Path, table: Hostile) -> list[str]:
    problems: list[str] = []
    cols = ", ".join(quote(shorten(c)) for c in table.columns)
    target = conn.execute(f"SELECT {cols} FROM {quote(shorten(table.name))}").fetchall()
    rejects: dict[str, list[tuple[str, str, Any]]] = {}
    for key, column, reason, row in conn.execute(
        "SELECT row_key, column_name, reason, row_data FROM skylift.rejects WHERE table_name = %s",
        (table.name,),
    ):
        rejects.setdefault(key, []).append((column, reason, row))
    stored = _stored(path, table)
    landed_expected = []
    for case, (rowid, source) in zip(table.cases, stored, strict=True):
        lands = case.lands if case.lands is not None else case.values
        if table.key is None:
            key = json.dumps({"rowid": rowid})
        else:
            key = json.dumps([source[table.columns.index(table.key)]], ensure_ascii=False)
        found = rejects.pop(key, [])
        if not case.rejected:
            if found:
                problems.append(f"{table.name} {key}: rejected {found}, should land as {lands}")
            landed_expected.append(lands)
            continue
        got = {column: reason for column, reason, _ in found}
        if set(got) != set(case.rejected):
            problems.append(f"{table.name} {key}: rejects {got}, expected {case.rejected}")
        for column, pattern in case.rejected.items():
            if column in got and not re.search(pattern, got[column]):
                problems.append(
                    f"{table.name} {key}.{column}: reason {got[column]!r} !~ {pattern!r}"
                )
        for _, _, row in found:
            kept = json_restore(row)
            want = dict(zip(table.columns, source, strict=True))
            if not all(_same(kept.get(c), v) for c, v in want.items()):
                problems.append(f"{table.name} {key}: row kept as {kept}, SQLite holds {want}")
    problems += [f"{table.name}: unexpected rejects {v}" for v in rejects.values()]
    if Counter(map(_hashable, target)) != Counter(map(_hashable, landed_expected)):
        problems.append(f"{table.name}: target holds {sorted(target, key=repr)},"
                        f" expected {sorted(landed_expected, key=repr)}")  # fmt: skip
    return problems


def _hashable(row: tuple[Any, ...]) -> str:
    """A row's values with their types (so 1 and 1.0, True and 1 differ)."""
    return repr(tuple((type(v).__name__, json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v)
                      for v in row))  # fmt: skip


@pytest.mark.parametrize("pure", ["0", "1"])
def test_every_hostile_value_lands_exactly_or_is_kept_with_a_true_reason(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, pure: str
) -> None:
    path = build(tmp_path / "hostile.db")
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", pure)
    report = migrate(str(path), pg_url, types=types(), workdir=tmp_path / "wd")
    assert report.verified, [v for v in report.verification if not v["ok"]]
    assert report.rejected == sum(1 for t in TABLES for c in t.cases if c.rejected)
    with psycopg.connect(pg_url) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        problems = [p for table in TABLES for p in _check_table(conn, path, table)]
    assert problems == [], "\n".join(problems)
    notes = " | ".join(f"{n['object']}: {n['message']}" for n in report.notes)
    assert "dupkey UNIQUE (code): not created" in notes  # 1 and '1' became one key
    assert "COLLATE NOCASE" in notes and "created as" in notes  # the long names' mapping
    assert 'created as "nameless_nameless_pkey"' in notes  # the name PostgreSQL's key took
    assert 'column without a name: created as "unnamed_' in notes
    with psycopg.connect(pg_url) as conn:
        indexes = conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'nameless'")
        assert sorted(r[0] for r in indexes) == ["ix_ab", "nameless_nameless_pkey", "nameless_pkey"]
        keys = conn.execute("SELECT contype, conname FROM pg_constraint WHERE contype IN"
                            " ('p', 'u') AND conrelid = 'keyed'::regclass ORDER BY 1")  # fmt: skip
        found = keys.fetchall()  # the primary key's usual name is a table's: hashed
        assert [c for c, _ in found] == ["p", "u"] and found[0][1].startswith("keyed_")
        assert found[0][1] != "keyed_pkey" and found[1][1] == "keyed_v_key"
    assert "key name taken in PostgreSQL by a table" in notes
    # julianday's 2460000.5 is a reject, not one of the epochs counted
    assert "dates.ts: 2 epoch numbers (seconds or milliseconds) stored as instants" in notes
    assert undocumented(report.notes) == []  # docs/db.md says what each change is and why
    again = migrate(str(path), pg_url, types=types(), workdir=tmp_path / "wd")
    assert again.resumed and again.verified
