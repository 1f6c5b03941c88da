"""MySQL rows as CSV records in PostgreSQL's own output form (the engine's `csv_batches`).

MySQL builds each record in SQL (see db/pgtext.py for the form): quoted text, `t`/`f`, `\\x` hex
bytea, trimmed fractions of seconds, zero dates as NULL. Only columns SQL cannot print as
PostgreSQL does are left to Python, as separate result fields: floats (sent as MySQL's exact
text, checked as their IEEE bits, which verification reads with float8send), JSON (checked in
jsonb's layout) and inet. A record is then the SQL segments joined around those few values.

Rows with anything unusual are flagged by the server (the same rules as _values) or seen
in Python (NUL, invalid UTF-8) and read again by key through the per-field path, whose values
`record()` formats the same way.
"""

from __future__ import annotations

import ipaddress
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skylift.db import pgtext
from skylift.db.records import CSV_NULL
from skylift.db.schema import Column, Table
from skylift.db.sources.mysql._fast import _bad
from skylift.db.sources.mysql._sql import quote
from skylift.db.sources.mysql._values import ewkb_hex, pg_array_text

Fmt = Callable[[str], str]
_SIMPLE_LABEL = re.compile(r"^[A-Za-z0-9_.@:/-]+$")
SLOW = "\x03"
NULL = "\x02"
TEMPORAL = ("timestamp", "timestamptz", "time")


def null_field() -> str:
    """The engine's NULL in CSV records (COPY ... NULL '...')."""
    return CSV_NULL


def pg_csv_field(text: str) -> str:
    """A field as PostgreSQL's CSV output writes an unforced column: quoted when it must be
    (it looks like NULL, or holds a delimiter, a quote or a line break)."""
    if text == null_field() or any(c in text for c in ',"\n\r'):
        return pgtext.csv_text(text)
    return text


def _float_bits(text: str) -> str:
    return "\\x" + struct.pack(">d", float(text)).hex()


def _jsonb(text: str) -> str:
    return pgtext.csv_text(pgtext.jsonb(text))


def _inet(text: str) -> str:
    return str(ipaddress.ip_address(text))


def _trimmed(q: str, fsp: int) -> str:
    """MySQL's text of a temporal value, fraction trimmed as PostgreSQL prints it."""
    if not fsp:
        return q
    return f"TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM {q}))"


def field_sql(col: Column) -> str | None:
    """SQL printing the column's CSV field (NULL as the engine writes it), or None: a Python
    column."""
    q = quote(col.name)
    dtype = col.extra.get("data_type")
    fsp = int(col.pg_type.split("(")[1].rstrip(")")) if col.kind in TEMPORAL else 0
    if col.kind in ("float", "json") or col.pg_type == "inet":
        return None
    if dtype == "year":
        value = f"NULLIF({q}, 0)"
    elif dtype == "bit":
        if col.kind == "bool":
            value = f"CASE {q} + 0 WHEN 1 THEN 't' WHEN 0 THEN 'f' ELSE {q} + 0 END"
        else:
            value = f"LPAD(BIN({q} + 0), {int(col.pg_type[4:-1])}, '0')"
    elif col.kind == "bool":
        # anything else (written after the profile) reaches PostgreSQL, which refuses it
        value = f"CASE {q} WHEN 1 THEN 't' WHEN 0 THEN 'f' ELSE {q} END"
    elif col.kind in ("int", "numeric"):
        value = q
    elif col.kind == "bytes":
        value = f"CONCAT('\\\\x', LOWER(HEX({q})))"
    elif col.kind == "date":
        value = f"IF({q} = 0, NULL, {q})"
    elif col.kind == "timestamp":
        value = f"IF({q} = 0, NULL, {_trimmed(q, fsp)})"
    elif col.kind == "timestamptz":
        value = f"IF({q} = 0, NULL, CONCAT({_trimmed(q, fsp)}, '+00'))"
    elif col.kind == "time":
        value = _trimmed(q, fsp)
    elif dtype == "set":
        if not all(_SIMPLE_LABEL.match(str(x)) for x in col.extra.get("labels") or []):  # type: ignore[attr-defined,unused-ignore]
            return None
        value = f"IF(LOCATE(',', {q}) > 0, CONCAT('\"{{', {q}, '}}\"'), CONCAT('{{', {q}, '}}'))"
    elif col.kind == "text":  # char(n): padded, as PostgreSQL prints it
        width = char_width(col)
        text = f"RPAD({q}, {width}, ' ')" if width else q
        value = f"CONCAT('\"', REPLACE({text}, '\"', '\"\"'), '\"')"
    elif col.pg_type == "geometry":  # PostGIS prints hex EWKB: _values.ewkb_hex in SQL
        h = f"HEX({q})"
        value = (
            f"IF(LEFT({h}, 8) = '00000000', SUBSTRING({h}, 9), CONCAT(SUBSTRING({h}, 9, 8), "
            f"'20', LEFT({h}, 8), SUBSTRING({h}, 19)))"
        )
    elif col.kind == "text_repr":  # MariaDB uuid: printed as PostgreSQL does
        value = q
    else:
        return None
    return f"IFNULL({value}, {_sql_literal(null_field())})"


def _sql_literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def python_formats(col: Column) -> tuple[Fmt, Fmt]:
    """(sent, checked) for a Python column's raw text, or for any value of the per-field path
    (whose values are what _values' `copy` functions give)."""
    if col.kind == "float":
        return (lambda t: t), _float_bits
    if col.kind == "json":
        return pgtext.csv_text, _jsonb
    if col.pg_type == "inet":
        inet = lambda t: pg_csv_field(_inet(t))  # noqa: E731
        return inet, inet
    fmt = _value_format(col)
    return fmt, fmt


def char_width(col: Column) -> int:
    """n of a char(n) column (PostgreSQL pads its values with spaces to n), else 0."""
    found = re.fullmatch(r"(?:char|character)\((\d+)\)", col.pg_type.lower().strip())
    return int(found.group(1)) if found and col.kind == "text" else 0


def _value_format(col: Column) -> Fmt:
    kind = col.kind
    if kind == "text" and char_width(col):
        width = char_width(col)
        return lambda v: pgtext.csv_text(v.ljust(width))
    if kind in ("text",):
        return pgtext.csv_text
    if kind == "bool":
        return lambda v: "t" if v == "1" else "f"
    if col.pg_type == "geometry":
        return lambda v: v if isinstance(v, str) else ewkb_hex(v)
    if kind == "bytes":
        return lambda v: "\\x" + v.hex()  # type: ignore[attr-defined]
    if kind in ("timestamp", "time"):
        return lambda v: v.rstrip("0").rstrip(".") if "." in v else v
    if kind == "timestamptz":
        return lambda v: (v[:-3].rstrip("0").rstrip(".") if "." in v else v[:-3]) + "+00"
    if kind in ("int", "numeric", "date"):
        return str
    return pg_csv_field  # set (an array literal), bit(n), uuid


@dataclass(frozen=True)
class CsvPlan:
    select: str  # one field: key, then segments and Python columns alternately, CHAR(1) apart
    pycols: tuple[int, ...]  # column index of each Python column, in order
    keyed: bool

    @property
    def width(self) -> int:
        return 2 + 2 * len(self.pycols)


def plan(table: Table, key: str | None) -> CsvPlan:
    """Segments of SQL-printed fields around the Python columns (always possible: a column SQL
    cannot print becomes a Python column)."""
    items: list[str] = []  # SQL of each result field after the key
    segment: list[str] = []
    pycols: list[int] = []
    slow = []
    for i, col in enumerate(table.columns):
        sep = "','" if i else None
        sql = field_sql(col)
        if sql is None:
            if sep:
                segment.append(sep)
            items.append(f"CONCAT({', '.join(segment)})" if segment else "''")
            segment = []
            items.append(f"IFNULL({_python_sql(col)}, CHAR(2))")
            pycols.append(i)
        else:
            if sep:
                segment.append(sep)
            segment.append(sql)
        # text exactly CHAR(2) matters only to the tuple path's NULL marker, not to records
        plain = col.kind in ("text", "text_repr") and col.extra.get("data_type") != "enum"
        bad = None if plain else _bad(col)
        if bad is not None:
            slow.append(f"({bad}) IS TRUE")
    items.append(f"CONCAT({', '.join(segment)})" if segment else "''")
    first = quote(key) if key else "''"
    if slow:
        first = f"IF({' OR '.join(slow)}, CONCAT(CHAR(3), {first}), {first})"
    select = f"CONCAT_WS(CHAR(1), {', '.join([first, *items])})"
    return CsvPlan(select, tuple(pycols), key is not None)


def _python_sql(col: Column) -> str:
    q = quote(col.name)
    return f"{q} + 0e0" if col.kind == "float" else q


def _raw_formats(col: Column) -> tuple[Fmt, Fmt]:
    """(sent, checked) for a Python column's raw MySQL text."""
    if col.extra.get("data_type") == "set":

        def as_array(text: str) -> str:
            return pg_csv_field(pg_array_text(text.split(",") if text else []))

        return as_array, as_array
    return python_formats(col)


def record_builder(table: Table, plan: CsvPlan) -> Callable[[list[str]], tuple[str, str]]:
    """From a line's parts (key, seg, py, seg, ...) to (sent, checked), compiled once per
    table."""
    env: dict[str, Any] = {"N": NULL, "Z": null_field()}
    sent, checked = [], []
    for n, col_index in enumerate(plan.pycols):
        s_fmt, c_fmt = _raw_formats(table.columns[col_index])
        env[f"s{n}"], env[f"c{n}"] = s_fmt, c_fmt
        seg, val = f"f[{1 + 2 * n}]", f"f[{2 + 2 * n}]"
        sent += [seg, f"(Z if {val} == N else s{n}({val}))"]
        checked += [seg, f"(Z if {val} == N else c{n}({val}))"]
    last = f"f[{1 + 2 * len(plan.pycols)}]"
    sent.append(last)
    checked.append(last)
    if not plan.pycols:
        return eval(f"lambda f: ({last},) * 2", env)
    body = f"lambda f: ({' + '.join(sent)}, {' + '.join(checked)})"
    return eval(body, env)


Lines = list[bytes]
BatchBuilder = Callable[[Lines], "tuple[list[str], list[str]] | None"]


def batch_builder(table: Table, plan: CsvPlan) -> BatchBuilder:
    """Records of a whole batch of lines at once: one join, one decode and one split for the
    batch, then column by column. Gives None when the batch is not plain (a NUL byte, a row
    the server flagged, a separator inside a value); the caller then goes line by line. Raises
    ValueError (invalid UTF-8, JSON jsonb cannot hold) the same way."""
    width = plan.width
    formats = [_raw_formats(table.columns[i]) for i in plan.pycols]
    null, z = NULL, null_field()

    def build(lines: Lines) -> tuple[list[str], list[str]] | None:
        try:
            blob = b"\x01".join(lines)
        except TypeError:  # a NULL line
            return None
        if b"\x00" in blob:
            return None
        flat = blob.decode("utf-8").split("\x01")
        if len(flat) != width * len(lines) or SLOW in "".join(flat[0::width]):
            return None
        sent: list[list[str]] = []
        checked: list[list[str]] = []
        for j in range(1, width):
            values = flat[j::width]
            if j % 2:  # a segment SQL printed
                sent.append(values)
                checked.append(values)
                continue
            s_fmt, c_fmt = formats[j // 2 - 1]
            sent.append([z if v == null else s_fmt(v) for v in values])
            checked.append([z if v == null else c_fmt(v) for v in values])
        join = "".join
        rows = zip(*sent, strict=True), zip(*checked, strict=True)
        return list(map(join, rows[0])), list(map(join, rows[1]))

    return build


def record(table: Table, values: tuple[Any, ...]) -> tuple[str, str]:
    """(sent, checked) of a row from the per-field path."""
    sent, checked = [], []
    null = null_field()
    for col, value in zip(table.columns, values, strict=True):
        if value is None:
            sent.append(null)
            checked.append(null)
            continue
        s_fmt, c_fmt = python_formats(col)
        text = value if isinstance(value, str | bytes) else str(value)
        sent.append(s_fmt(text))  # type: ignore[arg-type]
        checked.append(c_fmt(text))  # type: ignore[arg-type]
    return ",".join(sent), ",".join(checked)
