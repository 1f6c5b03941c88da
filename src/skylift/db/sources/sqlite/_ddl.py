"""SQLite SQL -> PostgreSQL SQL: defaults, CHECKs, index predicates, views, simple triggers.

sqlglot does the general transpiling; what it leaves in SQLite's own words (datetime('now'),
strftime, GLOB, ...) is handled here or reported by name, never dropped silently.
"""

from __future__ import annotations

import logging
import re

import sqlglot
from sqlglot import exp

from skylift.db.schema import Check, Index, Schema, Trigger

# functions that exist in SQLite but not (with the same meaning) in PostgreSQL
SQLITE_ONLY = {
    "DATETIME", "DATE", "TIME", "STRFTIME", "JULIANDAY", "UNIXEPOCH", "GLOB", "INSTR", "PRINTF",
    "TYPEOF", "UNICODE", "ZEROBLOB", "RANDOMBLOB", "HEX", "LIKELY", "UNLIKELY", "TOTAL",
    "CHANGES", "LAST_INSERT_ROWID", "SQLITE_VERSION", "IIF", "JSON_EXTRACT",
}  # fmt: skip
_NOW = r"(?:CURRENT_TIMESTAMP|datetime\s*\(\s*'now'\s*\)|datetime\s*\(\s*'now'\s*,\s*'(?:utc|localtime)'\s*\))"
_STRFTIME_NOW = re.compile(r"^strftime\s*\(\s*'(?P<fmt>[^']*)'\s*,\s*'now'\s*\)$", re.I)
_STRFTIME_CODES = {
    "%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "HH24", "%M": "MI", "%S": "SS",
    "%f": "SS.MS", "%j": "DDD", "%%": "%",
}  # fmt: skip
UTC_NOW = "(now() AT TIME ZONE 'UTC')"
# sqlglot logs what it cannot parse; skylift reports those objects itself
logging.getLogger("sqlglot").setLevel(logging.ERROR)


def strip_parens(sql: str) -> str:
    sql = sql.strip()
    while sql.startswith("(") and sql.endswith(")") and _balanced(sql[1:-1]):
        sql = sql[1:-1].strip()
    return sql


def _balanced(sql: str) -> bool:
    depth = 0
    for ch in sql:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _to_char_format(fmt: str) -> str | None:
    out, i = [], 0
    while i < len(fmt):
        code = fmt[i : i + 2]
        if code in _STRFTIME_CODES:
            out.append(_STRFTIME_CODES[code])
            i += 2
        elif fmt[i] == "%":
            return None
        else:
            out.append(f'"{fmt[i]}"' if fmt[i].isalpha() else fmt[i])
            i += 1
    return "".join(out)


def now_default(sql: str, kind: str) -> str | None:
    """A PostgreSQL default for SQLite's "now" expressions, fitted to the column kind."""
    if re.fullmatch(_NOW, sql, re.I):
        return {
            "timestamptz": "now()",
            "timestamp": f"{UTC_NOW}::timestamp",
            "date": f"{UTC_NOW}::date",
            "text": f"to_char({UTC_NOW}, 'YYYY-MM-DD HH24:MI:SS')",
        }.get(kind)
    if re.fullmatch(r"CURRENT_DATE|date\s*\(\s*'now'\s*\)", sql, re.I):
        return {"date": f"{UTC_NOW}::date", "text": f"to_char({UTC_NOW}, 'YYYY-MM-DD')"}.get(kind)
    if re.fullmatch(r"CURRENT_TIME|time\s*\(\s*'now'\s*\)", sql, re.I):
        return {"text": f"to_char({UTC_NOW}, 'HH24:MI:SS')", "time": f"{UTC_NOW}::time"}.get(kind)
    if re.fullmatch(r"unixepoch\s*\(\s*\)", sql, re.I):
        return "extract(epoch FROM now())::bigint" if kind in ("int", "numeric") else None
    match = _STRFTIME_NOW.match(sql)
    if match:
        fmt = match.group("fmt")
        if fmt == "%s":
            return "extract(epoch FROM now())::bigint" if kind in ("int", "numeric") else None
        if kind in ("timestamptz", "timestamp", "date"):
            return now_default("CURRENT_TIMESTAMP", kind)
        pg_fmt = _to_char_format(fmt)
        return f"to_char({UTC_NOW}, '{pg_fmt}')" if pg_fmt and kind == "text" else None
    return None


def expression(sql: str) -> str | None:
    """Transpile a scalar SQLite expression; None when it uses SQLite-only functions."""
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.ParseError:
        return None
    if _uses_sqlite_only(tree):
        return None
    return tree.sql(dialect="postgres")


def _uses_sqlite_only(tree: exp.Expr) -> bool:
    for node in tree.walk():
        name = ""
        if isinstance(node, exp.Anonymous):
            name = str(node.this).upper()
        elif isinstance(node, exp.Func):
            name = node.sql_name().upper()
        if name in SQLITE_ONLY or isinstance(node, exp.Glob):
            return True
    return False


def generated_columns(create_sql: str) -> dict[str, tuple[str, str | None]]:
    """Generated columns of a CREATE TABLE: name -> (SQLite expression, PostgreSQL's or None)."""
    if not re.search(r"\bAS\s*\(", create_sql, re.I):
        return {}
    try:
        tree = sqlglot.parse_one(create_sql, read="sqlite")
    except sqlglot.errors.ParseError:
        return {}
    found: dict[str, tuple[str, str | None]] = {}
    for col in tree.find_all(exp.ColumnDef):
        for c in col.constraints:
            if isinstance(c.kind, exp.ComputedColumnConstraint):
                source = c.kind.this.sql(dialect="sqlite")
                found[col.name] = (source, expression(source))
    return found


def nocase_columns(create_sql: str) -> list[str]:
    """Columns declared COLLATE NOCASE in a CREATE TABLE."""
    if not re.search(r"\bNOCASE\b", create_sql, re.I):
        return []
    try:
        tree = sqlglot.parse_one(create_sql, read="sqlite")
    except sqlglot.errors.ParseError:
        return []
    return [
        col.name
        for col in tree.find_all(exp.ColumnDef)
        for c in col.constraints
        if isinstance(c.kind, exp.CollateColumnConstraint)
        and c.kind.sql(dialect="sqlite").upper().endswith("NOCASE")
    ]


def checks(create_sql: str) -> list[Check]:
    """CHECK constraints of a CREATE TABLE (column and table level), with their translation."""
    try:
        tree = sqlglot.parse_one(create_sql, read="sqlite")
    except sqlglot.errors.ParseError:
        return _checks_by_regex(create_sql)
    found: list[Check] = []
    for node in tree.find_all(exp.CheckColumnConstraint):
        source = node.this.sql(dialect="sqlite")
        found.append(Check(source, pg_expr=expression(source)))
    return found


def _checks_by_regex(create_sql: str) -> list[Check]:
    found = []
    for match in re.finditer(r"CHECK\s*\(", create_sql, re.I):
        depth, start = 1, match.end()
        for i in range(start, len(create_sql)):
            depth += {"(": 1, ")": -1}.get(create_sql[i], 0)
            if depth == 0:
                source = create_sql[start:i]
                found.append(Check(source, pg_expr=expression(source)))
                break
    return found


def index(name: str, unique: bool, cols: list[str | None], sql: str | None) -> Index:
    """An index; expression and partial indexes are parsed from their CREATE INDEX."""
    idx = Index(name, [c for c in cols if c is not None], unique=unique, source_sql=sql)
    if not sql:
        return idx
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.ParseError:
        idx.where = "?"  # forces a manual note
        return idx
    where = tree.find(exp.Where)
    if where is not None:
        idx.where = where.this.sql(dialect="sqlite")
    if None in cols:
        params = tree.find(exp.IndexParameters)
        exprs = params.args.get("columns", []) if params else []
        idx.columns = [e.sql(dialect="sqlite") for e in exprs]
        idx.expressions = True
    return idx


def view_select(create_sql: str) -> str:
    match = re.search(r"\bAS\b\s*(?P<body>(SELECT|WITH|VALUES)\b.*)$", create_sql, re.I | re.S)
    return match.group("body").strip().rstrip(";") if match else create_sql


def translate_objects(schema: Schema) -> None:
    """Indexes, views and triggers: translate what translates; report the rest by name with
    its SQL."""
    for table in schema.tables:
        table.indexes = [idx for idx in table.indexes if _translate_index(schema, idx)]
    for view in schema.views:
        view.pg_sql = _select(view.sql)
        if view.pg_sql is None:
            schema.note(
                view.name, "view uses SQLite-only SQL: create it by hand", "manual", view.sql
            )
    for trigger in schema.triggers:
        trigger.pg_sql = _touch_trigger(trigger)
        if trigger.pg_sql is None:
            schema.note(
                trigger.name,
                f"trigger on {trigger.table} not translated: rewrite it as a PL/pgSQL trigger",
                "manual",
                trigger.sql,
            )


def _translate_index(schema: Schema, idx: Index) -> bool:
    """Partial and expression indexes carry SQLite SQL: translate it, or report the index."""
    where = expression(idx.where) if idx.where else None
    columns = [expression(c) for c in idx.columns] if idx.expressions else idx.columns
    if (idx.where and where is None) or None in columns:
        schema.note(
            idx.name, "index uses SQLite-only SQL: create it by hand", "manual", idx.source_sql
        )
        return False
    idx.where, idx.columns = where, [c for c in columns if c is not None]
    return True


def _select(sql: str) -> str | None:
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.ParseError:
        return None
    return None if _uses_sqlite_only(tree) else tree.sql(dialect="postgres")


_TOUCH = re.compile(
    r"CREATE\s+TRIGGER\s+(IF\s+NOT\s+EXISTS\s+)?\S+\s+AFTER\s+UPDATE\s+ON\s+[\"`]?(?P<t>\w+)[\"`]?"
    r"\s+(FOR\s+EACH\s+ROW\s+)?BEGIN\s+UPDATE\s+[\"`]?(?P=t)[\"`]?\s+SET\s+[\"`]?(?P<col>\w+)[\"`]?"
    rf"\s*=\s*(?P<now>{_NOW})\s+WHERE\s+[\"`]?(?P<k>\w+)[\"`]?\s*=\s*NEW\.[\"`]?(?P=k)[\"`]?\s*;\s*END",
    re.I | re.S,
)


def _touch_trigger(trigger: Trigger) -> str | None:
    """The common `updated_at` trigger becomes a BEFORE UPDATE trigger setting NEW.col."""
    match = _TOUCH.search(trigger.sql)
    if not match:
        return None
    from skylift.db.translate import quote, shorten

    func, name = quote(shorten(f"{trigger.name}_fn")), quote(shorten(trigger.name))
    col, table = quote(shorten(match.group("col"))), quote(shorten(trigger.table))
    return (
        f"CREATE OR REPLACE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN NEW.{col} := now(); RETURN NEW; END $$;\n"
        f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {func}()"
    )
