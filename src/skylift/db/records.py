"""What every source's reader shares with the engine (db/copy.py, db/verify.py): the binary
COPY frame, a stream of records with its digest, the signal to read a chunk another way, and
how a raw value is kept in the reject table. Engine-neutral, and light to import."""

from __future__ import annotations

import datetime as dt
import json
import math
import struct
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import pq

from skylift.db import pgtext
from skylift.db.schema import Table
from skylift.db.values import MASK, digest_records

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no header extension
TRAILER = b"\xff\xff"
CSV_NULL = "\\N"  # NULL in CSV records (COPY ... NULL '\N')
QUOTED = ("text", "json")  # kinds read back with FORCE_QUOTE: always quoted when not NULL


class SlowPath(Exception):
    """The reader now reads this table another way (text that is not valid UTF-8, a value the
    accelerator does not take): the caller reloads the chunk."""


class RecordStream:
    """Batches of records as one buffer each, with their digest (values.digest_records): the
    Python path's counterpart of the accelerator's `Records`."""

    def __init__(self, batches: Iterable[tuple[list[Any], list[Any]]]) -> None:
        self.batches = batches
        self.total = 0

    def __iter__(self) -> Iterator[tuple[bytes, int]]:
        for records, rows in self.batches:
            self.total += digest_records(records)
            yield b"".join(records), len(rows)

    def digest(self) -> int:
        return self.total & MASK


def printable(value: Any) -> str:
    """A raw value as text PostgreSQL can store (no NUL); bytes that are not UTF-8 escaped."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", "backslashreplace")
    else:
        text = value if isinstance(value, str) else str(value)
    return text.replace("\x00", "\\x00")


# Tags of the values a reject row's JSON (jsonb) cannot hold as they are; json_restore reads
# them back. A dict of one "$" key is itself tagged, so a document's own {"$bytes": ...} stays
# a document.
TAGS = ("$bytes", "$text", "$float", "$decimal", "$object", "$repr")


def json_safe(value: Any) -> Any:
    """A value as JSON jsonb stores exactly: anything jsonb cannot hold (bytes, text with NUL
    or lone surrogates, Infinity, NaN, -0.0, Decimal, dates...) as a one-key tagged object,
    reversibly (json_restore)."""
    if value is None or (isinstance(value, bool | int | str) and _plain(value)):
        return value
    if isinstance(value, float):
        text = repr(value)
        if math.isfinite(value) and (value or text[0] != "-") and "e" not in text:
            return value
        # inf, -inf, nan, -0.0; and 1e+300: jsonb prints it as digits, read back as an int
        return {"$float": text}
    if isinstance(value, str):
        return {"$text": value.encode("utf-8", "surrogatepass").hex()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": bytes(value).hex()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dict):
        out = {str(k): json_safe(v) for k, v in value.items()}
        single = len(out) == 1 and next(iter(out)).startswith("$")
        return {"$object": out} if single else out
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return str(value)
    return {"$repr": repr(value)}


def _plain(value: int | str) -> bool:
    if isinstance(value, int):
        return True
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def json_restore(value: Any) -> Any:
    """The value json_safe encoded (dates and times stay their text)."""
    if isinstance(value, list):
        return [json_restore(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        tag, inner = next(iter(value.items()))
        if tag == "$object":
            return {k: json_restore(v) for k, v in inner.items()}
        if tag in ("$bytes", "$text"):
            raw = bytes.fromhex(inner)
            return raw if tag == "$bytes" else raw.decode("utf-8", "surrogatepass")
        if tag == "$float":
            return float(inner)
        if tag == "$decimal":
            return Decimal(inner)
    return {k: json_restore(v) for k, v in value.items()}


def reject_json(row: dict[str, Any] | None) -> str | None:
    """A reject's whole row (column -> json_safe value) as JSON text jsonb accepts. A reader
    that left a raw value in it still gets its row kept, that value tagged: recording a reject
    must never fail the chunk (a rerun would fail the same way, forever)."""
    if row is None:
        return None
    try:
        return json.dumps(row, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        safe = {k: v if _dumps(v) else json_safe(v) for k, v in row.items()}
        return json.dumps(safe, ensure_ascii=False, allow_nan=False)


def _dumps(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def csv_target_select(
    table: Table, name: Callable[[str], str], qualified: str
) -> tuple[str, list[str]]:
    """The SELECT whose CSV output verification compares, and the columns to FORCE_QUOTE."""
    cols = [
        f"float8send({name(c.name)})" if c.kind == "float" else name(c.name) for c in table.columns
    ]
    quoted = [f"c{i}" for i, c in enumerate(table.columns) if c.kind in QUOTED]
    aliased = ", ".join(f"{expr} AS c{i}" for i, expr in enumerate(cols))
    return f"SELECT {aliased} FROM {qualified}", quoted


def numeric_binary(text: str, places: int) -> bytes:
    """A plain decimal's text (at most `places` fraction digits) as PostgreSQL's binary numeric
    of that display scale, in the form it stores and sends back (csrc/mysqlrows.c put_numeric):
    base-10000 digits without leading or trailing zero ones, zero positive with weight 0."""
    negative = text.startswith("-")
    whole, _, fraction = text.removeprefix("-").partition(".")
    if not (whole + fraction).isdigit() or not whole + fraction or len(fraction) > places:
        raise ValueError(f"{text} is not a decimal of scale {places}")
    whole = whole.lstrip("0")
    whole = whole.rjust(-(-len(whole) // 4) * 4, "0")
    digits = whole + fraction.ljust(-(-len(fraction) // 4) * 4, "0")
    groups = [int(digits[i : i + 4]) for i in range(0, len(digits), 4)]
    weight = len(whole) // 4 - 1
    while groups and groups[0] == 0:
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight, negative = 0, False
    head = struct.pack(">hhHh", len(groups), weight, 0x4000 if negative else 0, places)
    return head + struct.pack(f">{len(groups)}H", *groups)


def jsonb_binary(value: Any) -> bytes:
    """A JSON document as PostgreSQL's binary jsonb (its version byte, then the document as
    jsonb prints it: what PostgreSQL sends back); ValueError when jsonb cannot hold it."""
    if isinstance(value, bytes):
        raise ValueError("a binary value in a JSON column")
    try:
        return b"\x01" + pgtext.jsonb(str(value)).encode()
    except (ValueError, TypeError, ArithmeticError) as exc:  # NaN, lone surrogates, ...
        raise ValueError(f"JSON jsonb cannot hold ({exc})") from None


def expect_result(pg: Any, status: pq.ExecStatus) -> None:
    """The next libpq result must have `status` (else a DataError with the server's message);
    after anything but COPY OUT the results after it are consumed."""
    result = pg.get_result()
    ok = result is not None and result.status == status
    message = result.error_message.decode(errors="replace") if result is not None else "no result"
    if status != pq.ExecStatus.COPY_OUT or not ok:
        while pg.get_result() is not None:
            pass
    if not ok:
        raise psycopg.DataError(message)
