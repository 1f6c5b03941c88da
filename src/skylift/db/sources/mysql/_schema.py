"""Read a MySQL/MariaDB catalog (information_schema) into the portable Schema.

Each function reads one kind of object. Types are chosen by `mysql.pg_type_for`; one profiling
scan per table counts what the declared type cannot say (zero dates, 2 in a tinyint(1)).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from skylift.db import overrides
from skylift.db.schema import Check, Column, EnumType, ForeignKey, Index, Schema, Table
from skylift.db.sources.mysql import _sql as msql
from skylift.db.sources.mysql._connection import query
from skylift.db.sources.mysql._grants import check_whole_database
from skylift.db.sources.mysql._types import GEOMETRY, ZERO_DATE_TYPES, pg_type_for


def read_schema(conn: Any, db: str, options: dict[str, Any]) -> Schema:
    check_whole_database(conn, db)  # information_schema hides what the user cannot read
    schema = Schema()
    tables = query(
        conn,
        "SELECT table_name, table_rows, table_comment FROM information_schema.tables"
        " WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
        db,
    )
    version = query(conn, "SELECT VERSION() AS v")[0]["v"]
    columns = _columns_by_table(conn, db, mariadb="mariadb" in version.lower())
    spatial = any(c["data_type"] in GEOMETRY for cols in columns.values() for c in cols)
    if spatial and target_has_postgis(options.get("target_url")):
        schema.extensions.append("postgis")
    for info in tables:
        name = info["table_name"]
        table = Table(name=name, columns=[], row_estimate=int(info["table_rows"] or 0))
        table.comment = info["table_comment"] or None
        for col_info in columns.get(name, []):
            table.columns.append(_column(schema, name, col_info))
        schema.tables.append(table)
    _keys_and_indexes(conn, db, schema)
    _foreign_keys(conn, db, schema)
    _align_foreign_key_types(schema)
    _checks(conn, db, schema)
    for table in schema.tables:
        _profile(conn, schema, table)
    _overrides(schema, options.get("types") or {})
    msql.on_update_triggers(schema)
    msql.views(conn, db, schema)
    msql.routines_triggers_events(conn, db, schema)
    mark_key_ranges(schema)
    return schema


def mark_key_ranges(schema: Schema) -> None:
    """`has_rowid` says the chunks are ranges of a single integer key (as SQLite's rowid), so
    verification can read the target back by the same ranges, in parallel."""
    for table in schema.tables:
        pk = table.primary_key
        table.has_rowid = len(pk) == 1 and table.column(pk[0]).kind == "int"


def _columns_by_table(conn: Any, db: str, *, mariadb: bool) -> dict[str, list[dict[str, Any]]]:
    rows = query(
        conn,
        "SELECT table_name, column_name, data_type, column_type, is_nullable, column_default,"
        " extra, character_maximum_length AS length, numeric_precision AS `precision`,"
        " numeric_scale AS scale, datetime_precision AS fsp, character_set_name AS charset,"
        " collation_name, column_comment, generation_expression"
        " FROM information_schema.columns WHERE table_schema = %s"
        " ORDER BY table_name, ordinal_position",
        db,
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        row["data_type"] = row["data_type"].lower()
        # enum/set labels are values: their case is kept (only the type words are folded)
        row["column_type_raw"] = row["column_type"]
        row["column_type"] = row["column_type"].lower()
        row["auto_increment"] = "auto_increment" in (row["extra"] or "").lower()
        default = row["column_default"]
        if not mariadb and default is not None and "default_generated" not in row["extra"].lower():
            # MySQL 8 gives literal defaults unquoted; MariaDB quotes them (and says NULL)
            row["column_default"] = "'" + default.replace("'", "''") + "'"
        if row["data_type"] == "bit":
            row["precision"] = row["precision"] or _bit_width(row["column_type"])
        out.setdefault(row["table_name"], []).append(row)
    return out


def _bit_width(column_type: str) -> int:
    found = re.search(r"\((\d+)\)", column_type)
    return int(found.group(1)) if found else 1


def enum_labels(column_type: str) -> list[str]:
    """Labels of enum('a','b''c') / set(...), unescaped."""
    inner = column_type[column_type.index("(") + 1 : column_type.rindex(")")]
    return [
        m.replace("''", "'").replace("\\\\", "\\") for m in re.findall(r"'((?:[^']|'')*)'", inner)
    ]


def enum_type_name(schema: Schema, table: str, column: str) -> str:
    """The PostgreSQL type of an ENUM column: `table_column` folded to a plain identifier,
    shortened with a hash of the exact names when too long or already taken (`a-b`.`c` and
    `a_b`.`c` fold alike)."""
    name = re.sub(r"[^a-z0-9_]", "_", f"{table}_{column}".lower())
    taken = {e.name for e in schema.enums}
    if len(name) > 63 or name in taken:
        digest = hashlib.sha1(f"{table}\x00{column}".encode()).hexdigest()[:8]
        name = f"{name[:54]}_{digest}"
    return name


def _column(schema: Schema, table: str, info: dict[str, Any]) -> Column:
    name = info["column_name"]
    dtype = info["data_type"]
    extra: dict[str, object] = {
        "data_type": dtype,
        "charset": info["charset"],
        "collation": info["collation_name"],
    }
    if dtype in ("enum", "set"):
        extra["labels"] = enum_labels(info["column_type_raw"])
    if dtype == "enum":
        type_name = enum_type_name(schema, table, name)
        info["enum_type"] = extra["enum_type"] = type_name
        schema.enums.append(EnumType(type_name, list(extra["labels"])))  # type: ignore[call-overload]
    pg_type, kind = pg_type_for(info)
    col = Column(
        name=name,
        source_type=info["column_type"],
        nullable=info["is_nullable"] == "YES",
        default=info["column_default"],
        identity=info["auto_increment"],
        pg_type=pg_type,
        kind=kind,
        collation=None,  # MySQL collations do not exist in PostgreSQL (see docs/sources.md)
        comment=info["column_comment"] or None,
        extra=extra,
    )
    extra_sql = (info["extra"] or "").lower()
    if "on update current_timestamp" in extra_sql:
        extra["on_update"] = True
    if info["generation_expression"]:
        schema.note(
            f"{table}.{name}",
            "generated column copied as a plain column with its current values; recreate the"
            " expression by hand (GENERATED ALWAYS AS (...) STORED)",
            "manual",
            info["generation_expression"],
        )
        col.default = None
    if dtype in GEOMETRY and "postgis" in schema.extensions:
        col.pg_type, col.kind = "geometry", "text_repr"
        schema.note(f"{table}.{name}", f"{dtype} became a PostGIS geometry (its SRID kept)")
    elif dtype in GEOMETRY:
        schema.note(
            f"{table}.{name}",
            "GEOMETRY kept as bytea in MySQL's internal format (4-byte little-endian SRID, then"
            " WKB): the target has no PostGIS. With PostGIS: ALTER TABLE ... ALTER COLUMN ... TYPE"
            " geometry USING ST_SetSRID(ST_GeomFromWKB(substring(col from 5)),"
            " get_byte(col,0) + 256*get_byte(col,1))",
            "manual",
        )
    if dtype == "char" and col.kind == "text":
        schema.note(f"{table}.{name}", f"{info['column_type']} became {pg_type}: MySQL returns a"
                    " CHAR without its trailing spaces, PostgreSQL's character(n) would pad it"
                    f" back to n; --type {table}.{name}=char(n) keeps character(n)")  # fmt: skip
    if "unsigned" in info["column_type"] and dtype in ("int", "integer", "bigint", "smallint"):
        schema.note(f"{table}.{name}", f"{info['column_type']} widened to {pg_type}")
    col.pg_default = msql.translate_default(schema, table, col)
    return col


def _keys_and_indexes(conn: Any, db: str, schema: Schema) -> None:
    rows = query(
        conn,
        "SELECT table_name, index_name, non_unique, seq_in_index, column_name, sub_part,"
        " index_type FROM information_schema.statistics WHERE table_schema = %s"
        " ORDER BY table_name, index_name, seq_in_index",
        db,
    )
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault((row["table_name"], row["index_name"]), []).append(row)
    for (tname, iname), parts in grouped.items():
        try:
            table = schema.table(tname)
        except KeyError:
            continue
        cols = [p["column_name"] for p in parts]
        kind = (parts[0]["index_type"] or "BTREE").upper()
        unique = int(parts[0]["non_unique"]) == 0
        if iname == "PRIMARY":
            table.primary_key = cols
        elif kind == "FULLTEXT":
            msql.fulltext_note(schema, table, iname, cols)
        elif kind == "SPATIAL" and "postgis" in schema.extensions:
            table.indexes.append(_gist(table, iname, cols))
        elif kind == "SPATIAL":
            schema.note(f"{tname}.{iname}", "SPATIAL index not created (no PostGIS)", "manual")
        elif any(c is None for c in cols):
            schema.note(f"{tname}.{iname}", "functional index not translated", "manual")
        elif unique and not any(p["sub_part"] for p in parts):
            table.uniques.append(cols)
            _case_insensitive_note(schema, table, iname, cols)
        else:
            if unique:
                schema.note(
                    f"{tname}.{iname}",
                    "UNIQUE on a column prefix became a plain index (PostgreSQL has no"
                    " prefix indexes); add a unique index on left(col, n) if the rule matters",
                    "warning",
                )
            table.indexes.append(Index(name=iname, columns=cols))


def _gist(table: Table, name: str, cols: list[str]) -> Index:
    return Index(name=f"{table.name}_{name}"[:63], columns=cols, method="gist")


def target_has_postgis(url: str | None) -> bool:
    """True when the target can create the postgis extension (RDS can; the embedded server
    cannot): GEOMETRY then lands as geometry, else as bytea with a note."""
    if not url:
        return False
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            row = conn.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
            ).fetchone()
    except psycopg.Error:
        return False
    return row is not None


def _case_insensitive_note(schema: Schema, table: Table, index: str, cols: list[str]) -> None:
    """MySQL's *_ci collations make 'Ada@x' and 'ada@x' the same key; PostgreSQL does not."""
    folded = [c for c in cols if str(table.column(c).extra.get("collation") or "").endswith("_ci")]
    if folded:
        schema.note(
            f"{table.name}.{index}",
            f"UNIQUE ({', '.join(cols)}) was case-insensitive in MySQL ({folded[0]} uses a _ci"
            " collation): PostgreSQL compares exactly, so 'Ada@x' and 'ada@x' become two keys"
            " and lookups become case-sensitive. If the app relies on it, migrate with"
            f" --type {table.name}.{folded[0]}=citext, or add a unique index on lower(...)",
            "warning",
        )


def _foreign_keys(conn: Any, db: str, schema: Schema) -> None:
    rows = query(
        conn,
        "SELECT k.table_name, k.constraint_name, k.column_name, k.referenced_table_name,"
        " k.referenced_column_name, r.update_rule, r.delete_rule"
        " FROM information_schema.key_column_usage k"
        " JOIN information_schema.referential_constraints r"
        "   ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name"
        "   AND r.table_name = k.table_name"
        " WHERE k.table_schema = %s AND k.referenced_table_name IS NOT NULL"
        " ORDER BY k.table_name, k.constraint_name, k.ordinal_position",
        db,
    )
    fks: dict[tuple[str, str], ForeignKey] = {}
    for row in rows:
        key = (row["table_name"], row["constraint_name"])
        if key not in fks:
            fks[key] = ForeignKey(
                columns=[],
                ref_table=row["referenced_table_name"],
                ref_columns=[],
                on_delete=row["delete_rule"],
                on_update=row["update_rule"],
                name=row["constraint_name"],
            )
            try:
                schema.table(row["table_name"]).foreign_keys.append(fks[key])
            except KeyError:
                continue
        fks[key].columns.append(row["column_name"])
        fks[key].ref_columns.append(row["referenced_column_name"])


def _overrides(schema: Schema, types: dict[str, str]) -> None:
    """--type TABLE.COLUMN=TYPE: exactly the type given; values are sent as MySQL prints them
    (binary targets follow the type: _binary.py). The target checks it (overrides.check)."""
    for table, col, pg_type in overrides.apply(schema, types):
        schema.note(f"{table.name}.{col.name}", f"{col.pg_type} replaced by {pg_type} (--type)")
        col.pg_type, col.kind = pg_type, overrides.family_kind(pg_type)
        col.pg_default = msql.translate_default(schema, table.name, col)
    used = {c.pg_type for t in schema.tables for c in t.columns}
    schema.enums = [e for e in schema.enums if e.name in used]


def _align_foreign_key_types(schema: Schema) -> None:
    """A key column takes the type of the column it references: PostgreSQL cannot compare
    numeric(20) (a bigint unsigned) with the bigint identity (AUTO_INCREMENT) it points at."""
    for table in schema.tables:
        for fk in table.foreign_keys:
            try:
                parent = schema.table(fk.ref_table)
            except KeyError:
                continue
            for name, ref in zip(fk.columns, fk.ref_columns, strict=False):
                col, ref_col = table.column(name), parent.column(ref)
                if {col.pg_type, ref_col.pg_type} == {"bigint", "numeric(20)"}:
                    col.pg_type, col.kind = ref_col.pg_type, ref_col.kind
                    where = f"{table.name}.{name}"
                    schema.notes = [n for n in schema.notes if n.object != where]
                    schema.note(
                        where, f"{col.source_type} typed {col.pg_type} like {fk.ref_table}.{ref}"
                    )


def _checks(conn: Any, db: str, schema: Schema) -> None:
    try:
        rows = query(
            conn,
            "SELECT c.constraint_name, c.check_clause, t.table_name"
            " FROM information_schema.check_constraints c"
            " JOIN information_schema.table_constraints t"
            "   ON t.constraint_schema = c.constraint_schema"
            "   AND t.constraint_name = c.constraint_name AND t.constraint_type = 'CHECK'"
            " WHERE c.constraint_schema = %s",
            db,
        )
    except Exception:  # MySQL < 8.0.16 has no CHECK constraints at all
        return
    seen: set[tuple[str, str]] = set()
    for row in rows:
        key = (row["table_name"], row["constraint_name"])
        if key in seen:
            continue
        seen.add(key)
        clause = row["check_clause"]
        try:
            table = schema.table(row["table_name"])
        except KeyError:
            continue
        # MariaDB's JSON is LONGTEXT with CHECK json_valid(col): it becomes jsonb (which checks)
        found = re.fullmatch(r"json_valid\(`([^`]+)`\)", clause.strip(), re.IGNORECASE)
        if found and found.group(1) in {c.name for c in table.columns}:
            col = table.column(found.group(1))
            col.pg_type, col.kind, col.source_type = "jsonb", "json", "json"
            col.pg_default = msql.translate_default(schema, table.name, col)
            continue
        check = Check(expr=clause, name=row["constraint_name"])
        check.pg_expr = msql.translate_expr(clause, msql.booleans(schema))
        if check.pg_expr is None:
            schema.note(f"{table.name}.{check.name}", "CHECK not translated", "manual", clause)
        table.checks.append(check)


def _profile(conn: Any, schema: Schema, table: Table) -> None:
    """One scan counting what the declared types cannot tell: zero dates, non-0/1 booleans."""
    probes: list[tuple[Column, str, str]] = []
    for col in table.columns:
        q = msql.quote(col.name)
        dtype = col.extra.get("data_type")
        if dtype in ZERO_DATE_TYPES:
            zero = f"{q} = 0"  # only the all-zero value equals 0 (a cheap comparison per row)
            probes.append((col, "zero", f"SUM({zero})"))
        elif col.pg_type == "boolean" and dtype == "tinyint":
            probes.append((col, "nonbool", f"SUM({q} NOT IN (0, 1))"))
    if not probes:
        return
    select = ", ".join(p[2] for p in probes)
    row = query(conn, f"SELECT {select} FROM {msql.quote(table.name)}")[0]
    for (col, what, _), value in zip(probes, row.values(), strict=True):
        count = int(value or 0)
        if not count:
            continue
        where = f"{table.name}.{col.name}"
        if what == "zero":
            col.extra["zero_dates"] = count
            schema.note(where, f"{count} zero date(s) ('0000-00-00...') became NULL", "warning")
            if not col.nullable:
                col.nullable = True
                schema.note(where, "NOT NULL dropped: zero dates became NULL", "warning")
        else:
            col.pg_type, col.kind = "smallint", "int"
            col.pg_default = msql.translate_default(schema, table.name, col)
            schema.note(
                where,
                f"tinyint(1) kept as smallint: {count} value(s) other than 0/1 (not a boolean)",
                "warning",
            )
