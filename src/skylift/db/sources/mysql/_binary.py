"""MySQL rows as PostgreSQL binary COPY records, read with MySQL's binary protocol.

A table whose every column has a binary target here (integers, booleans, FLOAT and DOUBLE,
dates and times, text and enum labels, bytes) is read with a server-side prepared statement:
the server then sends numbers, dates and times in binary and prints nothing (against building
a CSV record per row in SQL, it spends about a fifth of the CPU), and the accelerator
(csrc/mysqlrows.c) cuts the row packets off the socket's bytes and encodes them for COPY
without a Python object per value. PostgreSQL sends a stored row back in binary exactly as it
received it, so verification compares the digests of the records (values.digest_records).

The accelerator skips a row with anything unusual and keeps its key; the rows so skipped are
read again by key through the per-field path (_values), encoded here in Python, or kept in
the reject table with the reason. Both encodings give the same bytes: tests compare them. Other
tables, and every table without the accelerator, travel as CSV records (_csv.py).
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pymysql import err
from pymysql.constants import COMMAND, FIELD_TYPE
from pymysql.protocol import FieldDescriptorPacket

from skylift.db import _accel
from skylift.db.records import RecordStream, jsonb_binary, numeric_binary
from skylift.db.schema import Column, Table
from skylift.db.sources.mysql._csv import char_width
from skylift.db.sources.mysql._sql import quote
from skylift.db.sources.mysql._values import Bad
from skylift.db.values import MASK

INTS = {FIELD_TYPE.TINY, FIELD_TYPE.SHORT, FIELD_TYPE.INT24, FIELD_TYPE.LONG,
        FIELD_TYPE.LONGLONG, FIELD_TYPE.YEAR}  # fmt: skip
STRINGS = {FIELD_TYPE.VARCHAR, FIELD_TYPE.VAR_STRING, FIELD_TYPE.STRING, FIELD_TYPE.ENUM,
           FIELD_TYPE.TINY_BLOB, FIELD_TYPE.MEDIUM_BLOB, FIELD_TYPE.LONG_BLOB, FIELD_TYPE.BLOB,
           FIELD_TYPE.GEOMETRY, FIELD_TYPE.BIT}  # fmt: skip
# the accelerator's target code -> the wire types it reads it from
WIRE: dict[str, set[int]] = {
    "k": INTS, "h": INTS, "i": INTS, "l": INTS, "b": INTS, "y": {FIELD_TYPE.YEAR},
    "B": {FIELD_TYPE.BIT}, "f": {FIELD_TYPE.FLOAT}, "F": {FIELD_TYPE.DOUBLE},
    "d": {FIELD_TYPE.DATE, FIELD_TYPE.NEWDATE},
    "T": {FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP}, "t": {FIELD_TYPE.TIME},
    "s": STRINGS, "e": STRINGS, "x": STRINGS, "c": STRINGS,
    "n": INTS | {FIELD_TYPE.DECIMAL, FIELD_TYPE.NEWDECIMAL},
    "j": STRINGS | {FIELD_TYPE.JSON},  # MariaDB's JSON is LONGTEXT; MySQL's has its own type
}  # fmt: skip
BINARY_CHARSET = 63
UNSIGNED = 32  # the column definition's UNSIGNED_FLAG
NUMERIC = re.compile(r"numeric\((\d+)(?:,(\d+))?\)")
_READ = 1 << 20


# the PostgreSQL types (as skylift's type map or a --type override spells them) each target
# writes exactly; a column of any other type travels the CSV way
EXACT = {
    "h": {"smallint", "int2"},
    "i": {"integer", "int", "int4"},
    "l": {"bigint", "int8"},
    "b": {"boolean", "bool"},
    "f": {"real", "float4"},
    "F": {"double precision", "float8"},
}
TEMPORAL = re.compile(r"(timestamptz|timestamp|time)(\(\d\))?")
TEXTS = re.compile(r"text|varchar(\(\d+\))?")


def target(col: Column) -> str | None:
    """The accelerator's target code of a column, or None when it cannot travel in binary."""
    pg = col.pg_type.lower().strip()
    dtype = col.extra.get("data_type")
    if dtype == "year":
        return "y" if pg in EXACT["h"] else None  # its 0 is NULL
    if dtype == "enum":  # its '' (the error value) is a reject, whatever the type
        return "e" if col.pg_type == col.extra.get("enum_type") or TEXTS.fullmatch(pg) else None
    if col.kind in ("bool", "int", "float"):
        code = next((c for c in "hilbfF" if pg in EXACT[c]), None)
        if code is None or (code == "b") != (col.kind == "bool"):
            return None
        return "B" if code == "b" and dtype == "bit" else code
    if col.kind == "numeric":
        return "n" if NUMERIC.fullmatch(pg) else None  # numeric(p,s), not plain numeric
    if col.kind == "json":
        return "j" if pg == "jsonb" and _accel.has_jsonb() else None
    temporal = TEMPORAL.fullmatch(pg)
    if col.kind in ("timestamp", "timestamptz") and temporal and temporal.group(1) != "time":
        return "T"
    if col.kind == "time" and temporal and temporal.group(1) == "time":
        return "t"
    simple = {"date": "d", "bytes": "x"}
    if col.kind in simple and pg == {"date": "date", "bytes": "bytea"}[col.kind]:
        return simple[col.kind]
    if col.kind == "text" and TEXTS.fullmatch(pg):
        return "s"
    if 0 < char_width(col) < 256:
        return "c"  # PostgreSQL pads it with spaces; MySQL sends it trimmed
    return None


def binary_able(table: Table) -> bool:
    """True when the accelerator is on and every column has a binary target."""
    return _accel.enabled() and all(target(c) is not None for c in table.columns)


def scale(col: Column) -> int:
    """The display scale of a numeric(p,s) column, the length of a char(n) one, else 0."""
    if target(col) == "c":
        return char_width(col)
    typed = NUMERIC.fullmatch(col.pg_type) if col.kind == "numeric" else None
    return int(typed.group(2) or 0) if typed else 0


@dataclass(frozen=True)
class Plan:
    columns: str  # the SELECT list: the integer key first, when there is one
    codes: str  # the accelerator's target of each selected column
    scales: bytes  # the display scale of each selected column (numeric)


def plan(table: Table, key: str | None) -> Plan:
    names = ([key] if key else []) + [c.name for c in table.columns]
    codes = ("k" if key else "") + "".join(str(target(c)) for c in table.columns)
    scales = bytes(([0] if key else []) + [scale(c) for c in table.columns])
    return Plan(", ".join(quote(n) for n in names), codes, scales)


def spec(plan: Plan, fields: list[Any]) -> bytes | None:
    """The accelerator's column spec from the result's column definitions; None when a column
    comes in a wire type its target does not read."""
    out = bytearray()
    for code, places, field in zip(plan.codes, plan.scales, fields, strict=True):
        wire = field.type_code
        if wire not in WIRE[code]:
            return None
        textual = code in "sec"  # ("x" takes any bytes, "j" any UTF-8 JSON)
        if wire in STRINGS and code in "secx" and textual == (field.charsetnr == BINARY_CHARSET):
            return None
        out += bytes([wire, ord(code), 1 if field.flags & UNSIGNED else 0, places])
    return bytes(out)


class Statement:
    """A server-side prepared statement and its result's column definitions (`fields`);
    executed once, its rows stay on the wire for `records`."""

    def __init__(self, conn: Any, sql: str) -> None:
        self.conn = conn
        conn._execute_command(COMMAND.COM_STMT_PREPARE, sql)
        head = conn._read_packet().get_all_data()
        self.id: int | None
        self.id, ncols, nparams = struct.unpack_from("<IHH", head, 1)
        for _ in range(nparams + (1 if nparams else 0)):  # definitions, then an EOF packet
            conn._read_packet()
        self.fields = [conn._read_packet(FieldDescriptorPacket) for _ in range(ncols)]
        if ncols:
            conn._read_packet()  # EOF
        self.finished = True  # nothing of it is on the wire

    def execute(self) -> None:
        """Sends COM_STMT_EXECUTE and reads up to the first row."""
        conn = self.conn
        conn._execute_command(COMMAND.COM_STMT_EXECUTE, struct.pack("<IBI", self.id, 0, 1))
        self.finished = False
        ncols = conn._read_packet().read_length_encoded_integer()
        for _ in range(ncols + 1):  # the column definitions again, then an EOF packet
            conn._read_packet()

    def close(self) -> None:
        if self.id is None:
            return
        if self.finished:
            self.conn._execute_command(COMMAND.COM_STMT_CLOSE, struct.pack("<I", self.id))
        else:  # rows are still on the wire: this connection cannot be used again
            self.conn._force_close()
        self.id = None


class TooBig(Exception):
    """A row of 16 MB or more: the per-field path reads that table."""


def records(conn: Any, stmt: Statement, rows: Any) -> Iterator[tuple[bytes, int]]:
    """The result's rows through the accelerator's `MyRows`: (records, rows) per socket read."""
    rfile = conn._rfile
    buf, pos = b"", 0
    while True:
        more = rfile.read1(_READ)
        if not more:
            raise err.OperationalError(2013, "Lost connection to MySQL server during query")
        buf = buf[pos:] + more if pos < len(buf) else more
        data, count, pos, status = rows.feed(buf, 0)
        if count:
            yield data, count
        if status == 1:
            stmt.finished = True
            return
        if status == 2:
            stmt.finished = True
            err.raise_mysql_exception(_error_payload(buf, pos, rfile))
        if status == 3:
            raise TooBig


def _error_payload(buf: bytes, pos: int, rfile: Any) -> bytes:
    length = int.from_bytes(buf[pos : pos + 3], "little")
    while len(buf) < pos + 4 + length:
        buf += rfile.read1(_READ)
    return buf[pos + 4 : pos + 4 + length]


# ---- the Python encoding of rows from the per-field path ----------------------------------

EPOCH = dt.datetime(2000, 1, 1)
NULL_FIELD = b"\xff\xff\xff\xff"


def _micros(delta: dt.timedelta) -> int:
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _bool(value: str) -> bytes:
    if value not in ("0", "1"):
        raise ValueError(f"{value} is not a boolean (0 or 1)")
    return b"\x01" if value == "1" else b"\x00"


def _time(value: str) -> bytes:
    t = dt.time.fromisoformat(value)
    return struct.pack(">q", _micros(dt.datetime.combine(EPOCH, t) - EPOCH))


def _numeric(places: int) -> Callable[[str], bytes]:
    """A plain decimal's text as PostgreSQL's binary numeric (csrc/mysqlrows.c put_numeric)."""
    return lambda text: numeric_binary(text, places)


def _int(fmt: str, pg_type: str) -> Callable[[str], bytes]:
    def encode(value: str) -> bytes:
        try:
            return struct.pack(fmt, int(value))
        except struct.error:
            raise ValueError(f"{value} is out of range for {pg_type}") from None

    return encode


ENCODERS: dict[str, Callable[[Any], bytes]] = {
    "h": _int(">h", "smallint"),
    "y": _int(">h", "smallint"),
    "i": _int(">i", "integer"),
    "l": _int(">q", "bigint"),
    "b": _bool,
    "B": _bool,
    "f": lambda v: struct.pack(">f", float(v)),
    "F": lambda v: struct.pack(">d", float(v)),
    "d": lambda v: struct.pack(">i", (dt.date.fromisoformat(v) - EPOCH.date()).days),
    "T": lambda v: struct.pack(
        ">q", _micros(dt.datetime.fromisoformat(v.removesuffix("+00")) - EPOCH)
    ),
    "t": _time,
    "s": lambda v: v.encode(),
    "e": lambda v: v.encode(),
    "x": bytes,
    "j": jsonb_binary,
}


def _encoder(col: Column) -> Callable[[Any], bytes]:
    code = target(col)
    if code == "n":
        return _numeric(scale(col))
    if code == "c":
        width = scale(col)
        return lambda v: (v + " " * (width - len(v))).encode()
    return ENCODERS[str(code)]


def encoder(table: Table) -> Callable[[list[Any]], bytes]:
    """A row of the per-field path's values to its record; raises Bad(reason, column index)."""
    funcs = [_encoder(c) for c in table.columns]
    head = struct.pack(">h", len(funcs))

    def encode(values: list[Any]) -> bytes:
        parts = [head]
        for i, (func, value) in enumerate(zip(funcs, values, strict=True)):
            if value is None:
                parts.append(NULL_FIELD)
                continue
            try:
                data = func(value)
            except ValueError as exc:
                raise Bad(str(exc), i) from None
            parts.append(struct.pack(">i", len(data)) + data)
        return b"".join(parts)

    return encode


class Stream:
    """(records, rows) batches with their digest: the accelerator's (`start` runs the statement
    and gives the batches and the `MyRows` encoding them), then those of the rows it skipped,
    read again by key (`again` gives their records)."""

    def __init__(self, start: Callable[[], tuple[Iterator[tuple[bytes, int]], Any]],
                 again: Callable[[list[int]], Iterator[tuple[list[bytes], list[Any]]]]) -> None:  # fmt: skip
        self.start, self.again = start, again
        self.rows: Any = None
        self.skipped: RecordStream | None = None

    def __iter__(self) -> Iterator[tuple[bytes, int]]:
        fast, self.rows = self.start()
        yield from fast
        keys = list(self.rows.unusual)
        if keys:
            self.skipped = RecordStream(self.again(keys))
            yield from self.skipped

    def digest(self) -> int:
        skipped = self.skipped.digest() if self.skipped else 0
        return (int(self.rows.digest()) + skipped) & MASK
