"""The fast path for MySQL rows: the server joins each row into one string, Python splits it.

Cutting fields off the wire costs Python work per field; here MySQL builds
CONCAT_WS(CHAR(1), key, ...) per row, with NULL as CHAR(2), zero dates already NULL, blobs in
hex and FLOAT widened, so each row is one field, one decode and one split (both in C). A row
the server sees a problem in (the `slow` condition: the rules of _values) comes as
CHAR(3) + its key instead; so does, seen in Python, a row with a NUL or with a separator inside
a value. Those rows are read again by key through the per-field path, which gives them their
reasons. Both paths produce the same values, so `canonical` serves both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skylift.db.schema import Column, Table
from skylift.db.sources.mysql._sql import quote

SEP, NULL = "\x01", "\x02"
_SIMPLE_LABEL = re.compile(r"^[A-Za-z0-9_.@:/-]+$")
TEXTUAL = {"text", "json", "text_repr"}


SLOW = "\x03"


@dataclass(frozen=True)
class FastPlan:
    select: str  # the one expression giving a row's line
    key: str | None  # the integer key column (first field of every line), if any
    hex_columns: tuple[int, ...]  # fields sent as HEX(), to turn back into bytes
    width: int  # fields in a line, key included


def _value(col: Column) -> str | None:
    """The SQL giving the column's COPY text, or None when the fast path cannot carry it."""
    q = quote(col.name)
    dtype = col.extra.get("data_type")
    if dtype == "year":
        return f"NULLIF({q}, 0)"
    if dtype == "bit":
        width = 1 if col.kind == "bool" else int(col.pg_type[4:-1])
        return f"LPAD(BIN({q} + 0), {width}, '0')"
    if col.kind == "float":
        return f"{q} + 0e0"
    if col.kind == "bytes":
        return f"HEX({q})"
    if col.kind in ("date", "timestamp"):
        return f"IF({q} = 0, NULL, {q})"
    if col.kind == "timestamptz":
        return f"IF({q} = 0, NULL, CONCAT({q}, '+00'))"
    if dtype == "set":
        labels = col.extra.get("labels") or []
        if not all(_SIMPLE_LABEL.match(str(label)) for label in labels):  # type: ignore[attr-defined,unused-ignore]
            return None  # labels that need quoting in an array literal
        return f"CONCAT('{{', {q}, '}}')"
    if col.kind in ("int", "bool", "numeric", "time") or col.kind in TEXTUAL:
        return q
    return None


def _bad(col: Column) -> str | None:
    """SQL: this value is one the per-field path rejects (or must look at itself)."""
    q = quote(col.name)
    dtype = col.extra.get("data_type")
    if col.kind in ("date", "timestamp", "timestamptz"):
        # a day or month 0 (zero dates excepted) or year 0; other impossible dates, possible
        # only with ALLOW_INVALID_DATES, PostgreSQL refuses and the engine isolates
        return f"({q} <> 0 AND (MONTH({q}) = 0 OR DAY({q}) = 0 OR YEAR({q}) = 0))"
    if col.kind == "time":
        return f"({q} < '00:00:00' OR {q} >= '24:00:00')"
    if dtype == "enum":
        return f"{q} = ''"
    if col.kind == "json":
        return f"LOCATE('\\\\u0000', {q}) > 0"
    if col.kind in TEXTUAL:
        return f"{q} = CHAR(2)"  # would read as NULL (NUL and CHAR(1) are seen in Python)
    return None


def plan(table: Table, key: str | None) -> FastPlan | None:
    """The fast path for `table`; `key` is its integer key, which every line starts with."""
    exprs = [quote(key)] if key else []
    slow, hexes = [], []
    offset = len(exprs)
    for i, col in enumerate(table.columns):
        value = _value(col)
        if value is None:
            return None
        exprs.append(f"IFNULL({value}, CHAR(2))")
        bad = _bad(col)
        if bad is not None:
            slow.append(f"({bad}) IS TRUE")
        if col.kind == "bytes":
            hexes.append(i + offset)
    line = f"CONCAT_WS(CHAR(1), {', '.join(exprs)})"
    if slow:
        marker = f"CONCAT(CHAR(3), {quote(key)})" if key else "CHAR(3)"
        line = f"IF({' OR '.join(slow)}, {marker}, {line})"
    return FastPlan(select=line, key=key, hex_columns=tuple(hexes), width=len(exprs))


def row_builder(plan: FastPlan) -> Callable[[list[str]], tuple[Any, ...]]:
    """A function from a line's fields to the row's tuple (key dropped, NULLs, hex decoded),
    compiled once per table: one call per row instead of a loop over its fields."""
    first = 1 if plan.key is not None else 0
    items = []
    for j in range(first, plan.width):
        value = f"fromhex(p[{j}])" if j in plan.hex_columns else f"p[{j}]"
        items.append(f"None if p[{j}] == N else {value}")
    body = "(" + "".join(f"({item}), " for item in items) + ")"
    return eval(f"lambda p: {body}", {"N": NULL, "fromhex": bytes.fromhex})  # type: ignore[no-any-return,unused-ignore]
