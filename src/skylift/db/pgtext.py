"""PostgreSQL's own text output, reproduced exactly, for values computed from a source.

Verification compares digests of CSV records computed from the source with digests of the
records PostgreSQL prints for the stored rows (`COPY ... TO STDOUT (FORMAT csv)` under SESSION).
Where the target server is at hand it normalizes source values itself (db/copy.py
`normalizer`); these functions are the same forms in Python, for when it is not. They must match
PostgreSQL byte for byte; tests compare them with a real server. Floats are compared by their
bits (float8send), so no float formatting is needed here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

# the session settings under which PostgreSQL prints values in the forms below
SESSION = (
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1; "
    "SET bytea_output = 'hex'; SET IntervalStyle = 'postgres'"
)


def csv_text(value: str) -> str:
    """A quoted CSV field (columns read back with FORCE_QUOTE are always quoted)."""
    return '"' + value.replace('"', '""') + '"'


def csv_field(value: str) -> str:
    """A CSV field as COPY ... CSV NULL '\\N' writes it without FORCE_QUOTE: quoted only when
    it must be (a delimiter, quote or line break in it, empty, or the NULL marker)."""
    if not value or value == "\\N" or any(ch in value for ch in ',"\n\r'):
        return csv_text(value)
    return value


def numeric(value: Any, scale: int | None) -> str:
    """numeric_out for a value stored into numeric(p, scale) (or plain numeric)."""
    dec = (
        value
        if isinstance(value, Decimal)
        else Decimal(repr(value) if isinstance(value, float) else str(value))
    )
    if dec.is_nan():
        return "NaN"
    if dec.is_infinite():
        return "Infinity" if dec > 0 else "-Infinity"
    if scale is not None:
        dec = dec.quantize(Decimal(1).scaleb(-scale))
    text = format(dec, "f")  # no exponent: 1E+2 prints 100 (without quantize's 28-digit limit)
    return "0" + text[2:] if text.startswith("-0") and not dec else text


_NUMERIC_TYPE = re.compile(r"numeric(?:\((\d+)(?:,(\d+))?\))?")


def plain_numeric(text: str, cast: str) -> str | None:
    """numeric_out of a plain decimal ('12', '-0.5') stored into `cast` (numeric, numeric(p) or
    numeric(p,s)) when no rounding and no overflow can happen; None otherwise."""
    printer = plain_numeric_printer(cast)
    return printer(text) if printer else None


@functools.cache
def plain_numeric_printer(cast: str) -> Callable[[str], str | None] | None:
    """`plain_numeric` for one cast, its pattern compiled once (a batch calls it per value)."""
    typed = _NUMERIC_TYPE.fullmatch(cast)
    if not typed:
        return None
    if typed.group(1) is None:  # plain numeric keeps the digits it was given
        fits = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?").fullmatch
        scale = -1
    else:
        precision, scale = int(typed.group(1)), int(typed.group(2) or 0)
        whole = f"(?:0|[1-9][0-9]{{0,{precision - scale - 1}}})" if precision > scale else "0"
        fraction = f"(?:\\.[0-9]{{1,{scale}}})?" if scale else ""
        fits = re.compile(f"-?{whole}{fraction}").fullmatch

    def printer(text: str) -> str | None:
        if not fits(text):
            return None
        if text[0] == "-" and not text.strip("-0."):
            text = text[1:]  # numeric has no negative zero
        if scale <= 0:
            return text
        dot = text.find(".")
        if dot < 0:
            return text + "." + "0" * scale
        return text + "0" * (scale - (len(text) - dot - 1))

    return printer


def jsonb(text: str) -> str:
    """jsonb_out of a JSON document: keys by length then bytes, last duplicate wins,
    numbers as PostgreSQL numeric prints them, PostgreSQL's string escapes."""
    # json's own dict keeps the last of duplicate keys; integers print as numeric does
    return _jsonb(_DECODER.decode(text))


_DECODER = json.JSONDecoder(parse_float=Decimal)


def _key_order(key: str) -> tuple[int, str]:
    """jsonb's key order: by length in bytes, then bytes (UTF-8 keeps code point order)."""
    return (len(key) if key.isascii() else len(key.encode()), key)


_ORDERS: dict[tuple[str, ...], list[tuple[str, str]]] = {}


def _order(keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """An object's keys in jsonb's order, each with its printed head ('"key": '); remembered,
    as the documents of one column mostly share their keys."""
    order = [(k, _json_string(k) + ": ") for k in sorted(keys, key=_key_order)]
    if len(_ORDERS) < 10_000:
        _ORDERS[keys] = order
    return order


def _jsonb(obj: Any) -> str:
    kind = type(obj)
    if kind is str:
        return _json_string(obj)
    if kind is dict:
        keys = tuple(obj)
        order = _ORDERS.get(keys) or _order(keys)
        return "{" + ", ".join([head + _jsonb(obj[k]) for k, head in order]) + "}"
    if kind is list:
        return "[" + ", ".join([_jsonb(v) for v in obj]) + "]"
    if kind is int:
        return str(obj)
    if kind is Decimal:
        return numeric(obj, None)
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if obj is None:
        return "null"
    raise TypeError(f"not a JSON value: {obj!r}")


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


_SPECIAL = re.compile(r'[\x00-\x1f"\\]').search


def _json_string(text: str) -> str:
    if not _SPECIAL(text):
        return '"' + text + '"'
    if "\x00" in text:
        raise ValueError("JSON holds \\u0000, which jsonb cannot store")
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
