"""Can the MySQL user read the whole database? information_schema shows a user only the tables
and columns it has a privilege on, so a user granted SELECT on some tables (or some columns)
reads a smaller schema than the database holds — and would migrate it without a word.

SELECT granted globally or on the database (its name or a pattern matching it) reads
everything. Grants on single tables or columns only are a partial view: refused, naming what
the user was granted and the GRANT that fixes it.
"""

from __future__ import annotations

import re
from typing import Any

from skylift.db.sources.mysql._connection import query
from skylift.errors import SourceError

_WHOLE = ("SELECT", "ALL PRIVILEGES")


def check_whole_database(conn: Any, db: str) -> None:
    """SourceError when the user can read only some tables or columns of `db`."""
    if _granted_whole(conn, db, query):
        return
    tables = sorted(
        {r["table_name"] for r in query(conn, _TABLE_GRANTS, db)}
        | {r["table_name"] for r in query(conn, _COLUMN_GRANTS, db)}
    )
    if not tables:
        return  # no grant we can read (a role, a proxy user): nothing to compare against
    columns = query(conn, _COLUMN_GRANTS, db)
    partial = sorted({f"{r['table_name']}({r['column_name']})" for r in columns})
    user = query(conn, "SELECT CURRENT_USER() AS u")[0]["u"]
    name, _, host = user.partition("@")
    raise SourceError(
        f"the MySQL user {user} can read only some of the database {db}",
        f"SELECT is granted on the table(s) {', '.join(tables[:10])}"
        + (f" and only on the column(s) {', '.join(partial[:10])}" if partial else "")
        + ", not on the database: information_schema hides every other table and column, so"
        " the migration would leave them out without a word",
        f"GRANT SELECT, SHOW VIEW, TRIGGER ON `{db}`.* TO '{name}'@'{host}'; then rerun (or"
        " migrate as a user that can read the whole database)",
    )


_TABLE_GRANTS = (
    "SELECT DISTINCT table_name FROM information_schema.table_privileges"
    " WHERE table_schema = %s AND privilege_type = 'SELECT'"
)
_COLUMN_GRANTS = (
    "SELECT DISTINCT table_name, column_name FROM information_schema.column_privileges"
    " WHERE table_schema = %s AND privilege_type = 'SELECT'"
)


def _granted_whole(conn: Any, db: str, query: Any) -> bool:
    """SELECT on *.* or on the database, as SHOW GRANTS lists the user's grants (and the
    grants of the roles it has active, on MySQL 8 and MariaDB alike)."""
    for line in _grants(conn, query):
        found = re.match(r"GRANT (.+?) ON (\S+)\.\* TO ", line)
        if not found:
            continue
        privileges, scope = found.group(1).upper(), found.group(2)
        if not any(p in privileges for p in _WHOLE):
            continue
        if scope == "*" or _matches(scope.strip("`"), db):
            return True
    return False


def _grants(conn: Any, query: Any) -> list[str]:
    lines = [next(iter(r.values())) for r in query(conn, "SHOW GRANTS")]
    roles = [r["r"] for r in query(conn, "SELECT CURRENT_ROLE() AS r") if r["r"]]
    for role in roles:
        for name in str(role).split(","):
            name = name.strip()
            if name and name.upper() != "NONE":
                try:
                    lines += [
                        next(iter(r.values())) for r in query(conn, f"SHOW GRANTS FOR {name}")
                    ]
                except Exception:  # a role we may not inspect: its grants stay unknown
                    continue
    return lines


def _matches(pattern: str, db: str) -> bool:
    """A database-level grant's name: `_` and `%` are wildcards unless escaped (`t\\_app`)."""
    regex, escaped = "", False
    for ch in pattern:
        if escaped:
            regex, escaped = regex + re.escape(ch), False
        elif ch == "\\":
            escaped = True
        else:
            regex += "." if ch == "_" else ".*" if ch == "%" else re.escape(ch)
    return re.fullmatch(regex, db) is not None
