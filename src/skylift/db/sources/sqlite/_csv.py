"""SQLite rows as CSV records, built mostly by SQLite itself (C speed).

Each row gives two records: the one sent to COPY, and the one digested for verification, written
in the very form PostgreSQL prints the stored row back (`COPY ... TO STDOUT (FORMAT csv)` under
the session settings of db/pgtext.py). They differ only where sending and printing differ:
- floats are sent as exact shortest decimals and compared by their IEEE bits (float8send);
- JSON and decimals are sent as they are, and compared in PostgreSQL's normal form, which the
  target server computes from the *source* values (`normalize`), never from the stored row.
NULL is written `\\N`, so an empty string in a number column is refused, never read as NULL.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skylift.db import _accel, pgtext
from skylift.db.records import CSV_NULL, QUOTED
from skylift.db.schema import Column, Table
from skylift.db.sources.sqlite._profile import Plan, q, sub

Formatter = Callable[[Any], str]
# cast -> values as text -> PostgreSQL's text output of each (None for NULL), in order
Normalizer = Callable[[str, list[str | None]], list[str | None]]

NULL = CSV_NULL
# kind -> SQL making a CSV field from the plan's value `v`, or None when Python must do it
FIELD_SQL: dict[str, str | None] = {
    "int": "v",
    "bool": "CASE v WHEN 1 THEN 't' WHEN 0 THEN 'f' ELSE v END",  # else: PostgreSQL refuses
    "text": "'\"' || replace(v, '\"', '\"\"') || '\"'",
    "json": "'\"' || replace(v, '\"', '\"\"') || '\"'",
    "bytes": "CASE WHEN v IS NULL THEN NULL ELSE '\\x' || lower(hex(v)) END",  # hex(NULL) is ''
    "date": "v",
    "timestamptz": "v",
    "float": None,
    "numeric": None,
    "text_repr": None,
}
_VALUE = re.compile(r"\bv\b")


def _float(value: Any) -> str:
    return repr(float(value))


def _number(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _bits(value: Any) -> str:
    return "\\x" + struct.pack(">d", float(value)).hex()


def _text(value: Any) -> str:
    return pgtext.csv_text(value if isinstance(value, str) else str(value))


def python_formatter(col: Column) -> Formatter:
    """The field sent for a value already converted by the plan (_read.CONVERTERS)."""
    kind = col.kind
    if kind == "float":
        return _float  # any exact form will do: verification compares floats by their bits
    if kind == "numeric":
        return _number
    if kind in ("text", "json"):
        return _text
    if kind == "text_repr" and col.pg_type == "uuid":
        return lambda v: str(uuid.UUID(str(v)))
    if kind == "text_repr":
        return lambda v: pgtext.csv_field(v if isinstance(v, str) else str(v))
    if kind == "bool":
        return lambda v: "t" if v else "f"
    if kind == "bytes":
        return lambda v: "\\x" + bytes(v).hex()
    return str  # int, date, timestamptz: the converted value is already PostgreSQL's text


def pg_cast(col: Column) -> str | None:
    """The cast whose text output verification compares, for kinds PostgreSQL normalizes."""
    if col.kind == "json":
        return "jsonb"
    if col.kind == "numeric":
        return col.pg_type
    if col.kind == "text_repr" and col.pg_type != "uuid":
        return col.pg_type  # a --type: the text PostgreSQL prints for the value sent
    return None


def _column(values: tuple[Any, ...], fmt: Formatter) -> list[str]:
    """Format one column of a batch; floats (the common case) without a Python call each."""
    if fmt is _float and None not in values:  # the plan's SQL made every value a float
        return list(map(repr, values))
    if fmt is _bits and None not in values:
        text = struct.pack(f">{len(values)}d", *values).hex()
        return ["\\x" + text[i : i + 16] for i in range(0, len(text), 16)]
    return [NULL if v is None else fmt(v) for v in values]


@dataclass
class CsvPlan:
    """The SELECT list of a table and the Python steps that finish each record."""

    select: list[str]  # SQL segments (already CSV, commas inside) and raw values, in order
    python: list[tuple[int, Formatter]]  # (select position, formatter) of raw values
    bits: list[int] = field(default_factory=list)  # positions of floats, compared by bits
    normal: list[tuple[int, int, str, bool]] = field(default_factory=list)
    # (select position, position inside that SQL segment or -1, cast, quoted) for
    # values compared in PostgreSQL's normal form

    @property
    def pure_sql(self) -> bool:
        return not self.python and not self.normal


def _segment(run: list[str]) -> str:
    """SQL fields joined into one CSV segment; text even when it is one number alone."""
    return "'' || " + " || ',' || ".join(run)


def _field(template: str, value: str) -> str:
    return _VALUE.sub(lambda _match: f"({value})", template)


def _then(first: Callable[[Any], Any], second: Formatter) -> Formatter:
    return lambda v: second(first(v))


def compile_csv(table: Table, converters: dict[str, Callable[[Any], Any]]) -> CsvPlan:
    """`converters`: the plan's Python conversions by name (_read.CONVERTERS)."""
    plan = CsvPlan([], [])
    run: list[str] = []
    for col in table.columns:
        col_plan: Plan = col.extra["plan"]
        value = sub(col_plan.select, q(col.name))
        template = None if col_plan.convert or pg_cast(col) else FIELD_SQL.get(col.kind)
        if template is not None:
            run.append(f"coalesce({_field(template, value)}, '{NULL}')")
            continue
        if run:
            plan.select.append(_segment(run))
            run = []
        position = len(plan.select)
        fmt = python_formatter(col)
        plan.python.append(
            (position, _then(converters[col_plan.convert], fmt) if col_plan.convert else fmt)
        )
        if col.kind == "float":
            plan.bits.append(position)
        cast = pg_cast(col)
        if cast:
            plan.normal.append((position, -1, cast, col.kind in QUOTED))
        plan.select.append(value)
    if run:
        plan.select.append(_segment(run))
    return plan


def records(
    plan: CsvPlan, batch: list[tuple[Any, ...]], normalize: Normalizer | None
) -> tuple[list[str], list[str]]:
    """The records to send and the records to digest (the same list when nothing differs).
    A formatter may raise (BadValue, ValueError): the caller then takes the slow path."""
    if plan.pure_sql:
        sent = [row[0] for row in batch]
        return sent, sent
    columns: list[Any] = list(zip(*batch, strict=True))
    raw = {i: columns[i] for i in plan.bits}
    for i, fmt in plan.python:
        columns[i] = _column(columns[i], fmt)
    sent = list(map(",".join, zip(*columns, strict=True)))
    if not plan.bits and not plan.normal:
        return sent, sent
    for i in plan.bits:
        columns[i] = _column(raw[i], _bits)
    for i, _, cast, quoted in plan.normal:
        columns[i] = _normal(columns[i], cast, quoted, normalize)
    return sent, list(map(",".join, zip(*columns, strict=True)))


def _normal(fields: list[str], cast: str, quoted: bool, normalize: Normalizer | None) -> list[str]:
    """Fields as PostgreSQL prints the values sent: always quoted (FORCE_QUOTE) or, for a
    type printed as its text (a --type), quoted only where CSV must."""
    values = [None if f == NULL else (_unquote(f) if quoted or f[:1] == '"' else f) for f in fields]
    numeric = pgtext.plain_numeric_printer(cast)  # plain decimals that fit; None: not numeric
    if normalize is not None and numeric is not None:
        printed = _locally_first(cast, values, numeric, normalize)
    elif normalize is not None and cast == "jsonb" and _accel.has_jsonb():
        printed = _locally_first(cast, values, _jsonb_locally, normalize)
    elif normalize is not None:
        printed = normalize(cast, values)
    elif cast == "jsonb":
        printed = [None if v is None else _jsonb_or_raw(v) for v in values]
    elif numeric is None:  # another type: only the server prints it
        printed = values
    else:
        scale = int(cast.rsplit(",", 1)[1].rstrip(")")) if "," in cast else None
        printed = [None if v is None else pgtext.numeric(v, scale) for v in values]
    if quoted:
        return [NULL if p is None else pgtext.csv_text(p) for p in printed]
    return [NULL if p is None else pgtext.csv_field(p) for p in printed]


def _jsonb_or_raw(text: str) -> str:
    """jsonb's form of a document; one PostgreSQL will refuse stays as it is (its row is then
    kept in the reject table, out of the digest)."""
    try:
        return pgtext.jsonb(text)
    except (ValueError, TypeError, ArithmeticError):
        return text


def _locally_first(cast: str, values: list[str | None], local: Callable[[str], str | None],
                   normalize: Normalizer) -> list[str | None]:  # fmt: skip
    """Values `local` prints here (None when it does not take one); the server prints the rest."""
    printed = [None if v is None else local(v) for v in values]
    rest = [i for i, (v, p) in enumerate(zip(values, printed, strict=True)) if v is not None and p is None]  # fmt: skip
    if rest:
        for i, text in zip(rest, normalize(cast, [values[i] for i in rest]), strict=True):
            printed[i] = text
    return printed


def _jsonb_locally(text: str) -> str | None:
    """A document printed as jsonb by the accelerator (csrc/jsonb.c), or None: it does not
    take what jsonb refuses (or may)."""
    done = _accel.fastcopy.jsonb(text.encode("utf-8", "surrogatepass"))
    return None if done is None else str(done.decode())


def _unquote(csv_field: str) -> str:
    return csv_field[1:-1].replace('""', '"')


def tuple_records(
    table: Table, batch: list[tuple[Any, ...]], normalize: Normalizer | None
) -> tuple[list[str], list[str]]:
    """Records from rows already read and converted value by value (the slow path)."""
    columns: list[Any] = list(zip(*batch, strict=True)) if batch else [() for _ in table.columns]
    sent_cols = [
        _column(col, python_formatter(c)) for col, c in zip(columns, table.columns, strict=True)
    ]
    sent = list(map(",".join, zip(*sent_cols, strict=True)))
    checked_cols = list(sent_cols)
    for i, c in enumerate(table.columns):
        if c.kind == "float":
            checked_cols[i] = _column(columns[i], _bits)
        elif pg_cast(c):
            checked_cols[i] = _normal(sent_cols[i], pg_cast(c) or "", c.kind in QUOTED, normalize)
    return sent, list(map(",".join, zip(*checked_cols, strict=True)))
