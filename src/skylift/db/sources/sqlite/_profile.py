"""Profile the values of a SQLite table and settle each column's PostgreSQL type.

The rule: the declared type wins (the app and its ORM expect it). Values are then handled in
one of three ways, each counted in a Note:
- widened, when that is harmless: VARCHAR(n) holding longer text -> text, NUMERIC(p,s) holding
  more digits -> numeric, integers beyond 2^53 in a REAL column -> numeric;
- converted, when the value has one clear meaning: '' in a non-text column -> NULL, epoch
  seconds or milliseconds in a date/time column -> that instant, 3.0 in an INTEGER column -> 3;
- rejected, otherwise (text in an INTEGER column, a date that is not ISO-8601, invalid UTF-8,
  NUL bytes): the row goes to skylift.rejects with the reason; `--type table.column=TYPE`
  changes the type.

Profiling is one aggregate pass per table that counts, per column, the values that are not of
the expected storage class; only columns with surprises get a second, detailed look. Each
decision becomes a `Plan` in `col.extra["plan"]`: the SQL that reads the column (its result is
both the value sent to PostgreSQL and its canonical form for verification), the SQL predicates
that mark bad values, and a Python conversion where SQL cannot do it exactly.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from skylift.db.overrides import kind_of
from skylift.db.schema import Column, Schema, Table
from skylift.db.sources.sqlite import _defaults as defaults
from skylift.db.sources.sqlite._types import map_type

MAX_EXACT_FLOAT_INT = 2**53
EPOCH_RANGE = (1e8, 1e14)  # seconds from 1973, up to milliseconds of year 5138
EXPECTED = {  # kind -> the storage class a well-behaved value has
    "int": "integer", "bool": "integer", "float": "real", "text": "text", "json": "text",
    "date": "text", "timestamptz": "text", "bytes": "blob", "text_repr": "text",
}  # fmt: skip


@dataclass
class Plan:
    """How one column is read: `select` and `bad` use `c` for the quoted column name."""

    select: str = "c"
    bad: list[tuple[str, str]] = field(default_factory=list)  # (predicate, reason)
    convert: str | None = None  # name of a Python converter in _read.CONVERTERS


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sub(sql: str, column: str) -> str:
    """Put the quoted column name where a plan's SQL says `c`."""
    return re.sub(r"\bc\b", column, sql)


Wanted = dict[str, dict[str, str]]  # column -> {key: aggregate SQL using `c`}
SPLIT_ROWS = 200_000  # tables larger than this are profiled in parallel rowid ranges
# Storage classes of big tables are sampled: a value the sample misses is refused by PostgreSQL
# (with its reason), never changed silently. What PostgreSQL would change silently (a time of
# day in a DATE column, digits beyond a NUMERIC's scale, ...) is always checked on every row.
SAMPLE_FROM = 20_000
NOT_ISO = "not an ISO-8601 date or time"  # made exact per value by _dates.date_reason
SAMPLE_EVERY = 64


def _aggregate_sql(table: Table, wanted: Wanted) -> tuple[str, list[tuple[str, str]]]:
    parts, keys = [], []
    for column, aggs in wanted.items():
        for key, expr in aggs.items():
            keys.append((column, key))
            parts.append(sub(expr, q(column)))
    return f"SELECT {', '.join(parts)} FROM {q(table.name)}", keys


def rowid_bounds(conn: sqlite3.Connection, table: str, rowid: str = "rowid") -> tuple[int, int]:
    """Two queries: SQLite answers min() or max() alone from the b-tree, both at once by a scan."""
    lo = conn.execute(f"SELECT min({rowid}) FROM {q(table)}").fetchone()[0]
    hi = conn.execute(f"SELECT max({rowid}) FROM {q(table)}").fetchone()[0]
    return lo, hi


def _ranges(conn: sqlite3.Connection, table: Table, parts: int) -> list[str]:
    if parts < 2 or not table.has_rowid or table.row_estimate < SPLIT_ROWS:
        return [""]
    lo, hi = rowid_bounds(conn, table.name, table.rowid)
    step, r = (hi - lo) // parts + 1, table.rowid
    return [f" WHERE {r} >= {lo + i * step} AND {r} < {lo + (i + 1) * step}" for i in range(parts)]


def _sample_where(conn: sqlite3.Connection, table: Table) -> str:
    """About one row in SAMPLE_EVERY, read by rowid lookups spread over the whole table (a
    filter on rowid would read every page)."""
    lo, hi = rowid_bounds(conn, table.name, table.rowid)
    step = max(1, (hi - lo + 1) * SAMPLE_EVERY // max(table.row_estimate, 1))
    probes = (
        f"WITH RECURSIVE p(r) AS (SELECT {lo} UNION ALL SELECT r + {step} FROM p "
        f"WHERE r + {step} <= {hi}) SELECT r FROM p"
    )
    return f" WHERE {table.rowid} IN ({probes})"


def aggregate_all(
    connect: Callable[[], sqlite3.Connection],
    requests: list[tuple[Table, Wanted, bool]],
    jobs: int,
) -> list[dict[str, dict[str, int]]]:
    """Run every request's aggregate query (table, aggregates, sampled?), big tables split by
    rowid across `jobs` threads (sqlite3 releases the GIL while a query runs, so threads use
    every core)."""
    local = threading.local()
    opened: list[sqlite3.Connection] = []

    def run(sql: str) -> tuple[Any, ...]:
        if not hasattr(local, "conn"):
            local.conn = connect()
            opened.append(local.conn)
        return tuple(local.conn.execute(sql).fetchone())

    main = connect()
    plans, scans = [], []
    for table, wanted, sample in requests:
        sql, keys = _aggregate_sql(table, wanted)
        rows = table.row_estimate
        if sample and table.has_rowid and rows > SAMPLE_FROM:
            # one row in SAMPLE_EVERY, each a b-tree lookup: about 8 times a scanned row
            wheres, rows = [_sample_where(main, table)], rows * 8 // SAMPLE_EVERY
        else:
            wheres = _ranges(main, table, jobs)
        plans.append((keys, [sql + where for where in wheres] if keys else []))
        scans += [
            (rows // len(wheres) * len(keys), len(plans) - 1, part) for part in range(len(wheres))
        ]
    main.close()
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        # the dearest scans first: the threads end together, not one on a late big scan alone
        started = {
            (i, part): pool.submit(run, plans[i][1][part])
            for _cost, i, part in sorted(scans, key=lambda scan: -scan[0])
            if plans[i][1]
        }
        futures = [
            [started[i, part] for part in range(len(sqls))] for i, (_, sqls) in enumerate(plans)
        ]
        try:
            return [_merged(keys, parts) for (keys, _), parts in zip(plans, futures, strict=True)]
        except BaseException:
            # Ctrl-C, SIGTERM, a failed query: the pool would wait for every running scan
            for fut in (f for parts in futures for f in parts):
                fut.cancel()
            for conn in list(opened):
                conn.interrupt()
            raise


def _merged(keys: list[tuple[str, str]], parts: list[Any]) -> dict[str, dict[str, int]]:
    merged: dict[str, dict[str, int]] = {}
    for fut in parts:
        for (column, key), value in zip(keys, fut.result(), strict=True):
            old = merged.setdefault(column, {}).get(key, 0)
            value = int(value or 0)
            merged[column][key] = max(old, value) if key == "maxlen" else old + value
    return merged


# an ISO-shaped date that is none (month 13, 30 February: julianday() takes those); date()
# only where the day is past 28. Sampled: PostgreSQL refuses a stray the sample missed
IMPOSSIBLE = (
    "typeof(c) = 'text' AND c GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' AND"
    " (substr(c, 6, 2) NOT BETWEEN '01' AND '12' OR substr(c, 9, 2) > '28'"
    " AND (substr(c, 9, 2) > '31' OR date(substr(c, 1, 10), '+0 days') IS NOT substr(c, 1, 10)))"
)
ROWS = "\x00rows"  # a table's own counts in the stats (no column has this name)
# The plain forms, as GLOBs any of which a value may match; anything else gets a closer look.
# An hour of 24 is not plain: 24:00:00 is the next day's midnight (PostgreSQL reads it so).
SHAPE = {
    "date": ("????-??-??",),
    "timestamptz": ("????-??-?? [01]?:??:??", "????-??-?? 2[0-3]:??:??"),
}


def _sampled_aggregates(col: Column) -> dict[str, str]:
    """Counts a sample may give: values of an unexpected storage class."""
    aggs: dict[str, str] = {}
    if col.kind in EXPECTED:
        aggs["unexpected"] = f"sum(typeof(c) NOT IN ('{EXPECTED[col.kind]}', 'null'))"
    if col.kind == "bool":
        aggs["notbit"] = "sum(typeof(c)='integer' AND c NOT IN (0, 1))"
    if col.kind == "json":
        aggs["invalid"] = "sum(typeof(c)='text' AND c <> '' AND json_valid(c) = 0)"
    if col.kind in SHAPE:  # PostgreSQL refuses these (not silently): a sample will do
        aggs["impossible"] = f"sum({IMPOSSIBLE})"
    return aggs


def _full_aggregates(col: Column) -> dict[str, str]:
    """Counts that must cover every row: what PostgreSQL would take and change silently."""
    aggs: dict[str, str] = {}
    if col.kind in SHAPE:
        # CASE tries the GLOBs first and stops at the first match (most rows): a third of the
        # CPU of `typeof(c) = 'text' AND c NOT GLOB ...`, which evaluates every operand
        plain = " OR ".join(f"c GLOB '{shape}'" for shape in SHAPE[col.kind])
        aggs["notsimple"] = f"sum(CASE WHEN {plain} THEN 0 ELSE typeof(c) = 'text' END)"
    if col.pg_type.startswith("varchar("):
        aggs["maxlen"] = "max(CASE WHEN typeof(c)='text' THEN length(c) END)"
    return aggs


def _surprising(col: Column, st: dict[str, int]) -> bool:
    if col.kind not in EXPECTED:  # numeric and untyped columns: always a closer look
        return True
    return bool(
        st.get("unexpected") or st.get("notsimple") or st.get("invalid") or st.get("impossible")
    )


DETAIL = {
    "n": "count(c)",
    "iso": "sum(typeof(c)='text' AND julianday(c) IS NOT NULL)",
    "maxlen": "max(CASE WHEN typeof(c)='text' THEN length(c) END)",
    "int": "sum(typeof(c)='integer')",
    "real": "sum(typeof(c)='real')",
    "text": "sum(typeof(c)='text')",
    "blob": "sum(typeof(c)='blob')",
    "empty": "sum(c = '')",
    # never abs(c): SQLite's abs(-2^63) fails the whole query with "integer overflow"
    "bigint": f"sum(typeof(c) IN ('integer','real') AND (c > {MAX_EXACT_FLOAT_INT} OR c < -{MAX_EXACT_FLOAT_INT}))",
    "fraction": "sum(typeof(c)='real' AND c <> CAST(c AS INTEGER))",
    # numbers a date column takes as epochs (the others are rejects, not instants)
    "epoch": f"sum(typeof(c) IN ('integer','real') AND (c >= {EPOCH_RANGE[0]} AND c < {EPOCH_RANGE[1]}"
    f" OR c <= -{EPOCH_RANGE[0]} AND c > -{EPOCH_RANGE[1]}))",
}


def profile_tables(
    connect: Callable[[], sqlite3.Connection],
    tables: list[Table],
    schema: Schema,
    jobs: int,
) -> None:
    """Settle the type and read plan of every column of every table. A --type is the
    PostgreSQL type given, exactly (never SQLite's affinity of its name)."""
    for table in tables:
        for col in table.columns:
            override = col.extra.get("override")
            if override:
                col.pg_type, col.kind = override, kind_of(override)
                schema.note(f"{table.name}.{col.name}", f"type set by --type to {col.pg_type}")
            else:
                col.pg_type, col.kind = map_type(col.source_type)
                _char_note(schema, table, col)
    present = [t for t in tables if t.row_estimate]
    stats: dict[str, dict[str, dict[str, int]]] = {
        t.name: {name: {} for name in [*(c.name for c in t.columns), ROWS]} for t in tables
    }
    # in one pool: the sampled and the full counts, and the closer look that numeric and
    # untyped columns always get; then a closer look where the counts surprise
    requests = [
        (t, {c.name: aggregates(c) for c in t.columns if aggregates(c)} | extra, sample)
        for aggregates, sample, extra in (
            (_sampled_aggregates, True, {}),
            (_full_aggregates, False, {ROWS: {"rows": "count(*)"}}),  # exact counts, same pass
            (_first_look, False, {}),
        )
        for t in present
    ]
    _merge(stats, requests, aggregate_all(connect, requests, jobs))
    for table in present:
        table.row_estimate = stats[table.name].pop(ROWS)["rows"]
    later = [
        (t, {c.name: DETAIL for c in t.columns if _second_look(t, c, stats[t.name][c.name])}, False)
        for t in tables
    ]
    detail = [request for request in later if request[1]]
    _merge(stats, detail, aggregate_all(connect, detail, jobs))
    conn = connect()
    try:
        for table in tables:
            _settle(conn, table, stats[table.name], schema)
    finally:
        conn.close()


def _char_note(schema: Schema, table: Table, col: Column) -> None:
    """SQLite keeps CHAR(n) values as written; character(n) would pad them with spaces."""
    if re.match(r"\s*N?CHAR(ACTER)?\s*\(", col.source_type, re.I):
        schema.note(f"{table.name}.{col.name}", f"{col.source_type} became {col.pg_type}, not"
                    " character(n): SQLite stores the strings as written, character(n) would pad"
                    f" them with spaces; --type {table.name}.{col.name}=char(n) pads them")  # fmt: skip


def _first_look(col: Column) -> dict[str, str]:
    """Numeric and untyped columns always get a closer look: at once."""
    return DETAIL if col.kind not in EXPECTED else {}


def _second_look(table: Table, col: Column, st: dict[str, int]) -> bool:
    first = col.kind not in EXPECTED and table.row_estimate > 0
    return _surprising(col, st) and not first


def _merge(stats: dict[str, dict[str, dict[str, int]]], requests: list[Any],
           results: list[dict[str, dict[str, int]]]) -> None:  # fmt: skip
    for (table, _, _), found in zip(requests, results, strict=True):
        for column, values in found.items():
            stats[table.name][column].update(values)


def _settle(
    conn: sqlite3.Connection, table: Table, stats: dict[str, dict[str, int]], schema: Schema
) -> None:
    for col in table.columns:
        where = f"{table.name}.{col.name}"
        st = stats[col.name]
        if not col.pg_type:
            _decide_by_values(col, st, schema, where)
        col.extra["plan"] = _plan(col, st, schema, where)
        if isinstance(col.extra.get("numeric_bounds"), tuple):
            _fit_numeric(conn, table, col, col.extra.pop("numeric_bounds"), schema, where)
        _translate_default(col, schema, where)


def _fit_numeric(conn: sqlite3.Connection, table: Table, col: Column, bounds: tuple[int, int],
                 schema: Schema, where: str) -> None:  # fmt: skip
    """NUMERIC(p,s) was never enforced by SQLite: PostgreSQL would round or refuse. Widen."""
    precision, scale = bounds
    pred = f"typeof(c) IN ('integer','real') AND (round(c, {scale}) <> c OR c >= 1e{precision - scale} OR c <= -1e{precision - scale})"
    over = conn.execute(
        f"SELECT count(*) FROM {q(table.name)} WHERE {sub(pred, q(col.name))}"
    ).fetchone()[0]
    if over:
        schema.note(where, f"{over} values do not fit {col.pg_type} (PostgreSQL would round or "
                           "refuse them): widened to numeric", "warning")  # fmt: skip
        col.pg_type = "numeric"


def _decide_by_values(col: Column, st: dict[str, int], schema: Schema, where: str) -> None:
    """A column without a type SQLite's affinity settles: the type its values fit. Blobs beside
    numbers or text (one stray blob in a column of integers) do not make it bytea: the type the
    other values fit wins and the blobs are kept in skylift.rejects, unless they are the most."""
    ints, reals, texts, blobs = (st.get(k, 0) for k in ("int", "real", "text", "blob"))
    others = ints + reals + texts
    if blobs and blobs >= others:
        col.pg_type, col.kind = "bytea", "bytes"
    elif texts:
        col.pg_type, col.kind = "text", "text"
    elif reals and st.get("bigint"):
        col.pg_type, col.kind = "numeric", "numeric"
    elif reals:
        col.pg_type, col.kind = "double precision", "float"
    elif ints:
        col.pg_type, col.kind = "bigint", "int"
    else:
        col.pg_type, col.kind = "text", "text"
    decl = col.source_type or "no type"
    held = ", ".join(f"{n} {what}" for n, what in ((ints, "integers"), (reals, "reals"),
                     (texts, "texts"), (blobs, "blobs")) if n)  # fmt: skip
    schema.note(where, f"declared {decl!r}: chose {col.pg_type} from the values it holds"
                + (f" ({held})" if held else ""))  # fmt: skip


def _plan(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = _PLANS.get(col.kind, _plan_text)(col, st, schema, where)
    if st.get("empty") and col.kind not in ("text", "bytes", "text_repr"):
        if col.nullable:
            plan.select = f"CASE WHEN c = '' THEN NULL ELSE {plan.select} END"
            schema.note(where, f"{st['empty']} empty strings ('') stored as NULL")
        else:
            plan.bad.insert(0, ("c = ''", "empty string in a NOT NULL column"))
    return plan


def _plan_int(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = Plan()
    if st.get("text", 0) > st.get("empty", 0):
        plan.bad.append(("typeof(c)='text' AND c <> ''", "text in an integer column"))
    if st.get("blob"):
        plan.bad.append(("typeof(c)='blob'", "binary value in an integer column"))
    if st.get("real"):
        plan.bad.append(("typeof(c)='real' AND (c <> CAST(c AS INTEGER) OR c >= 9.2e18 OR c <= -9.2e18)",
                         "fraction or out-of-range number in an integer column"))  # fmt: skip
        plan.select = "CASE WHEN typeof(c)='real' THEN CAST(c AS INTEGER) ELSE c END"
        whole = st["real"] - st.get("fraction", 0)
        if whole:
            schema.note(where, f"{whole} whole numbers stored as REAL (3.0) kept as integers")
    return plan


def _plan_float(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    if st.get("bigint") and st.get("int"):
        col.pg_type, col.kind = "numeric", "numeric"
        schema.note(where, "integers beyond 2^53 would lose digits in double precision: numeric")
        return _plan_numeric(col, st, schema, where)
    plan = Plan()
    if st.get("int"):
        plan.select = "CASE WHEN typeof(c)='integer' THEN CAST(c AS REAL) ELSE c END"
    if st.get("text", 0) > st.get("empty", 0):
        plan.bad.append(("typeof(c)='text' AND c <> ''", "text in a number column"))
    if st.get("blob"):
        plan.bad.append(("typeof(c)='blob'", "binary value in a number column"))
    return plan


def _plan_numeric(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = Plan()
    if st.get("text", 0) > st.get("empty", 0):
        plan.bad.append(("typeof(c)='text' AND c <> ''", "text in a number column"))
    if st.get("blob"):
        plan.bad.append(("typeof(c)='blob'", "binary value in a number column"))
    sized = re.fullmatch(r"numeric\((\d+),(\d+)\)", col.pg_type)
    if sized and st.get("n"):
        col.extra["numeric_bounds"] = (int(sized.group(1)), int(sized.group(2)))
    return plan


def _plan_bool(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = Plan()
    if st.get("notbit"):
        plan.bad.append(("typeof(c)='integer' AND c NOT IN (0, 1)", "not a boolean (0 or 1)"))
    if st.get("text", 0) > st.get("empty", 0) or st.get("real"):
        true, false = "('1','t','true','yes','y','on')", "('0','f','false','no','n','off')"
        plan.select = (
            f"CASE WHEN lower(c) IN {true} THEN 1 WHEN lower(c) IN {false} THEN 0 ELSE c END"
        )
        plan.bad.append((f"typeof(c) IN ('text','real') AND c <> '' AND lower(c) NOT IN {true} "
                         f"AND lower(c) NOT IN {false}", "not a boolean"))  # fmt: skip
        schema.note(where, "booleans written as text ('true', 'yes', ...) stored as booleans")
    if st.get("blob"):
        plan.bad.append(("typeof(c)='blob'", "binary value in a boolean column"))
    return plan


def _plan_text(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = Plan()
    size = re.fullmatch(r"varchar\((\d+)\)", col.pg_type)
    if size and st.get("maxlen", 0) > int(size.group(1)):
        schema.note(where, f"values up to {st['maxlen']} characters: varchar({size.group(1)}) "
                           "widened to text (SQLite never enforced the length)")  # fmt: skip
        col.pg_type = "text"
    others = st.get("int", 0) + st.get("real", 0) + st.get("blob", 0)
    if others:
        plan.convert = "to_text"
        if col.kind == "text":
            schema.note(where, f"{others} numbers or blobs in a text column stored as their text")
    if col.kind == "text_repr":
        plan.convert = "uuid" if col.pg_type == "uuid" else plan.convert
    return plan


def _plan_bytes(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = Plan()
    if st.get("int") or st.get("real"):
        plan.bad.append(("typeof(c) IN ('integer','real')", "number in a binary column"))
    if st.get("text"):
        plan.select = "CAST(c AS BLOB)"
        schema.note(
            where, f"{st['text']} text values in a binary column stored as their UTF-8 bytes"
        )
    return plan


def _plan_json(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = Plan()
    if st.get("invalid"):
        plan.bad.append(("typeof(c)='text' AND c <> '' AND json_valid(c) = 0", "invalid JSON"))
    if st.get("blob"):
        plan.bad.append(("typeof(c)='blob'", "binary value in a JSON column"))
    if st.get("real"):  # CAST(real AS TEXT) keeps 15 digits: 17 where 15 lose the double
        plan.select = (
            "CASE WHEN typeof(c) = 'real' AND CAST(CAST(c AS TEXT) AS REAL) <> c"
            " THEN printf('%!.17g', c) ELSE CAST(c AS TEXT) END"
        )
    elif st.get("int"):
        plan.select = "CAST(c AS TEXT)"
    return plan


def _plan_date(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    if st.get("maxlen", 0) > 10:  # some values carry a time of day
        col.pg_type, col.kind = "timestamptz", "timestamptz"
        schema.note(where, "DATE column holds times of day: timestamptz keeps them")
        return _plan_timestamp(col, st, schema, where)
    plan = _plan_instant(st, schema, where)
    plan.convert = "epoch_date" if plan.convert else None
    return plan


def _plan_timestamp(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = _plan_instant(st, schema, where)
    if plan.convert is None and not st.get("notsimple") and not st.get("empty"):
        plan.select = "c || '+00'"  # 'YYYY-MM-DD HH:MM:SS' is UTC: PostgreSQL's own UTC form
    else:
        plan.convert = "timestamp"
    return plan


def _plan_instant(st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = Plan()
    if st.get("impossible"):
        plan.bad.append((IMPOSSIBLE, NOT_ISO))
    if "iso" in st and st["iso"] < st.get("text", 0) - st.get("empty", 0):
        # julianday() takes no 24:00 (ISO 8601's end of the day, which parse_iso reads)
        plan.bad.append(("typeof(c)='text' AND c <> '' AND julianday(c) IS NULL"
                         " AND substr(c, 11, 6) NOT IN (' 24:00', 'T24:00')", NOT_ISO))  # fmt: skip
    numbers = st.get("int", 0) + st.get("real", 0)
    if numbers:
        lo, hi = EPOCH_RANGE
        plan.bad.append((f"typeof(c) IN ('integer','real') AND NOT (c >= {lo} AND c < {hi} OR c <= -{lo} AND c > -{hi})",
                         "number that is not an epoch in seconds or milliseconds"))  # fmt: skip
        plan.convert = "epoch"
        if epochs := st.get("epoch", numbers):
            schema.note(
                where, f"{epochs} epoch numbers (seconds or milliseconds) stored as instants"
            )
    if st.get("blob"):
        plan.bad.append(("typeof(c)='blob'", "binary value in a date column"))
    return plan


_PLANS = {
    "int": _plan_int,
    "float": _plan_float,
    "numeric": _plan_numeric,
    "bool": _plan_bool,
    "text": _plan_text,
    "bytes": _plan_bytes,
    "json": _plan_json,
    "date": _plan_date,
    "timestamptz": _plan_timestamp,
    "text_repr": _plan_text,
}


def _translate_default(col: Column, schema: Schema, where: str) -> None:
    col.pg_default = None
    if col.default is None or col.identity:
        return
    typed = defaults.column_default(col.default, col.kind, col.pg_type)
    col.pg_default = typed.sql
    if typed.note:
        sql = col.default if typed.severity == "manual" else None
        schema.note(where, typed.note, typed.severity, sql)  # type: ignore[arg-type]
