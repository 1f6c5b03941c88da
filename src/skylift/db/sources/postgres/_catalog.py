"""Read a PostgreSQL catalog into the portable Schema, pg_dump style.

Definitions come from the server's own deparsers, so they are exact. What the engine builds
itself (tables, primary keys, uniques, CHECKs, foreign keys, indexes) goes into Table objects;
the rest is verbatim SQL: domains, sequences and functions before the tables (`pre_sql`),
partitioned tables (created empty after the load and given their loaded partitions with ATTACH
PARTITION), views, triggers, sequence values and renamed constraints after it (`post_sql`).
Every statement that can be rerun is written so that it can (resume after kill -9).
"""

from __future__ import annotations

from typing import Any

from skylift.db.schema import Check, Column, EnumType, ForeignKey, Index, Schema, Table
from skylift.db.sources.postgres._connection import rows
from skylift.db.sources.postgres._sql import (
    ACTIONS,
    after_load_sql,
    guarded,
    object_sql,
    qualified,
    user_schema_filter,
)
from skylift.db.translate import key_name, quote

# pg type (pg_type.typname of the column's base type) -> value kind compared by verification.
# Anything else (arrays, enums, vector, uuid, interval, dates that may be infinite, ...) is
# compared by its text output, which is exact for every type on both sides.
KIND_BY_TYPE: dict[str, str] = {
    "int2": "int",
    "int4": "int",
    "int8": "int",
    "float4": "float",
    "float8": "float",
    "numeric": "numeric",
    "bool": "bool",
    "text": "text",
    "varchar": "text",
    "bpchar": "text",
    "name": "text",
    "bytea": "bytes",
    "json": "json",
    "jsonb": "json",
}
# Columns of built-in types (arrays of them included) travel as binary COPY records, byte for
# byte: their binary form names no OID that differs between servers (an array's element type is
# a built-in's), except the reg* types, whose binary value *is* an OID (their text is a name),
# and aclitem, which has none. User types (enums, domains, composites, extensions') go as text.
FIRST_USER_OID = 16384  # FirstNormalObjectId


def _oid_valued(typname: str) -> bool:
    return typname.startswith("reg") or typname == "aclitem"


# schemas that belong to the host, never to the app
HOST_SCHEMAS = {"heroku_ext", "pg_catalog", "information_schema", "pg_toast"}
NOT_EXTENSION = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"


def read_schema(conn: Any, options: dict[str, Any]) -> Schema:
    schema = Schema()
    _extensions(conn, schema)
    schema.pre_sql.append("SET check_function_bodies = false")
    _enums(conn, schema)
    object_sql(conn, schema)  # domains, sequences, functions
    parents = _tables(conn, schema)
    _constraints(conn, schema, parents)
    _indexes(conn, schema, parents)
    _after_load(conn, schema, parents)
    for table in schema.tables:
        # chunks are ranges of a single integer key: verification may read the target by them
        pk = table.primary_key
        table.has_rowid = len(pk) == 1 and table.column(pk[0]).kind == "int"
    return schema


def _extensions(conn: Any, schema: Schema) -> None:
    exts = rows(
        conn,
        "SELECT e.extname, n.nspname FROM pg_extension e"
        " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'"
        " ORDER BY e.oid",
    )
    schema.extensions = [e["extname"] for e in exts]
    # deparse with extension schemas on the path: heroku_ext.vector is written `vector`, and
    # resolves on the target to the extension created in its default schema
    path = ["public", *sorted({e["nspname"] for e in exts} - {"public", "pg_catalog"})]
    conn.execute("SELECT set_config('search_path', %s, false)", (", ".join(map(quote, path)),))
    for ext in exts:
        if ext["nspname"] in HOST_SCHEMAS:
            schema.note(
                f"extension {ext['extname']}",
                f"lived in the host's schema {ext['nspname']}: created in the target's default"
                " schema instead",
            )
    user = rows(conn, f"SELECT nspname FROM pg_namespace n WHERE {user_schema_filter()}")
    schema.schemas = sorted(r["nspname"] for r in user if r["nspname"] != "public")


def _enums(conn: Any, schema: Schema) -> None:
    for row in rows(
        conn,
        "SELECT n.nspname, t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels"
        " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
        " JOIN pg_enum e ON e.enumtypid = t.oid"
        f" WHERE {user_schema_filter()} AND {NOT_EXTENSION.format(oid='t.oid')}"
        " GROUP BY n.nspname, t.typname, t.oid ORDER BY t.oid",
    ):
        nsp = None if row["nspname"] == "public" else row["nspname"]
        schema.enums.append(EnumType(row["typname"], list(row["labels"]), nsp))


def _tables(conn: Any, schema: Schema) -> dict[int, dict[str, Any]]:
    """Regular tables and partitions into schema.tables; partitioned parents returned by oid."""
    found = rows(
        conn,
        "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition, c.reltuples,"
        " pg_get_partkeydef(c.oid) AS partkey, pg_get_expr(c.relpartbound, c.oid) AS bound,"
        " (SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = c.oid) AS parent"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        f" WHERE c.relkind IN ('r', 'p') AND {user_schema_filter()}"
        f" AND {NOT_EXTENSION.format(oid='c.oid')} ORDER BY c.oid",
    )
    parents: dict[int, dict[str, Any]] = {}
    for info in found:
        info["columns"] = _columns(conn, schema, info)
        if info["relispartition"]:
            _no_identity(info["columns"])
        if info["relkind"] == "p":
            parents[info["oid"]] = info
            continue
        if info["parent"] and not info["relispartition"]:
            schema.note(
                info["relname"],
                "table inheritance (INHERITS) not recreated: the table is copied on its own;"
                " ALTER TABLE ... INHERIT ... by hand if the app queries the parent",
                "manual",
            )
        table = Table(
            name=info["relname"],
            columns=info["columns"],
            schema=None if info["nspname"] == "public" else info["nspname"],
            row_estimate=max(0, int(info["reltuples"] or 0)),
            has_rowid=False,
        )
        table.extra_oid = info["oid"]  # type: ignore[attr-defined]
        schema.tables.append(table)
    return parents


def _no_identity(columns: list[Column]) -> None:
    """A partition's identity is its parent's (one sequence, made with the parent): PostgreSQL
    17 and later refuse to ATTACH a table with an identity column of its own."""
    for col in columns:
        col.identity = False
        col.extra["identity"] = ""


def _columns(conn: Any, schema: Schema, info: dict[str, Any]) -> list[Column]:
    cols = []
    for row in rows(
        conn,
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,"
        " pg_get_expr(d.adbin, d.adrelid) AS def, a.attidentity, a.attgenerated,"
        " coalesce(bt.typname, t.typname) AS base, t.typcategory,"
        " CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,"
        f" a.atttypid < {FIRST_USER_OID} AS builtin, coalesce(et.typname, t.typname) AS element"
        " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
        " LEFT JOIN pg_type bt ON bt.oid = t.typbasetype AND t.typtype = 'd'"
        " LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'"
        " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
        " LEFT JOIN pg_collation co ON co.oid = a.attcollation"
        " WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        info["oid"],
    ):
        where = f"{info['relname']}.{row['attname']}"
        kind = (
            "text_repr" if row["typcategory"] == "A" else KIND_BY_TYPE.get(row["base"], "text_repr")
        )
        col = Column(
            name=row["attname"],
            source_type=row["type"],
            nullable=not row["attnotnull"],
            default=row["def"],
            identity=row["attidentity"] in ("a", "d"),
            pg_type=row["type"],
            pg_default=None if row["attidentity"] or row["attgenerated"] else row["def"],
            kind=kind,
            collation=row["collation"],
        )
        col.extra["identity"] = row["attidentity"]
        col.extra["binary"] = bool(row["builtin"]) and not _oid_valued(row["element"])
        if row["attgenerated"]:
            # COPY cannot write a generated column: it is added after the load and recomputed
            table = qualified(
                None if info["nspname"] == "public" else info["nspname"], info["relname"]
            )
            schema.post_sql.append(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {quote(col.name)} {col.pg_type}"
                f" GENERATED ALWAYS AS ({row['def']}) STORED"
            )
            schema.note(where, "generated column recomputed on the target after the load")
            continue
        cols.append(col)
    return cols


def _constraints(conn: Any, schema: Schema, parents: dict[int, dict[str, Any]]) -> None:
    by_oid = {t.extra_oid: t for t in schema.tables}  # type: ignore[attr-defined]
    for row in rows(
        conn,
        "SELECT c.conrelid, c.conname, c.contype, c.conparentid <> 0 AS inherited,"
        " pg_get_constraintdef(c.oid) AS def, c.condeferrable, c.confrelid,"
        " c.confdeltype, c.confupdtype,"
        " ARRAY(SELECT attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o)"
        "   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY o) AS cols,"
        " ARRAY(SELECT attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o)"
        "   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY o)"
        "   AS refcols, rn.nspname AS refschema, r.relname AS reftable"
        " FROM pg_constraint c LEFT JOIN pg_class r ON r.oid = c.confrelid"
        " LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace"
        " WHERE c.conrelid <> 0 AND c.contype IN ('p', 'u', 'c', 'f', 'x') ORDER BY c.oid",
    ):
        table = by_oid.get(row["conrelid"])
        if row["conrelid"] in parents:
            parents[row["conrelid"]].setdefault("constraints", []).append(row)
        elif table is not None:
            _table_constraint(schema, table, row, set(parents))


def _table_constraint(schema: Schema, table: Table, row: dict[str, Any], parents: set[int]) -> None:
    name, kind, cols = row["conname"], row["contype"], list(row["cols"])
    alter = f"ALTER TABLE {qualified(table.schema, table.name)}"
    if kind == "p":
        table.primary_key = cols
        _rename(schema, table, key_name(schema, table, table.name, [], "pkey"), name)
    elif kind == "c":
        expr = row["def"].removeprefix("CHECK ").removesuffix(" NOT VALID")
        table.checks.append(Check(expr=row["def"], name=name, pg_expr=expr))
    elif row["inherited"]:
        return  # comes with the parent's constraint when the partition is attached
    elif kind == "u" and row["def"].startswith("UNIQUE (") and not row["condeferrable"]:
        table.uniques.append(cols)
        _rename(schema, table, key_name(schema, table, table.name, cols, "key"), name)
    elif kind == "f" and row["confrelid"] not in parents:
        table.foreign_keys.append(
            ForeignKey(
                columns=cols,
                ref_table=row["reftable"],
                ref_columns=list(row["refcols"]),
                on_delete=ACTIONS[row["confdeltype"]],
                on_update=ACTIONS[row["confupdtype"]],
                name=name,
                deferrable=row["condeferrable"],
                ref_schema=None if row["refschema"] == "public" else row["refschema"],
            )
        )
    else:
        schema.post_sql.append(guarded(f"{alter} ADD CONSTRAINT {quote(name)} {row['def']}"))


def _rename(schema: Schema, table: Table, engine_name: str, name: str) -> None:
    """The engine names keys its own way; keep the source's name (ORMs diff schemas by it)."""
    if engine_name != name:
        schema.post_sql.append(
            guarded(
                f"ALTER TABLE {qualified(table.schema, table.name)} RENAME CONSTRAINT"
                f" {quote(engine_name)} TO {quote(name)}"
            )
        )


def _indexes(conn: Any, schema: Schema, parents: dict[int, dict[str, Any]]) -> None:
    by_oid = {t.extra_oid: t for t in schema.tables}  # type: ignore[attr-defined]
    for row in rows(
        conn,
        "SELECT i.indrelid, c.relname, c.relispartition, pg_get_indexdef(i.indexrelid) AS def,"
        " am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " JOIN pg_am am ON am.oid = c.relam"
        " WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid"
        "   AND k.contype IN ('p', 'u', 'x')) ORDER BY i.indexrelid",
    ):
        if row["indrelid"] in parents:
            parents[row["indrelid"]].setdefault("indexes", []).append(row["def"])
        elif row["indrelid"] in by_oid and not row["relispartition"]:
            by_oid[row["indrelid"]].indexes.append(
                Index(name=row["relname"], columns=[], method=row["amname"], pg_sql=row["def"])
            )


def _after_load(conn: Any, schema: Schema, parents: dict[int, dict[str, Any]]) -> None:
    after_load_sql(conn, schema, parents)
