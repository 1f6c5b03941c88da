"""SQLite rows in PostgreSQL's binary COPY format.

Used for tables whose every column PostgreSQL stores exactly as it receives it: bigint, boolean,
double precision, text, bytea, and dates and times in their plain ISO form. Two gains:
- PostgreSQL skips parsing text (about half of its CPU time on a load);
- verification becomes a byte comparison. PostgreSQL sends a stored row back in binary exactly
  as it received it, so the digest of each row sent must equal the digest of the row read back:
  one float bit, one character, one microsecond, one lost or doubled row changes the sum.

Every value is checked here before it is encoded: its storage class against the column's kind,
booleans against 0/1, and each date or time parsed by Python's ISO reader (never guessed). A
value that fails goes to skylift.rejects with the reason. Other tables travel as CSV
(_csv.py).

Where the optional C accelerator was built (csrc/fastcopy.c, `skylift.db._fastcopy`), it reads
and encodes the plain rows of a chunk without a Python object per value, in about a quarter of
the CPU; the first value it does not take as plain sends the table back to this module's path. Both
send the same bytes with the same digest. SKYLIFT_PURE_PYTHON=1 turns the accelerator off.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from typing import Any

from psycopg._copy_base import format_row_binary
from psycopg.adapt import Transformer
from psycopg.pq import Format

from skylift.db import _accel
from skylift.db.records import jsonb_binary, numeric_binary
from skylift.db.schema import Column, Table

# pg_type -> oid; only types whose binary form round-trips byte for byte
OIDS = {
    "bigint": 20,
    "boolean": 16,
    "double precision": 701,
    "text": 25,
    "bytea": 17,
    "date": 1082,
    "timestamptz": 1184,
}
PY_TYPES: dict[str, type] = {
    "int": int,
    "bool": int,
    "float": float,
    "text": str,
    "bytes": bytes,
    "date": str,
    "timestamptz": str,
}
CLASS = {int: "an integer", float: "a real number", str: "text", bytes: "a binary value"}
Failure = tuple[int, str, str]  # row index in the batch, column, reason


# column kind -> the accelerator's code for it
FAST_KINDS = {
    "int": "i",
    "bool": "b",
    "float": "f",
    "text": "t",
    "bytes": "x",
    "date": "d",
    "timestamptz": "z",
    "numeric": "n",
    "json": "j",
}
PAYLOAD_KINDS = ("numeric", "json")  # encoded here, then written as bytes (no psycopg dumper)
NUMERIC = re.compile(r"numeric\((\d+)(?:,(\d+))?\)")


UTC_SUFFIX = "c || '+00'"  # the plan of a plain timestamp taken as UTC (_profile.py)


def numeric_type(col: Column) -> tuple[int, int] | None:
    """(precision, scale) of a numeric(p,s) column; None for any other column."""
    typed = NUMERIC.fullmatch(col.pg_type) if col.kind == "numeric" else None
    return (int(typed.group(1)), int(typed.group(2) or 0)) if typed else None


def fast_columns(table: Table) -> tuple[list[str], str]:
    """The accelerator's SELECT list (the plans' SQL, with `c` for the column) and its kinds:
    a plain UTC timestamp is read as it is stored and taken as UTC by the encoder (kind Z)."""
    selects, kinds = [], ""
    for col in table.columns:
        plan = col.extra["plan"]
        if col.kind == "timestamptz" and plan.select == UTC_SUFFIX:
            selects.append("c")
            kinds += "Z"
        else:
            selects.append(plan.select)
            kinds += FAST_KINDS[col.kind]
    return selects, kinds


def fast_records(uri: str, sql: str, params: list[Any], table: Table, kinds: str) -> Any:
    """The accelerator's (bytes, rows) batches of a chunk's SELECT; `.digest()` at the end."""
    scales = [(numeric_type(c) or (0, 0))[1] for c in table.columns]
    return _accel.fastcopy.Records(uri, sql, tuple(params), kinds, scales=scales)


def _oid(col: Column) -> int | None:
    if col.pg_type.startswith("varchar("):
        return 1043
    if col.kind in PAYLOAD_KINDS:
        return 17  # already PostgreSQL's binary form (PAYLOADS): written as it is
    return OIDS.get(col.pg_type)


def binary_able(table: Table) -> bool:
    """True when every column can travel in binary: a known type, no Python conversion, and
    timestamps in the plain 'YYYY-MM-DD HH:MM:SS' form the profile found on every row; numeric
    and JSON columns only where the accelerator prints jsonb (elsewhere CSV is faster)."""
    for col in table.columns:
        plan = col.extra.get("plan")
        if plan is None or plan.convert:
            return False
        if col.kind in PAYLOAD_KINDS:
            typed = numeric_type(col) if col.kind == "numeric" else col.pg_type == "jsonb"
            if not typed or not _accel.has_jsonb():
                return False
        elif col.kind not in PY_TYPES or _oid(col) is None:
            return False
    return True


def _numeric(precision: int, scale: int) -> Callable[[Any], bytes]:
    """A value SQLite stored in a numeric(p,s) column as PostgreSQL's binary numeric, read as
    numeric_in reads the text the CSV path sends (an integer's digits, a real's repr())."""
    quantum = Decimal(1).scaleb(-scale)

    def encode(value: Any) -> bytes:
        if isinstance(value, bytes):
            raise ValueError("a binary value in a numeric column")
        text = repr(value) if isinstance(value, float) else str(value)
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            raise ValueError(f"{text!r} is not a number") from None
        if number.is_nan():
            return struct.pack(">hhHh", 0, 0, 0xC000, 0)
        if not number.is_finite():
            raise ValueError(f"{text} in a numeric({precision},{scale}) column")
        with localcontext(Context(prec=3000)):
            rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
        whole = format(abs(rounded), "f").split(".")[0].lstrip("0")
        if len(whole) > precision - scale:
            raise ValueError(f"{text} does not fit numeric({precision},{scale})")
        return numeric_binary(format(rounded, "f"), scale)

    return encode


def payload(col: Column) -> Callable[[Any], bytes]:
    typed = numeric_type(col)
    return _numeric(*typed) if typed else jsonb_binary


PARSERS: dict[str, Callable[[str], Any]] = {
    "date": dt.date.fromisoformat,
    "timestamptz": dt.datetime.fromisoformat,  # the plan's SQL appended '+00': naive is UTC
}


class Encoder:
    """Encodes batches of one table's rows (as the plan's SELECT gives them)."""

    def __init__(self, table: Table, to_text: Callable[[Any], str]) -> None:
        """`to_text`: how a number or blob in a text column becomes text (it may raise
        ValueError with the reason)."""
        self.table = table
        self.to_text = to_text
        self.tx = Transformer()
        self.tx.set_dumper_types([_oid(c) or 0 for c in table.columns], Format.BINARY)
        self.expected = [PY_TYPES.get(c.kind, object) for c in table.columns]
        self.payloads = [
            (i, payload(c)) for i, c in enumerate(table.columns) if c.kind in PAYLOAD_KINDS
        ]
        self.parsers = [
            (i, PARSERS[c.kind]) for i, c in enumerate(table.columns) if c.kind in PARSERS
        ]
        self.bools = [i for i, c in enumerate(table.columns) if c.kind == "bool"]
        self.texts = {i for i, c in enumerate(table.columns) if c.kind == "text"}

    def encode(self, batch: list[tuple[Any, ...]]) -> tuple[list[bytearray], list[Failure]]:
        """One binary record per row (without the COPY header), and the rows that failed."""
        if not batch:
            return [], []
        try:
            return self._fast(batch), []
        except (ValueError, TypeError, OverflowError):
            return self._slow(batch)

    def _fast(self, batch: list[tuple[Any, ...]]) -> list[bytearray]:
        out: list[bytearray] = []
        append, tx = out.append, self.tx
        for row in zip(*self._columns(batch), strict=True):
            record = bytearray()
            format_row_binary(row, tx, record)
            append(record)
        return out

    def _columns(self, batch: list[tuple[Any, ...]]) -> list[Any]:
        """The batch by column, checked and parsed; raises on the first value that is not
        what its column holds (the caller then goes row by row)."""
        columns: list[Any] = list(zip(*batch, strict=True))
        for i, encode in self.payloads:
            columns[i] = [None if v is None else encode(v) for v in columns[i]]
        for i, (values, expected) in enumerate(zip(columns, self.expected, strict=True)):
            if expected is object or set(map(type, values)) <= {expected, type(None)}:
                continue
            if i not in self.texts:
                raise TypeError("a value of another storage class")
            columns[i] = [None if v is None else self.to_text(v) for v in values]
        for i in self.bools:
            if not set(columns[i]) <= {0, 1, None}:
                raise ValueError("not a boolean")
        for i, parse in self.parsers:
            values = columns[i]
            columns[i] = (
                list(map(parse, values))
                if None not in values
                else [None if v is None else parse(v) for v in values]
            )
        return columns

    def _slow(self, batch: list[tuple[Any, ...]]) -> tuple[list[bytearray], list[Failure]]:
        out: list[bytearray] = []
        failed: list[Failure] = []
        for n, row in enumerate(batch):
            try:
                out.append(self._fast([row])[0])
            except (ValueError, TypeError, OverflowError):
                column, reason = self._why(row)
                failed.append((n, column, reason))
        return out, failed

    def _why(self, row: tuple[Any, ...]) -> tuple[str, str]:
        for col, value, expected in zip(self.table.columns, row, self.expected, strict=True):
            if value is None:
                continue
            if col.kind in PAYLOAD_KINDS:
                try:
                    payload(col)(value)
                except ValueError as exc:
                    return col.name, str(exc)
                continue
            if col.kind == "text" and type(value) is not str:
                try:
                    self.to_text(value)
                except ValueError as exc:
                    return col.name, str(exc)
                continue
            if type(value) is not expected:
                return col.name, f"{CLASS.get(type(value), 'a value')} in a {col.pg_type} column"
            if col.kind == "bool" and value not in (0, 1):
                return col.name, "not a boolean (0 or 1)"
            if col.kind in PARSERS and isinstance(value, str):
                try:
                    PARSERS[col.kind](value)
                except ValueError as exc:
                    return col.name, f"impossible date or time ({exc})"
        return self.table.columns[0].name, "a value PostgreSQL cannot store as it is"
