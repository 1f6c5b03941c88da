"""Portable schema -> PostgreSQL DDL, as ordered steps.

Tables are created before the load with only what every row must satisfy anyway (types, NOT
NULL, defaults, identity, CHECKs), so a row that breaks them fails in COPY and is isolated into
the reject table. Keys, indexes and foreign keys are built after the load: faster, and a foreign
key that the source never enforced (SQLite's are off by default) can be added NOT VALID, with
the orphan rows reported instead of refused.

Identifiers: names are kept exactly (quoted) by default, so an ORM that quotes ("createdAt")
keeps working; `identifiers="lower"` folds them to lower case for apps whose raw SQL is
unquoted. Either way, names that need quoting in PostgreSQL are reported.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from skylift.db.schema import Check, EnumType, ForeignKey, Index, Schema, Table

Policy = Literal["preserve", "lower"]
# words PostgreSQL reserves that apps commonly use as names (SELECT * FROM user -> current_user)
RESERVED = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case",
    "cast", "check", "collate", "column", "constraint", "create", "current_catalog",
    "current_date", "current_role", "current_time", "current_timestamp", "current_user",
    "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch",
    "for", "foreign", "from", "grant", "group", "having", "in", "initially", "intersect", "into",
    "lateral", "leading", "limit", "localtime", "localtimestamp", "not", "null", "offset", "on",
    "only", "or", "order", "placing", "primary", "references", "returning", "select",
    "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true", "union",
    "unique", "user", "using", "variadic", "when", "where", "window", "with", "authorization",
    "binary", "collation", "concurrently", "cross", "freeze", "full", "ilike", "inner", "is",
    "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps", "right",
    "similar", "tablesample", "verbose",
}  # fmt: skip


@dataclass
class Step:
    """One DDL statement. `optional` failures become notes; `object` names it in messages."""

    sql: str
    object: str
    optional: bool = False
    kind: str = "ddl"  # ddl | key_index | key | index | fk | identity | analyze | untranslated
    exists: str | None = None  # SQL returning a row when the step is already done (resume)
    orphans: str | None = None  # fk: SQL counting child rows without a parent
    table: str | None = None  # key_index, index, fk: the table (Table.qualified) it works on
    lock: str | None = None  # fk: locks both tables in one global order (no deadlock)
    parent: str | None = None  # fk: the referenced table (Table.qualified), when migrated too


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


MAX_COLUMNS = 1600  # PostgreSQL's MaxHeapAttributeNumber
NAMEDATALEN = 63  # the bytes PostgreSQL keeps of an identifier; it silently cuts the rest


def pg_name(name: str, policy: Policy = "preserve") -> str:
    """A source name as the target spells it: folded by `policy`, then `shorten`ed."""
    return shorten(name.lower() if policy == "lower" else name)


def shorten(name: str) -> str:
    """A name PostgreSQL keeps whole: one longer than 63 bytes becomes its first bytes (whole
    UTF-8 characters) and 8 hex digits of a hash of all of it. PostgreSQL would cut it at 63
    bytes, so two names sharing those bytes would become one; these stay two, the same on
    every run. An empty name (SQLite allows `""`; PostgreSQL refuses a zero-length identifier)
    becomes `unnamed_` and the same hash."""
    raw = name.encode()
    if not raw:
        return "unnamed_" + hashlib.sha1(raw).hexdigest()[:8]
    if len(raw) <= NAMEDATALEN:
        return name
    digest = hashlib.sha1(raw).hexdigest()[:8]
    prefix = raw[: NAMEDATALEN - len(digest) - 1].decode(errors="ignore")
    return f"{prefix}_{digest}"


def constraint_name(table: str, parts: list[str], suffix: str) -> str:
    name = f"{table}_{'_'.join(parts)}_{suffix}" if parts else f"{table}_{suffix}"
    if len(name.encode()) <= NAMEDATALEN:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    head = name.encode()[: NAMEDATALEN - len(digest) - len(suffix) - 2].decode(errors="ignore")
    return f"{head}_{digest}_{suffix}"


def key_name(schema: Schema, table: Table, tname: str, parts: list[str], suffix: str) -> str:
    """A key's constraint (and index) name, PostgreSQL's own form `t_pkey`, `t_a_key` unless a
    table or view of the schema is already called that (its key would not be created): then
    with 8 hex digits of a hash before the suffix, the same on every run."""
    name = constraint_name(tname, parts, suffix)
    relations = [*((t.schema, t.name) for t in schema.tables),
                 *((v.schema, v.name) for v in schema.views)]  # fmt: skip
    if (table.schema, name) in {(s, n) for s, n in relations} | {
        (s, n.lower()) for s, n in relations
    }:
        return constraint_name(tname, [*parts, hashlib.sha1(name.encode()).hexdigest()[:8]], suffix)
    return name


class Translator:
    def __init__(self, schema: Schema, policy: Policy = "preserve") -> None:
        self.schema = schema
        self.policy = policy

    def n(self, name: str) -> str:
        return quote(pg_name(name, self.policy))

    def t(self, table: Table) -> str:
        name = self.n(table.name)
        return f"{quote(table.schema)}.{name}" if table.schema else name

    def target_names(self, table: Table) -> tuple[str, list[str]]:
        """The table as regclass text and its columns' names, as the target spells them."""
        return self.t(table), [pg_name(c.name, self.policy) for c in table.columns]

    def regclass(self, table: Table) -> str:
        return self.t(table).replace("'", "''")

    # -- before the load -----------------------------------------------------------------------
    def pre_load(self) -> list[Step]:
        steps = [
            Step(f"CREATE EXTENSION IF NOT EXISTS {quote(e)}", e) for e in self.schema.extensions
        ]
        steps += [Step(f"CREATE SCHEMA IF NOT EXISTS {quote(s)}", s) for s in self.schema.schemas]
        for enum in self.schema.enums:
            labels = ", ".join("'" + label.replace("'", "''") + "'" for label in enum.labels)
            steps.append(Step(f"CREATE TYPE {self.enum(enum)} AS ENUM ({labels})", enum.name))
        steps += [Step(sql, "pre_sql") for sql in self.schema.pre_sql]
        for table in self.schema.tables:
            steps.append(Step(self.create_table(table), table.name))
            steps += self.defaults(table)
            steps += self.generated(table)
            steps += [self.check(table, i, c) for i, c in enumerate(table.checks, 1)]
        return steps

    def generated(self, table: Table) -> list[Step]:
        """Generated columns, added to the empty table (PostgreSQL computes them as rows are
        copied; they are not copied): one it refuses is a note."""
        return [
            Step(
                f"ALTER TABLE {self.t(table)} ADD COLUMN {self.n(name)} {pg_type}"
                f" GENERATED ALWAYS AS ({expr}) STORED",
                f"{table.name}.{name} generated",
                optional=True,
            )
            for name, pg_type, expr in table.generated
        ]

    def defaults(self, table: Table) -> list[Step]:
        """Each default on its own, after the table: one PostgreSQL refuses (a source's default
        that was never checked against its column) is a note, never a refused table."""
        return [
            Step(
                f"ALTER TABLE {self.t(table)} ALTER COLUMN {self.n(col.name)} SET DEFAULT {col.pg_default}",
                f"{table.name}.{col.name} DEFAULT {col.default or col.pg_default}",
                optional=True,
            )
            for col in table.columns
            if col.pg_default is not None and not col.identity
        ]

    def enum(self, enum: EnumType) -> str:
        """An enum type's name as SQL (schema-qualified when it has a schema)."""
        return f"{quote(enum.schema)}.{quote(enum.name)}" if enum.schema else quote(enum.name)

    def create_table(self, table: Table) -> str:
        lines = []
        for col in table.columns:
            parts = [self.n(col.name), col.pg_type]
            if col.collation:
                parts.append(f"COLLATE {quote(col.collation)}")
            if col.identity:
                parts.append("GENERATED BY DEFAULT AS IDENTITY")
            if not col.nullable:
                parts.append("NOT NULL")
            lines.append("  " + " ".join(parts))
        return f"CREATE TABLE {self.t(table)} (\n" + ",\n".join(lines) + "\n)"

    def check(self, table: Table, number: int, check: Check) -> Step:
        name = (
            shorten(check.name)
            if check.name
            else constraint_name(pg_name(table.name, self.policy), [], f"check{number}")
        )
        where = f"{table.name} CHECK ({check.expr})"
        if check.pg_expr is None:
            return Step("", where, optional=True, kind="untranslated")
        return Step(
            f"ALTER TABLE {self.t(table)} ADD CONSTRAINT {quote(name)} CHECK ({check.pg_expr})",
            where,
            optional=True,
        )

    # -- after the load ------------------------------------------------------------------------
    def post_load(self) -> list[Step]:
        steps: list[Step] = []
        for table in self.schema.tables:
            steps += self.keys(table)
            steps += [self.index(table, idx) for idx in table.indexes]
        for table in self.schema.tables:
            steps += [self.foreign_key(table, fk) for fk in table.foreign_keys]
            steps += self.identity(table)
        steps += [self.view(v.name, v.pg_sql) for v in self.schema.views if v.pg_sql]
        for trig in self.schema.triggers:
            if trig.pg_sql:
                steps.append(Step(trig.pg_sql, f"trigger {trig.name}", optional=True,
                                  exists=self._trigger_exists(shorten(trig.name))))  # fmt: skip
        steps += [Step(sql, "post_sql") for sql in self.schema.post_sql]
        steps += [
            Step(f"ANALYZE {self.t(t)}", t.name, kind="analyze", table=t.qualified)
            for t in self.schema.tables
        ]
        return steps

    def _constraint_exists(self, table: Table, name: str) -> str:
        return (
            "SELECT 1 FROM pg_constraint WHERE conname = "
            f"'{name.replace(chr(39), chr(39) * 2)}' AND conrelid = '{self.regclass(table)}'::regclass"
        )

    def _trigger_exists(self, name: str) -> str:
        return f"SELECT 1 FROM pg_trigger WHERE tgname = '{name.replace(chr(39), chr(39) * 2)}'"

    def keys(self, table: Table) -> list[Step]:
        """Primary keys and uniques as a unique index (built in parallel with the others),
        then a constraint that adopts it (instant)."""
        steps = []
        tname = pg_name(table.name, self.policy)
        keys = [("PRIMARY KEY", table.primary_key, "pkey")] if table.primary_key else []
        keys += [("UNIQUE", cols, "key") for cols in table.uniques]
        for kind, cols, suffix in keys:
            parts = [] if suffix == "pkey" else [pg_name(c, self.policy) for c in cols]
            name = quote(key_name(self.schema, table, tname, parts, suffix))
            columns = ", ".join(self.n(c) for c in cols)
            what = f"{table.name} {kind} ({', '.join(cols)})"
            exists = self._constraint_exists(table, name[1:-1].replace('""', '"'))
            # optional: values SQLite kept apart (1 and '1' in a column without a type) can be
            # equal in PostgreSQL; the rows land, the key becomes work for a human (a note)
            steps.append(Step(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {self.t(table)} ({columns})",
                              what, kind="key_index", exists=exists, table=table.qualified,
                              optional=True))  # fmt: skip
            index = (f"{quote(table.schema)}.{name}" if table.schema else name).replace("'", "''")
            adopt = f"ALTER TABLE {self.t(table)} ADD CONSTRAINT {name} {kind} USING INDEX {name}"
            steps.append(Step(f"DO $$ BEGIN IF to_regclass('{index}') IS NOT NULL THEN {adopt};"
                              " END IF; END $$", what, kind="key", exists=exists, optional=True))  # fmt: skip
        return steps

    def index(self, table: Table, idx: Index) -> Step:
        if idx.pg_sql:
            return Step(
                idx.pg_sql,
                f"index {idx.name}",
                exists=self._index_exists(table, idx.name),
                kind="index",
                table=table.qualified,
            )
        unique = "UNIQUE " if idx.unique else ""
        method = f" USING {idx.method}" if idx.method else ""
        name = quote(pg_name(idx.name, self.policy))
        if idx.expressions:
            cols = ", ".join(idx.columns)
        else:
            cols = ", ".join(self.n(c) for c in idx.columns)
        sql = f"CREATE {unique}INDEX IF NOT EXISTS {name} ON {self.t(table)}{method} ({cols})"
        if idx.where:
            sql += f" WHERE {idx.where}"
        return Step(sql, f"index {idx.name}", optional=True, kind="index", table=table.qualified)

    def _index_exists(self, table: Table, name: str) -> str:
        """An index of that name in the table's schema (index names are per schema)."""
        return (
            "SELECT 1 FROM pg_class WHERE relkind = 'i' AND relname = "
            f"'{name.replace(chr(39), chr(39) * 2)}' AND relnamespace = "
            f"'{(table.schema or 'public').replace(chr(39), chr(39) * 2)}'::regnamespace"
        )

    def foreign_key(self, table: Table, fk: ForeignKey) -> Step:
        tname = pg_name(table.name, self.policy)
        name = (
            shorten(fk.name)
            if fk.name
            else constraint_name(tname, [pg_name(c, self.policy) for c in fk.columns], "fkey")
        )
        ref = self.n(fk.ref_table)
        if fk.ref_schema:
            ref = f"{quote(fk.ref_schema)}.{ref}"
        cols = ", ".join(self.n(c) for c in fk.columns)
        ref_cols = ", ".join(self.n(c) for c in fk.ref_columns)
        sql = (
            f"ALTER TABLE {self.t(table)} ADD CONSTRAINT {quote(name)} FOREIGN KEY ({cols}) "
            f"REFERENCES {ref} ({ref_cols})"
        )
        for action, value in (("DELETE", fk.on_delete), ("UPDATE", fk.on_update)):
            if value and value.upper() not in ("NO ACTION", "NONE"):
                sql += f" ON {action} {value.upper()}"
        if fk.deferrable:
            sql += " DEFERRABLE INITIALLY DEFERRED"
        not_null = " AND ".join(f"c.{self.n(c)} IS NOT NULL" for c in fk.columns)
        join = " AND ".join(
            f"p.{self.n(rc)} = c.{self.n(cc)}"
            for cc, rc in zip(fk.columns, fk.ref_columns, strict=False)
        )
        orphans = (
            f"SELECT count(*) FROM {self.t(table)} c WHERE {not_null} "
            f"AND NOT EXISTS (SELECT 1 FROM {ref} p WHERE {join})"
        )
        return Step(
            sql,
            f"{table.name} ({', '.join(fk.columns)}) REFERENCES {fk.ref_table}",
            kind="fk",
            optional=True,  # a parent key that could not be built: a note, never an abort
            exists=self._constraint_exists(table, name),
            orphans=orphans,
            table=table.qualified,
            lock=f"LOCK TABLE {', '.join(sorted({self.t(table), ref}))} IN SHARE ROW EXCLUSIVE MODE",
            parent=self._referenced(table, fk),
        )

    def _referenced(self, table: Table, fk: ForeignKey) -> str | None:
        schema = fk.ref_schema if fk.ref_schema is not None else table.schema
        for t in self.schema.tables:
            if t.name == fk.ref_table and t.schema == schema:
                return t.qualified
        return None

    def identity(self, table: Table) -> list[Step]:
        steps = []
        for col in table.columns:
            if not col.identity:
                continue
            start = col.extra.get("sequence_start") or 0
            qtable = self.t(table).replace("'", "''")
            seq = f"pg_get_serial_sequence('{qtable}', '{pg_name(col.name, self.policy)}')"
            sql = (
                f"SELECT setval({seq}, greatest(coalesce(max({self.n(col.name)}), 0), {int(start)}, 1), "
                f"coalesce(max({self.n(col.name)}), 0) > 0 OR {int(start)} > 0) FROM {self.t(table)}"
            )
            steps.append(Step(sql, f"{table.name}.{col.name} identity", kind="identity"))
        return steps

    def view(self, name: str, select: str) -> Step:
        return Step(
            f"CREATE OR REPLACE VIEW {self.n(name)} AS {select}", f"view {name}", optional=True
        )

    def naming_notes(self) -> None:
        """Report names the app's unquoted SQL would not reach after the move, one note a table,
        and every name shortened to fit PostgreSQL (schema.renamed: source -> target)."""
        self._index_names()
        self._shortened()
        self._collisions()
        self._too_wide()
        for table in self.schema.tables:
            names = [table.name, *(c.name for c in table.columns)]
            reserved = [n for n in names if n.lower() in RESERVED]
            mixed = [n for n in names if n != n.lower() and n not in reserved]
            odd = [
                n for n in names if not n.replace("_", "").isalnum() and n not in reserved + mixed
            ]
            if reserved:
                self.schema.note(table.name, f"reserved in PostgreSQL: {', '.join(reserved)}: "
                                 "quote these names in the app's SQL", "warning")  # fmt: skip
            if mixed and self.policy == "preserve":
                self.schema.note(table.name, f"mixed-case names kept exactly (quoted): {', '.join(mixed)}; "
                                 "unquoted SQL folds them to lower case: quote them in the app's SQL, "
                                 "or migrate with --identifiers lower")  # fmt: skip
            if odd:
                self.schema.note(table.name, f"names that need quoting: {', '.join(odd)}")

    def _collisions(self) -> None:
        """Two source names one target name (`Users` and `users` under --identifiers lower):
        PostgreSQL would refuse the second or merge them. A usage error, before anything."""
        groups = [[t.name for t in self.schema.tables if not t.schema]]
        groups += [[c.name for c in t.columns] for t in self.schema.tables]
        for names in groups:
            seen: dict[str, str] = {}
            for name in names:
                target = pg_name(name, self.policy)
                if target in seen:
                    from skylift.errors import UsageError

                    raise UsageError(
                        f"{seen[target]!r} and {name!r} would both be named {target!r} in PostgreSQL",
                        f"--identifiers {self.policy} folds them to the same name",
                        "migrate with --identifiers preserve (names kept exactly, quoted)",
                    )
                seen[target] = name

    def _index_names(self) -> None:
        """MySQL's index names are per table, PostgreSQL's per schema, shared with tables and
        the keys' indexes: a taken name (`idx_v` on two tables, an index named like a table or
        like `t_pkey`) made CREATE INDEX IF NOT EXISTS skip the index, silently. Such an index
        becomes `table_index` (a hash if that is taken too), the same on every run."""
        taken: set[tuple[str | None, str]] = set()
        for table in self.schema.tables:
            tname = pg_name(table.name, self.policy)
            taken.add((table.schema, tname))
            keys: list[list[str]] = [[]] if table.primary_key else []
            keys += [[pg_name(c, self.policy) for c in cols] for cols in table.uniques]
            for parts in keys:
                suffix = "key" if parts else "pkey"
                name = key_name(self.schema, table, tname, parts, suffix)
                if name != constraint_name(tname, parts, suffix):
                    self.schema.note(f"{table.qualified} {'UNIQUE' if parts else 'PRIMARY KEY'}",
                                     f"key name taken in PostgreSQL by a table: created as"
                                     f" {quote(name)}", "warning")  # fmt: skip
                taken.add((table.schema, name))
        taken |= {(None, pg_name(v.name, self.policy)) for v in self.schema.views}
        for table in self.schema.tables:
            for idx in table.indexes:
                if idx.pg_sql:  # PostgreSQL's own names: already one per schema
                    continue
                name = pg_name(idx.name, self.policy)
                if (table.schema, name) in taken:
                    new = shorten(f"{pg_name(table.name, self.policy)}_{name}")
                    if (table.schema, new) in taken:
                        digest = hashlib.sha1(f"{table.name}\0{idx.name}".encode()).hexdigest()
                        new = shorten(f"{new}_{digest[:8]}")
                    self.schema.note(f"{table.qualified} index {idx.name}", "index name taken"
                                     f" in PostgreSQL (names are per schema): created as"
                                     f" {quote(new)}", "warning")  # fmt: skip
                    idx.name = name = new
                taken.add((table.schema, name))

    def _too_wide(self) -> None:
        """PostgreSQL holds at most 1600 columns a table (SQLite 2000, MySQL up to 4096): said
        before anything is created, not as a refused CREATE TABLE halfway through."""
        for table in self.schema.tables:
            if len(table.columns) > MAX_COLUMNS:
                from skylift.errors import SourceError

                raise SourceError(
                    f"table {table.name} has {len(table.columns)} columns: PostgreSQL allows"
                    f" at most {MAX_COLUMNS}",
                    "PostgreSQL cannot hold the table as it is; nothing was created",
                    "split the table in the source (its columns into two tables sharing the"
                    " key), then migrate again",
                )

    def _shortened(self) -> None:
        renamed = self.schema.renamed
        for table in self.schema.tables:
            named = [("table", table.qualified, table.name)]
            named += [("column", f"{table.qualified}.{c.name}", c.name) for c in table.columns]
            named += [("index", f"{table.qualified} index {i.name}", i.name) for i in table.indexes]
            named += [("constraint", f"{table.qualified} {fk.name}", fk.name)
                      for fk in table.foreign_keys if fk.name]  # fmt: skip
            named += [("constraint", f"{table.qualified} {c.name}", c.name)
                      for c in table.checks if c.name]  # fmt: skip
            for kind, where, name in named:
                target = shorten(name) if kind == "constraint" else pg_name(name, self.policy)
                if target != name and shorten(name) != name:
                    renamed.append(
                        {"kind": kind, "object": where, "source": name, "target": target}
                    )
        for item in renamed:
            why = (
                "without a name" if not item["source"] else "name longer than PostgreSQL's 63 bytes"
            )
            self.schema.note(item["object"], f"{item['kind']} {why}: created as"
                             f" {quote(item['target'])}", "warning")  # fmt: skip
