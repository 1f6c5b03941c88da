"""The C accelerator (csrc/fastcopy.c) sends exactly the bytes the Python path sends, with the
same digest, and hands every value it does not take as plain back to the Python path.

Both paths run here on the same real SQLite files and the same real PostgreSQL; the migrations
of the other SQLite tests run with the accelerator wherever it is built."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from skylift.db import _accel, migrate
from skylift.db.pipeline import open_source
from skylift.db.records import HEADER
from skylift.db.sources import Chunk
from skylift.db.sources.sqlite._binary import Encoder, fast_records
from skylift.db.sources.sqlite._profile import SAMPLE_FROM
from skylift.db.sources.sqlite._read import SlowPath
from skylift.db.sources.sqlite._snapshot import readonly_uri
from skylift.db.values import MASK, digest_lines, digest_records
from skylift.db.verify import _copy_out_started, copy_out

pytestmark = pytest.mark.skipif(
    _accel.fastcopy is None and not os.environ.get("CI"),
    reason="the C accelerator is not built here (no C compiler or no sqlite3.h)",
)

PLAIN = (
    "CREATE TABLE plain (id INTEGER PRIMARY KEY, i INTEGER, f REAL, t TEXT, b BLOB, "
    "bo BOOLEAN, d DATE, ts DATETIME, v VARCHAR(12))"
)


def test_the_accelerator_is_built_where_ci_runs() -> None:
    """.ci/run installs a C compiler's needs; a silent build failure would hide here."""
    assert _accel.fastcopy is not None and _accel.enabled()
    assert _accel.libpq() is not None


def _plain_rows(count: int, odd_times: bool = False) -> list[tuple[Any, ...]]:
    """Rows of every plain kind; `odd_times`: timestamps in forms the profile does not send in
    binary (a big table's sample may miss them, so the accelerator must read them right)."""
    rng = random.Random(7)
    texts = ["", "a", 'q"uote,comma\n', "☕🚀 ünï", "\\N", "x" * 5000, "日本語", "\U0010ffff"]
    dates = ["0001-01-01", "1999-12-31", "2000-01-01", "2024-02-29", "9999-12-31", "1900-03-01"]
    times = [
        "0001-01-01 00:00:00",
        "1969-12-31 23:59:59",
        "2000-01-01 00:00:00",
        "2038-01-19 03:14:08",
        "9999-12-31 23:59:59",
    ]
    if odd_times:
        times += [
            "2024-02-29 12:34:56.5",
            "2024-02-29T12:34:56.123456",
            "2038-01-19 03:14:08.000001",
            "9999-12-31 23:59:59.999999",
            "2025-06-01 10:00:00.12",
        ]
    floats = [0.0, -1 / 3, 5e-324, 1.7976931348623157e308, float("inf"), float("-inf"), 1e16]
    rows = []
    for i in range(1, count + 1):
        null = rng.random() < 0.1
        rows.append(
            (
                i,
                None if null else rng.choice([0, -(2**63), 2**63 - 1, rng.randrange(-1000, 1000)]),
                None if null else rng.choice([*floats, rng.uniform(-1e6, 1e6)]),
                None if null else rng.choice(texts),
                None if null else rng.choice([b"", b"\x00\xff", bytes(range(256))]),
                None if null else rng.randrange(2),
                None if null else rng.choice(dates),
                None if null else rng.choice(times),
                None if null else rng.choice(["", "twelve chars", "☕"]),
            )
        )
    return rows


def _database(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    db = sqlite3.connect(path)
    db.execute(PLAIN)
    db.executemany("INSERT INTO plain VALUES (?,?,?,?,?,?,?,?,?)", rows)
    db.commit()
    db.close()
    return path


def _stream(path: Path, pure: bool, monkeypatch: pytest.MonkeyPatch,
            chunk: Chunk | None = None) -> tuple[bytes, int, int]:  # fmt: skip
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", "1" if pure else "0")
    source = open_source(str(path))
    try:
        table = source.read_schema().table("plain")
        assert source.copy_format(table) == "binary"  # type: ignore[attr-defined]
        reader = source.reader()
        stream = reader.binary_stream(table, chunk or Chunk("plain", 0))
        kind = type(stream).__name__
        assert kind == ("RecordStream" if pure else "_FastStream"), kind
        data, count = b"", 0
        for records, rows in stream:
            data += records
            count += rows
        return data, count, stream.digest()
    finally:
        source.close()


def test_same_bytes_and_digest_as_the_python_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _database(tmp_path / "plain.db", _plain_rows(3000))
    fast = _stream(path, False, monkeypatch)
    pure = _stream(path, True, monkeypatch)
    assert fast[1] == pure[1] == 3000
    assert fast[0] == pure[0]
    assert fast[2] == pure[2]
    part = _stream(path, False, monkeypatch, Chunk("plain", 1, 1000, 2000))
    assert part[1] == 1000 and part[0] in fast[0]


# (column, stray value, whether it reaches the encoder: the plan's SQL checks the shape of
# every date itself and keeps a misshapen one out of the SELECT as a reject; a timestamp in
# another form changes the plan, and the table travels as CSV)
UNUSUAL = [
    ("i", "'abc'", True),
    ("i", "1.5", True),
    ("f", "'x'", True),
    ("bo", "2", True),
    ("bo", "'yes'", True),
    ("t", "CAST(x'ff' AS TEXT)", True),  # invalid UTF-8
    ("t", "CAST(x'eda080' AS TEXT)", True),  # an encoded surrogate
    ("t", "CAST(x'c0af' AS TEXT)", True),  # an overlong form
    ("t", "CAST(x'f4908080' AS TEXT)", True),  # past U+10FFFF
    ("t", "CAST(x'e282' AS TEXT)", True),  # cut short
    ("t", "CAST(x'610062' AS TEXT)", True),  # NUL
    ("t", "x'6869'", True),  # a blob in a text column
    ("b", "'text'", True),
    ("d", "'2025-02-30'", True),
    ("d", "'0000-01-01'", True),
    ("d", "'20250101'", True),
    ("d", "'2025-1-01'", False),
    ("ts", "'2025-01-01 24:00:00'", False),  # the profile counts every 24:00 (the next day)
    ("ts", "1735689600", True),
    ("ts", "'2025-01-01 10:00:00Z'", False),
    ("ts", "'2025-01-01 10:00:00.1234567'", False),
    ("ts", "'2025-01-01 10:00'", False),
    ("ts", "'2025-01-01X10:00:00'", False),
]


def _copied(path: Path, pure: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...] | None:
    """What a chunk's copy sends, as copy.py retries it, with its rejects; and whether the
    accelerator handed the table back to the Python path. None: the table is not binary."""
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", "1" if pure else "0")
    source = open_source(str(path))
    try:
        table = source.read_schema().table("plain")
        if source.copy_format(table) != "binary":  # type: ignore[attr-defined]
            return None
        reader = source.reader()
        handed_back = False
        for _attempt in range(3):
            try:
                stream = reader.binary_stream(table, Chunk("plain", 0))
                data = b"".join(records for records, _rows in stream)
                break
            except SlowPath:
                handed_back = True
        rejects = sorted(
            (r.key, r.column, r.reason) for r in reader.rejects(table, Chunk("plain", 0))
        )
        return data, stream.digest(), rejects, handed_back
    finally:
        source.close()


@pytest.mark.parametrize(("column", "value", "reaches"), UNUSUAL)
def test_a_value_that_is_not_plain_goes_back_to_the_python_path(tmp_path: Path, column: str,
        value: str, reaches: bool, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A stray value a big table's sample missed (rowid 25 is not sampled): the accelerator
    hands the table back, and what is sent and rejected is what the Python path sends."""
    path = _database(tmp_path / "plain.db", _plain_rows(SAMPLE_FROM + 1000))
    db = sqlite3.connect(path)
    db.execute(f"UPDATE plain SET {column} = {value} WHERE id = 25")
    db.commit()
    db.close()
    fast = _copied(path, False, monkeypatch)
    pure = _copied(path, True, monkeypatch)
    if fast is None or pure is None:
        assert not reaches and fast is pure is None
        return
    assert fast[3] == reaches
    assert fast[:3] == pure[:3]
    # NUL is refused by PostgreSQL itself (then kept); a blob of UTF-8 in a text column is text
    # 24:00 is the next day's midnight: it lands
    kept = value not in ("CAST(x'610062' AS TEXT)", "x'6869'", "'2025-01-01 24:00:00'")
    assert [key for key, _col, _why in fast[2]] == (["[25]"] if kept else [])


def test_odd_timestamps_the_sample_missed_read_as_python_reads_them(tmp_path: Path) -> None:
    """The encoder itself, on the plan's SELECT, against the Python encoder on the same rows."""
    path = _database(tmp_path / "plain.db", _plain_rows(3000, odd_times=True))
    source = open_source(str(path))
    try:
        table = source.read_schema().table("plain")
    finally:
        source.close()
    assert [c.kind for c in table.columns][6:8] == ["date", "timestamptz"]
    sql = "SELECT id, i, f, t, b, bo, d, ts || '+00', v FROM plain ORDER BY rowid"
    kinds = "iiftxbdzt"
    fast = fast_records(readonly_uri(path), sql, [], table, kinds)
    fast_data = b"".join(records for records, _rows in fast)
    naive = fast_records(readonly_uri(path), sql.replace(" || '+00'", ""), [], table, "iiftxbdZt")
    assert b"".join(records for records, _rows in naive) == fast_data
    encoder = Encoder(table, str)
    total = 0
    pure_data = b""
    cur = sqlite3.connect(path).execute(sql)
    while batch := cur.fetchmany(1000):
        records, failed = encoder.encode(batch)
        assert not failed
        total += digest_records(records)
        pure_data += b"".join(records)
    assert fast_data == pure_data
    assert fast.digest() == total & MASK


def test_random_bytes_as_text_match_pythons_utf8_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text the accelerator takes is exactly text Python decodes (and without NUL)."""
    rng = random.Random(11)
    path = _database(tmp_path / "plain.db", [])
    db = sqlite3.connect(path)
    samples = []
    for _ in range(400):
        raw = bytes(rng.choice([rng.randrange(256), rng.randrange(0x80, 0x100)]) for _ in range(4))
        samples.append(raw)
    for raw in samples:
        db.execute("DELETE FROM plain")
        db.execute("INSERT INTO plain (id, t) VALUES (1, CAST(? AS TEXT))", (raw,))
        db.commit()
        try:
            ok = "\x00" not in raw.decode("utf-8")
        except UnicodeDecodeError:
            ok = False
        monkeypatch.setenv("SKYLIFT_PURE_PYTHON", "0")
        source = open_source(str(path))
        try:
            table = source.read_schema().table("plain")
            reader = source.reader()
            try:
                data = b"".join(r for r, _ in reader.binary_stream(table, Chunk("plain", 0)))
                took = True
            except SlowPath:
                took = False
        finally:
            source.close()
        assert took == ok, raw
        if took:
            assert raw in data


def _migrated(path: Path, name: str, pure: str, pg_admin_url: str,
              monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:  # fmt: skip
    """Migrate `path` into a fresh database `name`, with the accelerator or without it."""
    monkeypatch.setenv("SKYLIFT_PURE_PYTHON", pure)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    url = pg_admin_url.rsplit("/", 1)[0] + "/" + name
    return url, migrate(str(path), url, workdir=path.parent / f"wd_{name}")


def test_migrations_with_and_without_the_accelerator_store_the_same(
    tmp_path: Path, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _database(tmp_path / "plain.db", _plain_rows(2000))
    stored = []
    for pure in ("0", "1"):
        url, report = _migrated(path, f"fastcopy_{pure}", pure, pg_admin_url, monkeypatch)
        assert report.status == "ok" and report.verified, report.as_dict()
        with psycopg.connect(url) as conn:
            stored.append(conn.execute("SELECT * FROM plain ORDER BY id").fetchall())
    assert stored[0] == stored[1] and len(stored[0]) == 2000


def test_copy_out_digest_matches_the_python_reader(tmp_path: Path, pg_url: str) -> None:
    path = _database(tmp_path / "plain.db", _plain_rows(5000))
    assert migrate(str(path), pg_url, workdir=tmp_path / "wd").status == "ok"
    sql = "COPY (SELECT * FROM plain ORDER BY id) TO STDOUT (FORMAT binary)"
    with psycopg.connect(pg_url) as conn:
        total = count = 0
        for i, messages in enumerate(copy_out(conn, sql)):
            if i == 0:
                messages[0] = bytes(messages[0])[len(HEADER) :]
            rows = [bytes(m) for m in messages if bytes(m) != b"\xff\xff" and len(m)]
            count += len(rows)
            total += digest_records(rows)
        assert _fast_digest(conn, sql, lines=False) == (count, total & MASK) and count == 5000
        # a COPY that fails reports PostgreSQL's error, and the connection stays usable
        with (
            pytest.raises(psycopg.DataError, match="division by zero"),
        ):
            _fast_digest(
                conn,
                "COPY (SELECT 1 / (id - 4000) FROM plain ORDER BY id) TO STDOUT (FORMAT binary)",
                lines=False,
            )
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_csv_copy_out_digest_matches_digest_lines(pg_url: str) -> None:
    """CSV rows (JSON, decimals, a newline inside a quoted value, NULL) digested from libpq
    as values.digest_lines digests them."""

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE docs (id int, doc jsonb, amount numeric(10,2), note text)")
        conn.execute(
            "INSERT INTO docs SELECT i, jsonb_build_object('n', i, 'tags', jsonb_build_array('a')), "
            "i / 7.0, CASE WHEN i % 3 = 0 THEN E'two\\nlines, \"quoted\"' END "
            "FROM generate_series(1, 3000) i"
        )
        sql = (
            "COPY (SELECT * FROM docs) TO STDOUT (FORMAT csv, NULL '\\N', FORCE_QUOTE (doc, note))"
        )
        total = count = 0
        for messages in copy_out(conn, sql):
            total += digest_lines(b"".join(bytes(m) for m in messages)[:-1])
            count += len(messages)
        assert _fast_digest(conn, sql, lines=True) == (count, total & MASK) and count == 3000


def _fast_digest(conn: psycopg.Connection[Any], sql: str, lines: bool) -> tuple[int, int]:
    """(rows, digest) of a COPY OUT read by the accelerator's CopyDigest, in small reads."""
    functions = _accel.libpq()
    assert functions is not None
    fast = _accel.fastcopy.CopyDigest(lines=lines)
    count = 0
    with _copy_out_started(conn, sql) as out:
        while not out.done:
            rows, out.done = fast.read(out.pg.pgconn_ptr, *functions, 500)
            count += rows
    return count, fast.digest()


def _money_rows(count: int, odd: bool) -> list[tuple[Any, ...]]:
    """Rows of numeric(10,2) and JSON values; `odd`: also JSON the accelerator leaves to the
    Python path (not JSON, a real stored as JSON, a NUL)."""
    rng = random.Random(5)
    amounts: list[Any] = [0, -7, 12345678, 2.5, 0.1, 1234.56, -0.01, 0.0, -0.0, 99999999.99,
                          "12.34", "-0.5", "7", 3, 0.25]  # fmt: skip
    docs: list[Any] = ['{"b": 1, "a": [1.50, 1e2, "\\u00e9"]}', "[]", '"x"', 5, "-0.0",
                       '{"a": {"b": [true, null]}, "a": 2}', '{"é": 1, "ab": 2}']  # fmt: skip
    if odd:
        docs += ["{bad", 1.5, '"\\u0000"', "1e400"]
    return [
        (i, None if rng.random() < 0.1 else rng.choice(amounts),
         None if rng.random() < 0.1 else rng.choice(docs))
        for i in range(1, count + 1)
    ]  # fmt: skip


def _money(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE money (id INTEGER PRIMARY KEY, amount NUMERIC(10,2), doc JSON)")
    db.executemany("INSERT INTO money VALUES (?,?,?)", rows)
    db.commit()
    db.close()
    return path


def test_numbers_and_json_encode_as_the_python_path(tmp_path: Path) -> None:
    """numeric(p,s) and JSON printed as jsonb: the accelerator sends the Python path's bytes."""
    path = _money(tmp_path / "money.db", _money_rows(3000, odd=False))
    source = open_source(str(path))
    try:
        table = source.read_schema().table("money")
        assert [c.pg_type for c in table.columns] == ["bigint", "numeric(10,2)", "jsonb"]
        assert source.copy_format(table) == "binary"  # type: ignore[attr-defined]
        reader = source.reader()
        fast = reader.binary_stream(table, Chunk("money", 0))
        assert type(fast).__name__ == "_FastStream"
        fast_data = b"".join(records for records, _rows in fast)
        pure = [
            r for records, _rows in reader.binary_batches(table, Chunk("money", 0)) for r in records
        ]
        assert not list(reader.rejects(table, Chunk("money", 0)))
    finally:
        source.close()
    assert fast_data == b"".join(pure)
    assert fast.digest() == digest_records(pure) & MASK


def test_numbers_and_json_land_as_the_csv_path_lands_them(
    tmp_path: Path, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the accelerator the table travels in binary, without it as CSV: the same values
    land, and the same rows are kept as rejects."""
    rows = _money_rows(2000, odd=True)
    path = _money(tmp_path / "money.db", rows)
    refused = {"{bad", '"\\u0000"', "1e400"}  # not JSON, NUL, infinity (SQLite made it a real)
    landed = []
    for pure in ("0", "1"):
        url, report = _migrated(path, f"money_{pure}", pure, pg_admin_url, monkeypatch)
        assert report.verified, report.as_dict()
        source = open_source(str(path))
        table = source.read_schema().table("money")
        assert source.copy_format(table) == ("csv" if pure == "1" else "binary")  # type: ignore[attr-defined]
        source.close()
        with psycopg.connect(url) as conn:
            stored = conn.execute("SELECT id, amount::text, doc::text FROM money ORDER BY id")
            landed.append((stored.fetchall(), sorted(r["example_key"] for r in report.rejects)))
    assert landed[0] == landed[1]
    assert [r[0] for r in landed[0][0]] == [r[0] for r in rows if r[2] not in refused]


def test_a_reader_waits_for_the_apps_commit_in_rollback_journal_mode(tmp_path: Path) -> None:
    """A live app's file in rollback-journal mode (journal_mode=delete): while the app's write
    commits, the C reader waits like every connection instead of failing with "database is
    locked" (the app is another process, as in production)."""
    import subprocess
    import sys
    import time

    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        conn.execute("INSERT INTO t (v) VALUES ('a'), ('b')")
    app = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE'); c.execute(\"INSERT INTO t (v) VALUES ('c')\")\n"
        "print('locked', flush=True); time.sleep(0.6); c.execute('COMMIT')\n")],
        stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert app.stdout and app.stdout.readline().strip() == "locked"
    assert _accel.fastcopy is not None
    started = time.monotonic()
    records = _accel.fastcopy.Records(readonly_uri(path), "SELECT id, v FROM t", (), "it")
    assert time.monotonic() - started >= 0.3 and records is not None  # it waited for the commit
    assert app.wait(10) == 0
