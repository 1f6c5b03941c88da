"""SQLite declared types -> PostgreSQL types, before looking at the values (bottom layer).

SQLite is dynamically typed: a column declared INTEGER may hold text. The declared type gives the
PostgreSQL type by the rules below, then SQLite's affinity rules; profiling the values
(`_profile.py`) then settles it.
"""

from __future__ import annotations

import re

# declared type (normalized, no size) -> (PostgreSQL type, kind); checked before affinity rules
TYPE_MAP: dict[str, tuple[str, str]] = {
    "BOOLEAN": ("boolean", "bool"),
    "BOOL": ("boolean", "bool"),
    "DATETIME": ("timestamptz", "timestamptz"),
    "TIMESTAMP": ("timestamptz", "timestamptz"),
    "TIMESTAMPTZ": ("timestamptz", "timestamptz"),
    "DATE": ("date", "date"),
    "JSON": ("jsonb", "json"),
    "JSONB": ("jsonb", "json"),
    "UUID": ("uuid", "text_repr"),
    "BLOB": ("bytea", "bytes"),
    "REAL": ("double precision", "float"),
    "DOUBLE": ("double precision", "float"),
    "DOUBLE PRECISION": ("double precision", "float"),
    "FLOAT": ("double precision", "float"),
    "NUMERIC": ("numeric", "numeric"),
    "DECIMAL": ("numeric", "numeric"),
    "MONEY": ("numeric", "numeric"),
}
SIZED = re.compile(r"^\s*(?P<base>[A-Za-z ]+?)\s*\(\s*(?P<p>\d+)\s*(?:,\s*(?P<s>\d+)\s*)?\)\s*$")


def map_type(declared: str) -> tuple[str, str]:
    """PostgreSQL type and kind for a declared SQLite type, before looking at the values."""
    decl = declared.strip().upper()
    sized = SIZED.match(decl)
    base = sized.group("base").strip() if sized else decl
    if base in ("NUMERIC", "DECIMAL") and sized:
        scale = sized.group("s") or "0"
        return f"numeric({sized.group('p')},{scale})", "numeric"
    if base in ("VARCHAR", "CHARACTER VARYING", "NVARCHAR", "CHAR", "CHARACTER", "NCHAR") and sized:
        return f"varchar({sized.group('p')})", "text"
    if base in TYPE_MAP:
        return TYPE_MAP[base]
    # SQLite's affinity rules (https://www.sqlite.org/datatype3.html#determination_of_column_affinity)
    if "INT" in base:
        return "bigint", "int"
    if any(word in base for word in ("CHAR", "CLOB", "TEXT")):
        return "text", "text"
    if base == "" or "BLOB" in base:
        return "", "bytes"  # no type: decided by the values
    if any(word in base for word in ("REAL", "FLOA", "DOUB")):
        return "double precision", "float"
    return "", "numeric"  # NUMERIC affinity: decided by the values
