"""Profile the values of a SQLite table and settle each column's PostgreSQL type.

The rule: the declared type wins (the app and its ORM expect it). Values are then handled in
one of three ways, each counted in a Note:
- widened, when that is harmless: VARCHAR(n) holding longer text -> text, NUMERIC(p,s) holding
  more digits -> numeric, integers beyond 2^53 in a REAL column -> numeric;
- converted, when the value has one clear meaning: '' in a non-text column -> NULL, epoch
  seconds or milliseconds in a date/time column -> that instant, 3.0 in an INTEGER column -> 3;
- rejected, otherwise (text in an INTEGER column, an impossible date, invalid UTF-8, NUL bytes):
  the row goes to skylift.rejects with the reason; `--type table.column=TYPE` changes the type.

Each decision becomes a `Plan` in `col.extra["plan"]`: the SQL that reads the column, the SQL
predicates that mark bad values (with their reasons) and the Python conversion, if any.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from skylift.db.schema import Column, Schema, Table
from skylift.db.sources import _sqlite_ddl as ddl
from skylift.db.sources._sqlite_read import _sub, register_functions

MAX_EXACT_FLOAT_INT = 2**53
NON_ASCII = "(c GLOB ('*[^' || char(1) || '-' || char(127) || ']*'))"
ISO_DATE = "c GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]*'"
REAL_DATE = "date(julianday(substr(c, 1, 10))) IS substr(c, 1, 10)"
EPOCH_S = (1e8, 1e11)  # 1973 .. 5138 in seconds
EPOCH_MS = (1e11, 1e14)  # 1973 .. 5138 in milliseconds


@dataclass
class Plan:
    """How one column is read: `select` and `bad` use `c` for the quoted column name."""

    select: str = "c"
    bad: list[tuple[str, str]] = field(default_factory=list)  # (predicate, reason)
    convert: str | None = None  # name of a Python converter in _sqlite_read.CONVERTERS
    canon: str | None = None  # name of a canonicalizer in _sqlite_read.CANON


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _stats(conn: sqlite3.Connection, table: Table) -> dict[str, dict[str, int]]:
    """One pass over the table: storage classes and a few facts per column."""
    parts, keys = [], []
    for col in table.columns:
        c = _q(col.name)
        for key, expr in (
            ("int", f"typeof({c})='integer'"),
            ("real", f"typeof({c})='real'"),
            ("text", f"typeof({c})='text'"),
            ("blob", f"typeof({c})='blob'"),
            ("empty", f"{c} = ''"),
            ("maxlen", None),
            ("nonascii", f"typeof({c})='text' AND {_sub(NON_ASCII, c)}"),
            ("bigint", f"typeof({c}) IN ('integer','real') AND abs({c}) > {MAX_EXACT_FLOAT_INT}"),
            ("fraction", f"typeof({c})='real' AND {c} <> CAST({c} AS INTEGER)"),
        ):
            keys.append((col.name, key))
            if key == "maxlen":
                parts.append(f"max(CASE WHEN typeof({c})='text' THEN length({c}) END)")
            else:
                parts.append(f"sum({expr})")
    row = conn.execute(f"SELECT {', '.join(parts)} FROM {_q(table.name)}").fetchone()
    stats: dict[str, dict[str, int]] = {col.name: {} for col in table.columns}
    for (name, key), value in zip(keys, row or [], strict=False):
        stats[name][key] = int(value or 0)
    return stats


def _count(conn: sqlite3.Connection, table: Table, col: Column, predicate: str) -> int:
    sql = f"coalesce(({_sub(predicate, _q(col.name))}), 0)"
    value = conn.execute(f"SELECT count(*) FROM {_q(table.name)} WHERE {sql}").fetchone()[0]
    return int(value or 0)


def profile_table(
    conn: sqlite3.Connection, table: Table, schema: Schema, overrides: dict[str, str]
) -> None:
    from skylift.db.sources.sqlite import map_type

    register_functions(conn)
    stats = _stats(conn, table) if table.row_estimate else {c.name: {} for c in table.columns}
    for col in table.columns:
        where = f"{table.name}.{col.name}"
        override = overrides.get(where)
        col.pg_type, col.kind = map_type(override or col.source_type)
        st = stats[col.name]
        if not col.pg_type:
            _decide_by_values(col, st, schema, where)
        plan = _plan(col, st, schema, where)
        bounds = col.extra.pop("numeric_bounds", None)
        if isinstance(bounds, tuple):
            _fit_numeric(conn, table, col, bounds, schema, where)
        if st.get("nonascii"):
            pred = f"(typeof(c)='text' AND {NON_ASCII} AND skylift_bad_utf8(CAST(c AS BLOB)))"
            if _count(conn, table, col, pred):
                plan.bad.append((pred, "invalid UTF-8"))
        if not col.nullable and st.get("empty") and col.kind not in ("text", "bytes"):
            plan.bad.append(("c = ''", "empty string in a NOT NULL column"))
        if override:
            schema.note(where, f"type set by --type to {col.pg_type}")
        col.extra["plan"] = plan
        _translate_default(col, schema, where)


def _fit_numeric(
    conn: sqlite3.Connection,
    table: Table,
    col: Column,
    bounds: tuple[int, int],
    schema: Schema,
    where: str,
) -> None:
    """NUMERIC(p,s) was never enforced by SQLite: PostgreSQL would round or refuse. Widen."""
    precision, scale = bounds
    pred = (
        f"typeof(c) IN ('integer','real') AND "
        f"(round(c, {scale}) <> c OR abs(c) >= 1e{precision - scale})"
    )
    over = _count(conn, table, col, pred)
    if over:
        schema.note(
            where,
            f"{over} values do not fit {col.pg_type} (PostgreSQL would round or refuse them): "
            "widened to numeric",
            "warning",
        )
        col.pg_type = "numeric"


def _decide_by_values(col: Column, st: dict[str, int], schema: Schema, where: str) -> None:
    ints, reals, texts, blobs = (
        st.get("int", 0),
        st.get("real", 0),
        st.get("text", 0),
        st.get("blob", 0),
    )
    if texts and not blobs:
        col.pg_type, col.kind = "text", "text"
    elif (blobs and not (ints or reals)) or blobs:
        col.pg_type, col.kind = "bytea", "bytes"
    elif reals and st.get("bigint"):
        col.pg_type, col.kind = "numeric", "numeric"
    elif reals:
        col.pg_type, col.kind = "double precision", "float"
    elif ints:
        col.pg_type, col.kind = "bigint", "int"
    else:
        col.pg_type, col.kind = "text", "text"
    decl = col.source_type or "no type"
    schema.note(where, f"declared {decl!r}: chose {col.pg_type} from the values it holds")


def _plan(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    builder = _PLANS.get(col.kind, _plan_text)
    plan = builder(col, st, schema, where)
    if st.get("empty") and col.kind not in ("text", "bytes") and col.nullable:
        plan.select = f"CASE WHEN c = '' THEN NULL ELSE {plan.select} END"
        schema.note(where, f"{st['empty']} empty strings ('') stored as NULL")
    return plan


def _plan_int(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = Plan(bad=[("(typeof(c)='text' AND c <> '')", "text in an integer column"),
                     ("typeof(c)='blob'", "binary value in an integer column")])  # fmt: skip
    if st.get("real"):
        plan.bad.append(
            ("(typeof(c)='real' AND c <> CAST(c AS INTEGER))", "fraction in an integer column")
        )
        plan.bad.append(("(typeof(c)='real' AND abs(c) >= 9.2e18)", "number out of bigint range"))
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
    return Plan(
        bad=[("(typeof(c)='text' AND c <> '')", "text in a number column"),
             ("typeof(c)='blob'", "binary value in a number column")],
        canon="float",
    )  # fmt: skip


def _plan_numeric(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = Plan(
        bad=[("(typeof(c)='text' AND c <> '' AND CAST(c AS NUMERIC) || '' <> c)", "text in a number column"),
             ("typeof(c)='blob'", "binary value in a number column")],
        canon="numeric",
    )  # fmt: skip
    sized = re.fullmatch(r"numeric\((\d+),(\d+)\)", col.pg_type)
    if sized and st.get("int", 0) + st.get("real", 0):
        col.extra["numeric_bounds"] = (int(sized.group(1)), int(sized.group(2)))
    return plan


def _plan_bool(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    words = "('0','1','t','f','true','false','yes','no','y','n','on','off')"
    plan = Plan(bad=[(f"lower(c) NOT IN {words}", "not a boolean")], canon="bool")
    if st.get("text") or st.get("real"):
        plan.select = (
            "CASE WHEN lower(c) IN ('1','t','true','yes','y','on') THEN 1 "
            "WHEN lower(c) IN ('0','f','false','no','n','off') THEN 0 END"
        )
    return plan


def _plan_text(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = Plan(bad=[("(typeof(c)='text' AND instr(CAST(c AS BLOB), x'00') > 0)",
                      "NUL byte in text (PostgreSQL text cannot hold it)")])  # fmt: skip
    size = re.fullmatch(r"varchar\((\d+)\)", col.pg_type)
    if size and st.get("maxlen", 0) > int(size.group(1)):
        schema.note(where, f"values up to {st['maxlen']} characters: varchar({size.group(1)}) "
                           "widened to text (SQLite never enforced the length)")  # fmt: skip
        col.pg_type = "text"
    if st.get("int") or st.get("real") or st.get("blob"):
        plan.convert = "to_text"
        plan.canon = "to_text"
        others = st.get("int", 0) + st.get("real", 0) + st.get("blob", 0)
        schema.note(where, f"{others} numbers or blobs in a text column stored as their text")
        plan.bad.append(
            ("(typeof(c)='blob' AND skylift_bad_utf8(c))", "binary value that is not UTF-8")
        )
    return plan


def _plan_bytes(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = Plan(bad=[("typeof(c) IN ('integer','real')", "number in a binary column")])
    if st.get("text"):
        plan.select = "CAST(c AS BLOB)"
        schema.note(
            where, f"{st['text']} text values in a binary column stored as their UTF-8 bytes"
        )
    return plan


def _plan_json(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    return Plan(
        select="CAST(c AS TEXT)",
        bad=[("(typeof(c) IN ('text','integer','real') AND c <> '' AND json_valid(c) = 0)", "invalid JSON"),
             ("typeof(c)='blob'", "binary value in a JSON column"),
             ("(typeof(c)='text' AND instr(c, '\\u0000') > 0)", "JSON holds \\u0000, which jsonb cannot store"),
             ("(typeof(c)='text' AND instr(CAST(c AS BLOB), x'00') > 0)", "NUL byte in text")],
        canon="json",
    )  # fmt: skip


def _plan_date(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    if st.get("maxlen", 0) > 10:  # some values carry a time of day
        col.pg_type, col.kind = "timestamptz", "timestamptz"
        schema.note(where, "DATE column holds times of day: timestamptz keeps them")
        return _plan_timestamp(col, st, schema, where)
    plan = _plan_timestamp(col, st, schema, where)
    plan.convert = "epoch_date" if plan.convert else None
    plan.canon = "date"
    return plan


def _plan_timestamp(col: Column, st: dict[str, int], schema: Schema, where: str) -> Plan:
    plan = Plan(
        bad=[(f"(typeof(c)='text' AND c <> '' AND NOT ({ISO_DATE}))", "not an ISO-8601 date (ambiguous format)"),
             (f"(typeof(c)='text' AND {ISO_DATE} AND NOT ({REAL_DATE}))", "impossible date"),
             (f"(typeof(c)='text' AND {ISO_DATE} AND julianday(c) IS NULL)", "invalid time of day"),
             ("typeof(c)='blob'", "binary value in a date column")],
        canon="timestamp",
    )  # fmt: skip
    numbers = st.get("int", 0) + st.get("real", 0)
    if numbers:
        lo, hi = EPOCH_S[0], EPOCH_MS[1]
        plan.bad.append((f"(typeof(c) IN ('integer','real') AND NOT (abs(c) >= {lo} AND abs(c) < {hi}))",
                         "number that is not an epoch in seconds or milliseconds"))  # fmt: skip
        plan.convert = "epoch"
        schema.note(where, f"{numbers} epoch numbers (seconds or milliseconds) stored as instants")
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
    if col.default is None or col.identity:
        return
    col.pg_default = ddl.default(col)
    if col.pg_default is None:
        schema.note(
            where,
            f"default {col.default} has no PostgreSQL equivalent: set it by hand",
            "manual",
            col.default,
        )
