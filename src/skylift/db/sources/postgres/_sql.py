"""Verbatim SQL of a PostgreSQL source: objects the engine does not model (domains, sequences,
functions, partitioned tables, views, triggers), each statement safe to run twice.
"""

from __future__ import annotations

from typing import Any

from skylift.db.schema import Schema
from skylift.db.sources.postgres._connection import rows
from skylift.db.translate import quote

ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def user_schema_filter(alias: str = "n") -> str:
    """SQL condition: the namespace `alias` belongs to the app (not the system, not the host)."""
    return (
        f"{alias}.nspname NOT LIKE 'pg\\_%' AND {alias}.nspname <> 'information_schema'"
        f" AND {alias}.nspname <> 'heroku_ext'"
        f" AND {alias}.nspname <> 'skylift'"  # the journal of a database skylift migrated into
        f" AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {alias}.oid"
        "   AND d.deptype = 'e')"
    )


def qualified(schema: str | None, name: str) -> str:
    return f"{quote(schema)}.{quote(name)}" if schema else quote(name)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def guarded(sql: str, unless: str | None = None) -> str:
    """`sql` run only when `unless` (a query) finds no row: reruns skip what is done."""
    if unless is None:
        return sql
    return f"DO $skylift$ BEGIN IF NOT EXISTS ({unless}) THEN {sql}; END IF; END $skylift$"


def object_sql(conn: Any, schema: Schema) -> None:
    """Domains, composite types, sequences and functions, created before the tables."""
    ext = "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = {} AND e.deptype = 'e')"
    for row in rows(
        conn,
        "SELECT t.oid, n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod) AS base,"
        " t.typnotnull, t.typdefault, ARRAY(SELECT 'CONSTRAINT ' || quote_ident(c.conname) || ' '"
        "   || pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.contypid = t.oid) AS checks"
        " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
        f" WHERE t.typtype = 'd' AND {user_schema_filter()} AND {ext.format('t.oid')}"
        " ORDER BY t.oid",
    ):
        sql = f"CREATE DOMAIN {_name(row)} AS {row['base']}"
        if row["typdefault"] is not None:
            sql += f" DEFAULT {row['typdefault']}"
        if row["typnotnull"]:
            sql += " NOT NULL"
        sql += "".join(" " + c for c in row["checks"])
        schema.pre_sql.append(guarded(sql, _type_exists(row)))
    for row in rows(
        conn,
        "SELECT t.oid, n.nspname, t.typname, ARRAY(SELECT quote_ident(a.attname) || ' ' ||"
        "   format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = t.typrelid"
        "   AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS attrs"
        " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
        " JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'"
        f" WHERE {user_schema_filter()} AND {ext.format('t.oid')} ORDER BY t.oid",
    ):
        sql = f"CREATE TYPE {_name(row)} AS ({', '.join(row['attrs'])})"
        schema.pre_sql.append(guarded(sql, _type_exists(row)))
    _sequences(conn, schema)
    _functions(conn, schema, ext)


def _name(row: dict[str, Any]) -> str:
    return qualified(row["nspname"], row["typname"])


def _type_exists(row: dict[str, Any]) -> str:
    return (
        "SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
        f" WHERE n.nspname = {_literal(row['nspname'])} AND t.typname = {_literal(row['typname'])}"
    )


def _sequences(conn: Any, schema: Schema) -> None:
    for row in rows(
        conn,
        "SELECT c.oid, n.nspname, c.relname, format_type(s.seqtypid, NULL) AS type, s.seqstart,"
        " s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, d.deptype,"
        " t.relname AS owner_table, tn.nspname AS owner_schema, a.attname AS owner_column"
        " FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass"
        "   AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')"
        " LEFT JOIN pg_class t ON t.oid = d.refobjid"
        " LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace"
        " LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
        f" WHERE {user_schema_filter()} ORDER BY c.oid",
    ):
        name = qualified(row["nspname"], row["relname"])
        state = conn.execute(f"SELECT last_value, is_called FROM {name}").fetchone()
        owner = None
        if row["owner_table"]:
            owner_schema = None if row["owner_schema"] == "public" else row["owner_schema"]
            owner = qualified(owner_schema, row["owner_table"])
        if row["deptype"] == "i" and owner:
            # an identity column's sequence is made by the engine; give it the source's value
            seq = f"pg_get_serial_sequence({_literal(owner)}, {_literal(row['owner_column'])})"
        else:
            schema.pre_sql.append(
                f"CREATE SEQUENCE IF NOT EXISTS {name} AS {row['type']}"
                f" INCREMENT BY {row['seqincrement']} MINVALUE {row['seqmin']}"
                f" MAXVALUE {row['seqmax']} START WITH {row['seqstart']} CACHE {row['seqcache']}"
                + (" CYCLE" if row["seqcycle"] else "")
            )
            seq = _literal(name)
            if owner:
                schema.post_sql.append(
                    f"ALTER SEQUENCE {name} OWNED BY {owner}.{quote(row['owner_column'])}"
                )
        schema.post_sql.append(f"SELECT setval({seq}, {state[0]}, {str(state[1]).lower()})")


def _functions(conn: Any, schema: Schema, ext: str) -> None:
    for row in rows(
        conn,
        "SELECT p.oid, p.proname, p.prokind, pg_get_functiondef(p.oid) AS def,"
        " EXISTS (SELECT 1 FROM pg_type t WHERE t.typrelid <> 0 AND t.oid = ANY("
        "   p.proargtypes::oid[] || p.prorettype) AND EXISTS (SELECT 1 FROM pg_class r"
        "   WHERE r.oid = t.typrelid AND r.relkind <> 'c')) AS uses_rowtype"
        " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        f" WHERE {user_schema_filter()} AND {ext.format('p.oid')} ORDER BY p.oid",
    ):
        if row["prokind"] not in ("f", "p"):
            schema.note(row["proname"], "aggregate/window function not copied", "manual")
            continue
        # a function typed by a table's row needs the table: create it after the load
        (schema.post_sql if row["uses_rowtype"] else schema.pre_sql).append(row["def"])


def after_load_sql(conn: Any, schema: Schema, parents: dict[int, dict[str, Any]]) -> None:
    """Partitioned tables (ATTACH of the loaded partitions), views, triggers, identities."""
    post = [_create_parent(info) for info in parents.values()]
    children = [*leaves_info(conn), *(info for info in parents.values() if info["parent"])]
    for child in children:
        parent = parents.get(child["parent"])
        if parent is None:
            continue
        child_name = qualified(_nsp(child), child["relname"])
        post.append(
            guarded(
                f"ALTER TABLE {qualified(_nsp(parent), parent['relname'])} ATTACH PARTITION"
                f" {child_name} {child['bound']}",
                f"SELECT 1 FROM pg_inherits WHERE inhrelid = {_literal(child_name)}::regclass",
            )
        )
    for info in parents.values():
        table = qualified(_nsp(info), info["relname"])
        for col in info["columns"]:
            if col.extra.get("identity") == "a":  # made BY DEFAULT (_create_parent)
                post.append(
                    f"ALTER TABLE {table} ALTER COLUMN {quote(col.name)} SET GENERATED ALWAYS"
                )
        for con in info.get("constraints", []):
            post.append(
                guarded(
                    f"ALTER TABLE {table} ADD CONSTRAINT {quote(con['conname'])} {con['def']}",
                    "SELECT 1 FROM pg_constraint WHERE conname = "
                    f"{_literal(con['conname'])} AND conrelid = {_literal(table)}::regclass",
                )
            )
        for idx in info.get("indexes", []):
            post.append(_if_not_exists(idx.replace(" ON ONLY ", " ON ", 1)))
    schema.post_sql[:0] = post  # before sequences are owned by partitioned tables
    _views_triggers(conn, schema, set(parents))


def _nsp(info: dict[str, Any]) -> str | None:
    return None if info["nspname"] == "public" else info["nspname"]


def leaves_info(conn: Any) -> list[dict[str, Any]]:
    return rows(
        conn,
        "SELECT c.oid, n.nspname, c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound,"
        " i.inhparent AS parent FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_inherits i ON i.inhrelid = c.oid"
        f" WHERE c.relkind = 'r' AND c.relispartition AND {user_schema_filter()} ORDER BY c.oid",
    )


def _create_parent(info: dict[str, Any]) -> str:
    cols = []
    for col in info["columns"]:
        part = f"{quote(col.name)} {col.pg_type}"
        if col.collation:
            part += f" COLLATE {quote(col.collation)}"
        if col.extra.get("identity") in ("a", "d"):  # the partitions' rows keep their values
            part += " GENERATED BY DEFAULT AS IDENTITY"
        if col.pg_default is not None:
            part += f" DEFAULT {col.pg_default}"
        if not col.nullable:
            part += " NOT NULL"
        cols.append(part)
    table = qualified(_nsp(info), info["relname"])
    return f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(cols)}) PARTITION BY {info['partkey']}"


def _if_not_exists(index_sql: str) -> str:
    for prefix in ("CREATE UNIQUE INDEX ", "CREATE INDEX "):
        if index_sql.startswith(prefix):
            return prefix + "IF NOT EXISTS " + index_sql[len(prefix) :]
    return index_sql


def _views_triggers(conn: Any, schema: Schema, parents: set[int]) -> None:
    for row in rows(
        conn,
        "SELECT c.oid, n.nspname, c.relname, c.relkind, pg_get_viewdef(c.oid) AS def"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        f" WHERE c.relkind IN ('v', 'm') AND {user_schema_filter()}"
        "  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
        " ORDER BY c.oid",
    ):
        name = qualified(_nsp(row), row["relname"])
        body = row["def"].strip().rstrip(";")
        if row["relkind"] == "v":
            schema.post_sql.append(f"CREATE OR REPLACE VIEW {name} AS {body}")
        else:
            schema.post_sql.append(f"CREATE MATERIALIZED VIEW IF NOT EXISTS {name} AS {body}")
            for idx in rows(
                conn,
                "SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = %s",
                row["oid"],
            ):
                schema.post_sql.append(_if_not_exists(idx["def"]))
    for row in rows(
        conn,
        "SELECT t.tgname, pg_get_triggerdef(t.oid) AS def, t.tgconstraint <> 0 AS constraint_trg"
        " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        f" WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND {user_schema_filter()}"
        " AND t.tgname NOT LIKE 'skylift\\_%'"  # db sync's capture and freeze triggers
        " ORDER BY t.oid",
    ):
        sql = row["def"]
        if not row["constraint_trg"]:
            sql = sql.replace("CREATE TRIGGER", "CREATE OR REPLACE TRIGGER", 1)
        schema.post_sql.append(sql)
    for table in schema.tables:
        for col in table.columns:
            if col.extra.get("identity") == "a":
                schema.post_sql.append(
                    f"ALTER TABLE {qualified(table.schema, table.name)} ALTER COLUMN"
                    f" {quote(col.name)} SET GENERATED ALWAYS"
                )
    policies = rows(conn, "SELECT polname, polrelid::regclass::text AS tbl FROM pg_policy")
    for pol in policies:
        schema.note(
            f"{pol['tbl']} policy {pol['polname']}",
            "row-level security policy not copied: recreate it (roles differ on the target)",
            "manual",
        )
