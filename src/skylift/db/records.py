"""What every source's reader shares with the engine (db/copy.py, db/verify.py): the binary
COPY frame, a stream of records with its digest, the signal to read a chunk another way, and
how a raw value is kept in the reject table. Engine-neutral, and light to import."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any

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
        text = value if isinstance(value, str) else repr(value)
    return text.replace("\x00", "\\x00")


def json_safe(value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            return {"$hex": value.hex()}
        return text if "\x00" not in text else {"$hex": value.hex()}
    if isinstance(value, str) and "\x00" in value:
        return {"$hex": value.encode("utf-8", "surrogateescape").hex()}
    if isinstance(value, float) and value != value:
        return None
    return value


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
