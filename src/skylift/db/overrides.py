"""`--type TABLE.COLUMN=TYPE`: the column becomes exactly the PostgreSQL type given.

Every source applies the type as written (never through its own type rules: SQLite's affinity
would turn `smallint` into bigint and `notatype` into double precision), with the value kind
copy and verification use (`kind_of`). Before anything is created the target checks the names
and types (`check`): a column the source does not have, a type the target does not know (or
whose extension it cannot create), or, on a rerun, a column the target already holds with
another type, are usage errors, each with what to do.
"""

from __future__ import annotations

import re
from typing import Any

from skylift.db.schema import Schema
from skylift.errors import UsageError

# kinds whose values every source sends in the form of one exact PostgreSQL type; any other
# type travels as text PostgreSQL parses (kind text_repr), compared in its own normal form
_EXACT_KIND = {
    "bigint": "int", "int8": "int",
    "double precision": "float", "float8": "float",
    "numeric": "numeric", "decimal": "numeric",
    "boolean": "bool", "bool": "bool",
    "text": "text", "citext": "text",
    "jsonb": "json",
    "bytea": "bytes",
    "date": "date",
    "timestamptz": "timestamptz", "timestamp with time zone": "timestamptz",
}  # fmt: skip
# types an extension brings: usable when the target can create the extension
EXTENSION_TYPES = {
    "citext": "citext", "hstore": "hstore", "ltree": "ltree", "cube": "cube", "vector": "vector",
    "halfvec": "vector", "sparsevec": "vector", "geometry": "postgis", "geography": "postgis",
}  # fmt: skip


def normal(pg_type: str) -> str:
    """The type as given, its spacing normalised ("numeric( 10, 2 )" -> "numeric(10,2)")."""
    text = re.sub(r"\s+", " ", pg_type.strip())
    return re.sub(r"\s*([(),])\s*", r"\1", text)


def kind_of(pg_type: str) -> str:
    """The value kind of a type a user gave: a native kind only for its exact type."""
    lowered = normal(pg_type).lower()
    if re.fullmatch(r"(numeric|decimal)\(\d+(,\d+)?\)", lowered):
        return "numeric"
    if re.fullmatch(r"(varchar|character varying)\(\d+\)", lowered):
        return "text"
    return _EXACT_KIND.get(lowered, "text_repr")


_FAMILY = {
    **dict.fromkeys(("smallint", "integer", "int", "bigint", "int2", "int4", "int8"), "int"),
    **dict.fromkeys(("real", "double precision", "float4", "float8", "float"), "float"),
    **dict.fromkeys(("numeric", "decimal"), "numeric"),
    **dict.fromkeys(("boolean", "bool"), "bool"),
    **dict.fromkeys(
        ("text", "varchar", "character varying", "character", "char", "citext"), "text"
    ),
    **dict.fromkeys(("jsonb", "json"), "json"),
    "bytea": "bytes",
    "date": "date",
    **dict.fromkeys(("timestamptz", "timestamp with time zone"), "timestamptz"),
    **dict.fromkeys(("timestamp", "timestamp without time zone"), "timestamp"),
    **dict.fromkeys(("time", "time without time zone"), "time"),
}


def family_kind(pg_type: str) -> str:
    """The kind of a type by its name alone (modifiers aside: varchar(20) is text, an array
    or range is not): for readers that send any type of a kind in that type's own form."""
    lowered = normal(pg_type).lower()
    if lowered.endswith("]"):
        return "text_repr"
    base = re.sub(r"\(\d+(,\d+)?\)", "", lowered).strip()
    return _FAMILY.get(base, "text_repr")


def apply(schema: Schema, types: dict[str, str]) -> list[tuple[Any, Any, str]]:
    """Each overridden (table, column, type); a UsageError naming every unknown column."""
    found, unknown = [], []
    for where, pg_type in types.items():
        table_name, _, col_name = where.rpartition(".")
        try:
            table = schema.table(table_name)
            found.append((table, table.column(col_name), normal(pg_type)))
        except KeyError:
            unknown.append(where)
    if unknown:
        tables = ", ".join(t.qualified for t in schema.tables[:8])
        raise UsageError(
            f"--type names {_plural(unknown, 'a column')} the source does not have: "
            + ", ".join(unknown),
            f"the source's tables: {tables}" + (" ..." if len(schema.tables) > 8 else ""),
            "give TABLE.COLUMN exactly as the source spells them (case included)",
        )
    for table, col, pg_type in found:
        col.extra["override"] = pg_type
        if re.fullmatch(r"(char|character|bpchar)(\(\d+\))?", pg_type.lower()):
            schema.note(f"{table.name}.{col.name}", f"{pg_type}: PostgreSQL pads every value with"
                        " spaces to its length, and the app reads them padded", "warning")  # fmt: skip
    return found


def _plural(items: list[str], one: str) -> str:
    return one if len(items) == 1 else f"{len(items)} columns"


def check(conn: Any, schema: Schema, resumed: bool, names: Any) -> None:
    """Every --type against the target: UsageError when PostgreSQL does not know the type.
    On a rerun, every column against the one the target holds: the run resumes only into the
    types it began with (a --type given, changed or dropped since is an error, not ignored).
    `names(table)` gives the table's regclass text and its column names as the target spells
    them."""
    for table in schema.tables:
        for col in table.columns:
            given = col.extra.get("override")
            if given is not None and not resumed:
                _known(conn, schema, f"{table.qualified}.{col.name}", given)
    if resumed:
        for table in schema.tables:
            _same_types(conn, table, *names(table))


def _same_types(conn: Any, table: Any, regclass: str, columns: list[str]) -> None:
    held = dict(
        conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid ="
            " to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
            (regclass,),
        ).fetchall()
    )
    wanted = _canonical(conn, [c.pg_type for c in table.columns])
    for col, name, want in zip(table.columns, columns, wanted, strict=True):
        have = held.get(name)
        if have is not None and have != want:
            given = col.extra.get("override")
            raise UsageError(
                f"{table.qualified}.{col.name} is {have} in the target, but this run makes it"
                f" {want or col.pg_type}" + (f" (--type {given})" if given else ""),
                "the migration this rerun resumes created it with another type (a --type"
                " given, changed or dropped since it began)",
                "rerun with the --type options it began with, or pass --restart to start over",
            )


def _canonical(conn: Any, pg_types: list[str]) -> list[str | None]:
    """PostgreSQL's own names of types with their modifiers ("varchar(20)" -> "character
    varying(20)"); all None when it does not know one of them."""
    import psycopg

    cols = ", ".join(f"c{i} {t}" for i, t in enumerate(pg_types))
    try:
        with conn.transaction():
            conn.execute(f"CREATE TEMP TABLE skylift_type_probe ({cols}) ON COMMIT DROP")
            rows = conn.execute(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid ="
                " 'skylift_type_probe'::regclass AND attnum > 0 ORDER BY attnum"
            ).fetchall()
            conn.execute("DROP TABLE skylift_type_probe")
    except psycopg.Error:
        return [None] * len(pg_types)
    return [str(r[0]) for r in rows]


def _known(conn: Any, schema: Schema, where: str, pg_type: str) -> None:
    if _canonical(conn, [pg_type])[0] is not None:
        return
    base = re.split(r"[\s(\[]", pg_type.strip().lower(), maxsplit=1)[0]
    extension = EXTENSION_TYPES.get(base)
    if extension is not None:
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = %s", (extension,)
        ).fetchone()
        if available:
            if extension not in schema.extensions:
                schema.extensions.append(extension)
            return
        raise UsageError(
            f"--type {where}={pg_type}: the type needs the extension {extension}",
            f"the target cannot create it ({extension} is not among its available extensions)",
            f"install {extension} on the target server (on RDS: allow it), or choose another type",
        )
    raise UsageError(
        f"--type {where}={pg_type}: PostgreSQL has no such type",
        "the target did not accept it as a column type",
        "give a PostgreSQL type (e.g. numeric(10,2), integer, text, timestamptz, citext)",
    )
