"""How each MySQL type lands in PostgreSQL (`TYPE_MAP` plus the few types whose choice depends
on the column), and the value kind verification compares it as (data only: no imports of the
engine). Reading the catalog lives in `_schema.py`, streaming and checking values in `_rows.py`.

Decisions (docs/sources.md explains each to users):
- FLOAT is MySQL's 4-byte IEEE single: it becomes `real`, which stores exactly the same values.
  MySQL prints FLOAT with 6 significant digits, so we read `col + 0e0` (exact widening to double).
- ENUM becomes a PostgreSQL enum type named `<table>_<column>`: it keeps MySQL's declaration
  ordering (ORDER BY status), which text + CHECK would silently change to alphabetical.
- DATETIME has no time zone in MySQL and stays a naive `timestamp` (the wall-clock value as
  stored). TIMESTAMP is stored in UTC by MySQL; we read it with the session time_zone '+00:00' and
  write `timestamptz`, so the instant is preserved whatever the server's zone was.
- Zero dates ('0000-00-00', '0000-00-00 00:00:00', YEAR 0000) become NULL, counted per column in
  a Note; a NOT NULL column holding them becomes nullable (a warning says so).
- Unsigned integers widen to the next type that holds every value: int unsigned -> bigint,
  bigint unsigned -> numeric(20) (an AUTO_INCREMENT bigint unsigned key stays bigint, so it can
  be an identity column: its values cannot exceed 2^63 in practice, and the profile checks it).
"""

from __future__ import annotations

from typing import Any

# MySQL DATA_TYPE -> (PostgreSQL type, value kind). `{p}`/`{s}`/`{n}` take the column's
# precision, scale, length. Types missing here are decided by `pg_type_for` below.
TYPE_MAP: dict[str, tuple[str, str]] = {
    "tinyint": ("smallint", "int"),
    "smallint": ("smallint", "int"),
    "mediumint": ("integer", "int"),
    "int": ("integer", "int"),
    "integer": ("integer", "int"),
    "bigint": ("bigint", "int"),
    "decimal": ("numeric({p},{s})", "numeric"),
    "numeric": ("numeric({p},{s})", "numeric"),
    "float": ("real", "float"),
    "double": ("double precision", "float"),
    "real": ("double precision", "float"),
    # MySQL returns a CHAR(n) without its trailing spaces; PostgreSQL's character(n) would
    # return it padded to n: varchar(n) gives the app the strings it read (docs/db.md)
    "char": ("varchar({n})", "text"),
    "varchar": ("varchar({n})", "text"),
    "tinytext": ("text", "text"),
    "text": ("text", "text"),
    "mediumtext": ("text", "text"),
    "longtext": ("text", "text"),
    "json": ("jsonb", "json"),
    "binary": ("bytea", "bytes"),
    "varbinary": ("bytea", "bytes"),
    "tinyblob": ("bytea", "bytes"),
    "blob": ("bytea", "bytes"),
    "mediumblob": ("bytea", "bytes"),
    "longblob": ("bytea", "bytes"),
    "date": ("date", "date"),
    "datetime": ("timestamp({f})", "timestamp"),
    "timestamp": ("timestamptz({f})", "timestamptz"),
    "time": ("time({f})", "time"),
    "year": ("smallint", "int"),
    "set": ("text[]", "text_repr"),
    "uuid": ("uuid", "text_repr"),  # MariaDB 10.7+
    "inet4": ("inet", "text_repr"),
    "inet6": ("inet", "text_repr"),
}
# unsigned integers: the next type up holds every value
UNSIGNED: dict[str, tuple[str, str]] = {
    "tinyint": ("smallint", "int"),
    "smallint": ("integer", "int"),
    "mediumint": ("integer", "int"),
    "int": ("bigint", "int"),
    "integer": ("bigint", "int"),
    "bigint": ("numeric(20)", "numeric"),
}
GEOMETRY = {
    "geometry",
    "point",
    "linestring",
    "polygon",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
    "geomcollection",
}
ZERO_DATE_TYPES = {"date", "datetime", "timestamp", "year"}


def pg_type_for(info: dict[str, Any]) -> tuple[str, str]:
    """(PostgreSQL type, kind) for one information_schema.COLUMNS row (see _schema)."""
    dtype: str = info["data_type"]
    ctype: str = info["column_type"]
    unsigned = "unsigned" in ctype
    if dtype == "tinyint" and ctype.startswith("tinyint(1)") and not unsigned:
        return "boolean", "bool"
    if dtype == "bit":
        n = int(info["precision"] or 1)
        return ("boolean", "bool") if n == 1 else (f"bit({n})", "text_repr")
    if dtype in GEOMETRY:
        return "bytea", "bytes"
    if dtype == "enum":
        return info["enum_type"], "text"
    if dtype in ("char", "varchar") and info["charset"] == "binary":
        return "bytea", "bytes"
    if dtype == "float" and int(info["precision"] or 12) > 24:
        return "double precision", "float"
    if unsigned and dtype in UNSIGNED:
        if dtype == "bigint" and info["auto_increment"]:
            return "bigint", "int"
        return UNSIGNED[dtype]
    if dtype not in TYPE_MAP:
        return "text", "text"
    pg, kind = TYPE_MAP[dtype]
    return (
        pg.format(
            p=info["precision"] or 10,
            s=info["scale"] or 0,
            n=max(1, int(info["length"] or 1)),
            f=int(info["fsp"] or 0),
        ),
        kind,
    )
