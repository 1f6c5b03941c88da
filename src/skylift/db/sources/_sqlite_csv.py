"""SQLite rows as CSV records in PostgreSQL's own output form (see db/pgtext.py).

SQLite builds most of each record in SQL (C speed); Python touches only the columns SQL cannot
format exactly (floats, decimals, JSON, converted values). Each row gives two records that differ
only in float columns: the one sent to COPY (floats as exact shortest decimals) and the one
digested for verification (floats as their IEEE bits, compared with PostgreSQL's float8send), so
every value is compared bit for bit.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skylift.db import pgtext
from skylift.db.schema import Column, Table
from skylift.db.sources._sqlite_profile import Plan, q, sub

Formatter = Callable[[Any], str]

# kind -> SQL making a CSV field from the plan's value `v`, or None when Python must do it
FIELD_SQL: dict[str, str | None] = {
    "int": "v",
    "bool": "CASE v WHEN 1 THEN 't' WHEN 0 THEN 'f' END",
    "text": "'\"' || replace(v, '\"', '\"\"') || '\"'",
    "bytes": "CASE WHEN v IS NULL THEN NULL ELSE '\\x' || lower(hex(v)) END",  # hex(NULL) is ''
    "date": "v",
    "timestamptz": "v",
    "float": None,
    "numeric": None,
    "json": None,
    "text_repr": None,
}
QUOTED = ("text", "json")
_VALUE = re.compile(r"\bv\b")  # read back with FORCE_QUOTE: always quoted when not NULL


def _text(value: Any) -> str:
    return pgtext.csv_text(value if isinstance(value, str) else str(value))


def _float(value: Any) -> str:
    return repr(float(value))


def _float_bits(value: float) -> str:
    return "\\x" + struct.pack(">d", value).hex()


_FLOAT: Formatter = _float


def _column(values: tuple[Any, ...], fmt: Formatter) -> list[str] | tuple[str, ...]:
    """Format one column of a batch; floats (the common case) without a Python call each."""
    if fmt is _FLOAT and None not in values:  # the plan's SQL made every value a float
        return list(map(repr, values))
    if fmt is _BITS and None not in values:
        text = struct.pack(f">{len(values)}d", *values).hex()
        return ["\\x" + text[i : i + 16] for i in range(0, len(text), 16)]
    return ["" if v is None else fmt(v) for v in values]


def python_formatter(col: Column) -> Formatter:
    """Format a value already converted by the plan (see _sqlite_read.CONVERTERS)."""
    kind = col.kind
    if kind == "float":
        return _FLOAT  # any exact form will do: verification compares floats by their bits
    if kind == "numeric":
        scale = _scale(col.pg_type)
        return lambda v: pgtext.numeric(v, scale)
    if kind == "json":
        return lambda v: pgtext.csv_text(pgtext.jsonb(v))
    if kind == "text_repr":
        return lambda v: str(uuid.UUID(str(v)))
    if kind == "text":
        return _text
    if kind == "bool":
        return lambda v: "t" if v else "f"
    if kind == "bytes":
        return lambda v: "\\x" + bytes(v).hex()
    return str  # int, date, timestamptz: the converted value is already PostgreSQL's text


def verify_formatter(col: Column) -> Formatter | None:
    """The field as verification compares it, when it differs from the field sent."""
    return _BITS if col.kind == "float" else None


def _bits(value: Any) -> str:
    return _float_bits(float(value))


_BITS: Formatter = _bits


def _scale(pg_type: str) -> int | None:
    if "," in pg_type:
        return int(pg_type.rsplit(",", 1)[1].rstrip(")").strip())
    return 0 if pg_type.startswith("numeric(") else None


@dataclass
class CsvPlan:
    """The SELECT list of a table and the Python steps that finish each record."""

    select: list[str]  # SQL segments (already CSV, commas inside) and raw values, in order
    python: list[tuple[int, Formatter]]  # (select position, formatter) for raw values
    verify: list[tuple[int, Formatter]]  # (select position, formatter) where verify differs

    @property
    def pure_sql(self) -> bool:
        return not self.python


def compile_csv(table: Table, converters: dict[str, Callable[[Any], Any]]) -> CsvPlan:
    """`converters`: the plan's Python conversions by name (_sqlite_read.CONVERTERS)."""
    select: list[str] = []
    python: list[tuple[int, Formatter]] = []
    verify: list[tuple[int, Formatter]] = []
    run: list[str] = []
    for col in table.columns:
        plan: Plan = col.extra["plan"]
        value = sub(plan.select, q(col.name))
        field = None if plan.convert else FIELD_SQL.get(col.kind)
        if field is not None:
            run.append(f"coalesce({_field(field, value)}, '')")
            continue
        if run:
            select.append(" || ',' || ".join(run))
            run = []
        fmt = python_formatter(col)
        if plan.convert:
            fmt = _then(converters[plan.convert], fmt)
        python.append((len(select), fmt))
        check = verify_formatter(col)
        if check:
            verify.append((len(select), check))
        select.append(value)
    if run:
        select.append(" || ',' || ".join(run))
    return CsvPlan(select, python, verify)


def _field(template: str, value: str) -> str:
    return _VALUE.sub(lambda _match: f"({value})", template)


def _then(first: Callable[[Any], Any], second: Formatter) -> Formatter:
    return lambda v: second(first(v))


def records(plan: CsvPlan, batch: list[tuple[Any, ...]]) -> tuple[list[str], list[str]]:
    """The records to send and the records to digest (the same list when no column differs).
    A formatter may raise (BadValue, ValueError): the caller then takes the slow path."""
    if plan.pure_sql:
        sent = [row[0] for row in batch]
        return sent, sent
    columns: list[Any] = list(zip(*batch, strict=True))
    raw = {i: columns[i] for i, _ in plan.verify}
    for i, fmt in plan.python:
        columns[i] = _column(columns[i], fmt)
    sent = list(map(",".join, zip(*columns, strict=True)))
    if not plan.verify:
        return sent, sent
    for i, fmt in plan.verify:
        columns[i] = _column(raw[i], fmt)
    return sent, list(map(",".join, zip(*columns, strict=True)))


def target_select(
    table: Table, name: Callable[[str], str], qualified: str
) -> tuple[str, list[str]]:
    """The SELECT whose CSV output verification compares, and the columns to FORCE_QUOTE."""
    cols = [
        f"float8send({name(c.name)})" if c.kind == "float" else name(c.name) for c in table.columns
    ]
    quoted = [f"c{i}" for i, c in enumerate(table.columns) if c.kind in QUOTED]
    aliased = ", ".join(f"{expr} AS c{i}" for i, expr in enumerate(cols))
    return f"SELECT {aliased} FROM {qualified}", quoted


def tuple_records(table: Table, batch: list[tuple[Any, ...]]) -> tuple[list[str], list[str]]:
    """Records from rows already read and converted value by value (the slow path)."""
    fmts = [python_formatter(c) for c in table.columns]
    checks = [verify_formatter(c) for c in table.columns]
    sent, checked = [], []
    for row in batch:
        parts = ["" if v is None else f(v) for f, v in zip(fmts, row, strict=True)]
        sent.append(",".join(parts))
        for i, check in enumerate(checks):
            if check is not None and row[i] is not None:
                parts[i] = check(row[i])
        checked.append(",".join(parts))
    return sent, checked
