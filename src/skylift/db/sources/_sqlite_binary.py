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
(_sqlite_csv.py).

Where the optional C accelerator was built (csrc/fastcopy.c, `skylift.db._fastcopy`), it reads
and encodes the plain rows of a chunk without a Python object per value, in about a quarter of
the CPU; the first value it does not take as plain sends the table back to this module's path. Both
send the same bytes with the same digest. SKYLIFT_PURE_PYTHON=1 turns the accelerator off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from psycopg._copy_base import format_row_binary
from psycopg.adapt import Transformer
from psycopg.pq import Format

from skylift.db import _accel
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
}


UTC_SUFFIX = "c || '+00'"  # the plan of a plain timestamp taken as UTC (_sqlite_profile.py)


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


def fast_records(uri: str, sql: str, params: list[Any], kinds: str) -> Any:
    """The accelerator's (bytes, rows) batches of a chunk's SELECT; `.digest()` at the end."""
    return _accel.fastcopy.Records(uri, sql, tuple(params), kinds)


def _oid(col: Column) -> int | None:
    if col.pg_type.startswith("varchar("):
        return 1043
    return OIDS.get(col.pg_type)


def binary_able(table: Table) -> bool:
    """True when every column can travel in binary: a known type, no Python conversion, and
    timestamps in the plain 'YYYY-MM-DD HH:MM:SS' form the profile found on every row."""
    for col in table.columns:
        plan = col.extra.get("plan")
        if plan is None or plan.convert or col.kind not in PY_TYPES or _oid(col) is None:
            return False
    return True


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
        self.expected = [PY_TYPES[c.kind] for c in table.columns]
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
        for i, (values, expected) in enumerate(zip(columns, self.expected, strict=True)):
            if set(map(type, values)) <= {expected, type(None)}:
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
