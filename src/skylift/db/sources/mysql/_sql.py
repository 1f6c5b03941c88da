"""MySQL SQL text -> PostgreSQL: defaults, CHECK expressions, views, and the objects a human
converts (triggers, routines, events, FULLTEXT indexes), reported with their SQL.
"""

from __future__ import annotations

import re
from typing import Any

from skylift.db.schema import Column, Schema, Table, View
from skylift.db.sources.mysql._connection import query

_NOW = re.compile(r"^(current_timestamp|now|localtimestamp|localtime)(\(\d*\))?$", re.IGNORECASE)
_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")
# words PostgreSQL would not take as a bare column/table name
_RESERVED = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both",
    "case", "cast", "check", "collate", "column", "constraint", "create", "current_catalog",
    "current_date", "current_role", "current_time", "current_timestamp", "current_user",
    "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false",
    "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially",
    "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
    "null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
    "returning", "select", "session_user", "some", "symmetric", "table", "then", "to",
    "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where",
    "window", "with", "authorization", "binary", "collation", "concurrently", "cross",
    "current_schema", "freeze", "full", "ilike", "inner", "is", "isnull", "join", "left",
    "like", "natural", "notnull", "outer", "overlaps", "right", "similar", "tablesample",
    "verbose",
}  # fmt: skip


def quote(name: str) -> str:
    """A MySQL identifier, backquoted."""
    return "`" + name.replace("`", "``") + "`"


def pg_ident(name: str) -> str:
    """A PostgreSQL identifier naming exactly `name` (quoted only when it has to be), as long
    names are shortened to fit (translate.shorten)."""
    from skylift.db.translate import shorten

    name = shorten(name)
    if _PLAIN.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def _pg_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _unquote_literal(default: str) -> str | None:
    """The text of a MariaDB-style quoted default ('abc'), or None when it is not one."""
    if len(default) >= 2 and default[0] == default[-1] == "'":
        return default[1:-1].replace("''", "'").replace("\\\\", "\\")
    return None


def translate_default(schema: Schema, table: str, col: Column) -> str | None:
    """The PostgreSQL DEFAULT of a column, or None (with a Note when something was dropped)."""
    raw = col.default
    if raw is None or raw.upper() == "NULL" or col.identity:
        return None
    literal = _unquote_literal(raw)
    value = literal if literal is not None else raw
    where = f"{table}.{col.name}"
    if col.kind in ("date", "timestamp", "timestamptz") and value.startswith("0000-00-00"):
        schema.note(
            where, f"zero-date default {raw} dropped (no such date in PostgreSQL)", "warning"
        )
        return None
    if _NOW.match(value) and literal is None:
        return "CURRENT_DATE" if col.kind == "date" else "CURRENT_TIMESTAMP"
    if col.kind == "bool":
        bits = value.lower().removeprefix("b").strip("'")
        if bits in ("0", "1"):
            return "true" if bits == "1" else "false"
    if col.kind in ("int", "float", "numeric") and re.fullmatch(
        r"-?\d+(\.\d*)?(e[-+]?\d+)?", value, re.I
    ):
        return value
    if literal is not None:
        if col.pg_type == "text[]":
            return _pg_literal("{" + ",".join(f'"{v}"' for v in literal.split(",") if v) + "}")
        if col.kind == "bytes":
            return _pg_literal("\\x" + literal.encode().hex()) + "::bytea"
        return _pg_literal(literal)
    translated = translate_expr(raw)
    if translated is None:
        schema.note(where, "DEFAULT not translated: set it by hand", "manual", raw)
    return translated


def translate_expr(sql: str, booleans: set[str] | None = None) -> str | None:
    """A MySQL expression in PostgreSQL, or None when sqlglot cannot translate it."""
    import sqlglot  # imported on first use: most schemas never need it (about 65 ms)
    from sqlglot.errors import ErrorLevel

    try:
        tree = sqlglot.parse_one(sql, read="mysql")
        _fix_booleans(tree, booleans or set())
        return tree.sql(dialect="postgres", unsupported_level=ErrorLevel.RAISE)
    except Exception:
        return None


def _fix_booleans(tree: Any, booleans: set[str]) -> None:
    """`flag = 1` on a tinyint(1) that became boolean: compare with TRUE (no boolean = int)."""
    from sqlglot import exp

    for node in tree.find_all(exp.EQ, exp.NEQ):
        left, right = node.left, node.right
        for col, lit in ((left, right), (right, left)):
            if (
                isinstance(col, exp.Column)
                and col.name in booleans
                and isinstance(lit, exp.Literal)
                and lit.this in ("0", "1")
            ):
                lit.replace(exp.Boolean(this=lit.this == "1"))


def views(conn: Any, db: str, schema: Schema) -> None:
    rows = query(
        conn,
        "SELECT table_name, view_definition FROM information_schema.views"
        " WHERE table_schema = %s ORDER BY table_name",
        db,
    )
    for row in rows:
        view = View(name=row["table_name"], sql=row["view_definition"])
        view.pg_sql = _translate_view(row["view_definition"], booleans(schema))
        if view.pg_sql is None:
            schema.note(view.name, "view not translated: write it by hand", "manual", view.sql)
        schema.views.append(view)


def booleans(schema: Schema) -> set[str]:
    return {c.name for t in schema.tables for c in t.columns if c.kind == "bool"}


def _translate_view(sql: str, bools: set[str]) -> str | None:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel

    try:
        tree = sqlglot.parse_one(sql, read="mysql")
        _fix_booleans(tree, bools)
        for node in tree.find_all(exp.Table, exp.Column):
            # MySQL qualifies names with the database; on PostgreSQL they live in one schema
            node.set("db", None)
            node.set("catalog", None)
        return tree.sql(dialect="postgres", unsupported_level=ErrorLevel.RAISE)
    except Exception:
        return None


def fulltext_note(schema: Schema, table: Table, index: str, columns: list[str]) -> None:
    doc = " || ' ' || ".join(f"coalesce({pg_ident(c)}, '')" for c in columns)
    vector = f"to_tsvector('simple', {doc})"
    schema.note(
        f"{table.name}.{index}",
        "FULLTEXT index not created: PostgreSQL searches text with a tsvector GIN index;"
        f" rewrite MATCH(...) AGAINST(q) as {vector} @@ websearch_to_tsquery('simple', q)",
        "manual",
        f"CREATE INDEX {pg_ident(index)} ON {pg_ident(table.name)} USING gin ({vector});",
    )


def on_update_triggers(schema: Schema) -> None:
    """ON UPDATE CURRENT_TIMESTAMP -> a BEFORE UPDATE trigger with MySQL's rule: the column
    takes the current time when another column changed and the UPDATE did not set it."""
    for table in schema.tables:
        for col in table.columns:
            if not col.extra.get("on_update"):
                continue
            c, t = pg_ident(col.name), pg_ident(table.name)
            func = pg_ident(f"{table.name}_{col.name}_on_update")
            now = "LOCALTIMESTAMP" if col.kind == "timestamp" else "CURRENT_TIMESTAMP"
            schema.post_sql.append(
                f"CREATE OR REPLACE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n  IF NEW.{c} IS NOT DISTINCT FROM OLD.{c} AND NEW IS DISTINCT FROM OLD"
                f" THEN\n    NEW.{c} := {now};\n  END IF;\n  RETURN NEW;\nEND $$"
            )
            schema.post_sql.append(
                f"CREATE OR REPLACE TRIGGER {func} BEFORE UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION {func}()"
            )
            schema.note(
                f"{table.name}.{col.name}",
                "ON UPDATE CURRENT_TIMESTAMP became the trigger " + func,
            )


def routines_triggers_events(conn: Any, db: str, schema: Schema) -> None:
    """Everything with a body in MySQL's procedural language: reported for a human, with SQL."""
    for row in query(
        conn,
        "SELECT trigger_name, event_manipulation, event_object_table, action_timing,"
        " action_statement FROM information_schema.triggers WHERE trigger_schema = %s",
        db,
    ):
        sql = (
            f"CREATE TRIGGER {quote(row['trigger_name'])} {row['action_timing']}"
            f" {row['event_manipulation']} ON {quote(row['event_object_table'])}"
            f" FOR EACH ROW {row['action_statement']}"
        )
        schema.note(
            row["trigger_name"],
            f"trigger on {row['event_object_table']} not converted: rewrite it as a PL/pgSQL"
            " trigger function",
            "manual",
            sql,
        )
    for row in query(
        conn,
        "SELECT routine_name, routine_type, routine_definition FROM information_schema.routines"
        " WHERE routine_schema = %s",
        db,
    ):
        body = _show_create(conn, row["routine_type"], row["routine_name"])
        schema.note(
            row["routine_name"],
            f"stored {row['routine_type'].lower()} not converted: rewrite it in PL/pgSQL",
            "manual",
            body or row["routine_definition"],
        )
    for row in query(
        conn,
        "SELECT event_name, event_definition, interval_value, interval_field, status"
        " FROM information_schema.events WHERE event_schema = %s",
        db,
    ):
        every = (
            f"every {row['interval_value']} {row['interval_field']}"
            if row["interval_value"]
            else "once"
        )
        schema.note(
            row["event_name"],
            f"scheduled event ({every}, {row['status']}) not converted: schedule it with"
            " pg_cron or an EventBridge rule running the SQL",
            "manual",
            row["event_definition"],
        )


def _show_create(conn: Any, kind: str, name: str) -> str | None:
    try:
        with conn.cursor() as cur:
            cur.execute(f"SHOW CREATE {kind} {quote(name)}")
            row = cur.fetchone()
    except Exception:
        return None
    text = row[2] if row and len(row) > 2 else None
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text
