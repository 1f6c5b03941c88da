"""MySQL / MariaDB: the write freeze, the AUTO_INCREMENT counters, and a rollback's copy back.

The freeze is triggers by default: `_skylift_frz_*` BEFORE INSERT/UPDATE/DELETE triggers that
SIGNAL an error the app's log shows. They stop every account, SUPER and READ_ONLY ADMIN
included, and only this database — `read_only` stops neither an account with those privileges
nor spares the server's other databases. Where triggers cannot be created (no TRIGGER
privilege, or the binary log's rule for non-SUPER accounts), skylift sets `read_only` (and
`super_read_only` on MySQL) instead, after checking that no account connected now could
write through it; if one could, it refuses and says what to do.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from skylift.db.schema import Column, Schema, Table
from skylift.db.sources.mysql import connect, quote
from skylift.errors import SourceError

PREFIX = "_skylift_frz_"
MESSAGE = (
    "skylift: writes are frozen for the move to AWS (skylift db cutover); the database is"
    " read-only until the move is done or rolled back"
)
BYPASS = ("SUPER", "READ_ONLY ADMIN", "CONNECTION_ADMIN")


def _triggers(table: Table) -> list[str]:
    body = f"IF @skylift_writing IS NULL THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{MESSAGE}'; END IF"
    return [
        f"CREATE TRIGGER {quote(PREFIX + op.lower() + '_' + table.name)} BEFORE {op} ON"
        f" {quote(table.name)} FOR EACH ROW BEGIN {body}; END"
        for op in ("INSERT", "UPDATE", "DELETE")
    ]


def freeze(params: dict[str, Any], schema: Schema) -> dict[str, Any]:
    conn = connect(params)
    try:
        try:
            with conn.cursor() as cur:
                # a trigger waits for the app's open transactions on its table: not forever
                cur.execute("SET SESSION lock_wait_timeout = 60")
                for table in schema.tables:
                    for sql in _triggers(table):
                        cur.execute(sql.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1)
                                    if _mariadb(conn) else sql)  # fmt: skip
            return {"by": "mysql triggers"}
        except Exception as exc:
            remove(params, schema)
            reason = str(exc.args[-1] if exc.args else exc)
        return _read_only(conn, params, reason)
    finally:
        conn.close()


def _mariadb(conn: Any) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT VERSION()")
        return b"mariadb" in cur.fetchone()[0].lower()


def _read_only(conn: Any, params: dict[str, Any], why_not_triggers: str) -> dict[str, Any]:
    bypass = _bypassing_users(conn)
    if bypass:
        raise SourceError(
            "cannot freeze the MySQL source's writes",
            f"triggers could not be created ({why_not_triggers}), and {', '.join(bypass)} (connected"
            " now) hold a privilege that ignores read_only",
            "grant TRIGGER on the database to this user, or pass --freeze-command (the app's"
            " maintenance mode)",
        )
    try:
        with conn.cursor() as cur:
            cur.execute("SET GLOBAL read_only = ON")
            if not _mariadb(conn):
                cur.execute("SET GLOBAL super_read_only = ON")
    except Exception as exc:
        raise SourceError(
            "cannot freeze the MySQL source's writes",
            f"no triggers ({why_not_triggers}) and no read_only ({exc.args[-1] if exc.args else exc})",
            "grant TRIGGER on the database (or SUPER) to this user, or pass --freeze-command",
        ) from None
    return {"by": "read_only (server-wide)"}


def _bypassing_users(conn: Any) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT p.USER FROM information_schema.PROCESSLIST p JOIN"
            ' information_schema.USER_PRIVILEGES u ON u.GRANTEE LIKE CONCAT("\'", p.USER, "\'@%%")'
            " WHERE u.PRIVILEGE_TYPE IN %s AND p.ID <> CONNECTION_ID()",
            (BYPASS,),
        )
        return [r[0].decode() if isinstance(r[0], bytes) else r[0] for r in cur.fetchall()]


def unfreeze(params: dict[str, Any], schema: Schema | None = None) -> bool:
    names = _freeze_triggers(params)
    conn = connect(params)
    try:
        with conn.cursor() as cur:
            for name in names:
                cur.execute(f"DROP TRIGGER IF EXISTS {quote(name)}")
            cur.execute("SELECT @@read_only")
            read_only = bool(int(cur.fetchone()[0]))
    finally:
        conn.close()
    return bool(names) or read_only


def _freeze_triggers(params: dict[str, Any]) -> list[str]:
    conn = connect(params)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s"
                " AND TRIGGER_NAME LIKE %s",
                (params["database"], PREFIX + "%"),
            )
            return [r[0].decode() if isinstance(r[0], bytes) else r[0] for r in cur.fetchall()]
    finally:
        conn.close()


def remove(params: dict[str, Any], schema: Schema | None = None) -> list[str]:
    names = _freeze_triggers(params)
    if not names:
        return []
    unfreeze(params)
    return [f"{len(names)} freeze triggers from the MySQL database {params['database']}"]


def counters(params: dict[str, Any]) -> dict[str, int]:
    """Each table's next AUTO_INCREMENT value minus one (ids MySQL handed out or reserved)."""
    conn = connect(params)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES WHERE"
                " TABLE_SCHEMA = %s AND AUTO_INCREMENT IS NOT NULL",
                (params["database"],),
            )
            return {
                (n.decode() if isinstance(n, bytes) else n): int(v) - 1 for n, v in cur.fetchall()
            }
    finally:
        conn.close()


# -- the copy back ----------------------------------------------------------------------------
def _back(col: Column) -> Any:
    """How a column's PostgreSQL text output becomes the value MySQL stores."""
    ctype = col.source_type.lower()
    if col.kind == "bool":
        return lambda t: 1 if t in ("t", "true") else 0
    if col.kind == "int":
        return int
    if col.kind == "float":
        return float
    if col.kind == "numeric":
        return Decimal
    if col.kind == "bytes":
        return lambda t: bytes.fromhex(t[2:])
    if col.kind == "timestamptz":  # read with TimeZone UTC; the session's time_zone is +00:00
        return lambda t: dt.datetime.fromisoformat(t).astimezone(dt.UTC).replace(tzinfo=None)
    if ctype.startswith("set"):
        return lambda t: ",".join(x.strip('"') for x in t.strip("{}").split(",") if x)
    if ctype.startswith("bit"):
        return lambda t: int(t, 2)
    return None


def _key_back(func: Any, value: Any) -> Any:
    """A key value as the target's capture recorded it (to_jsonb: bytea as '\\x…' text,
    instants as ISO text) in the form MySQL compares with its column (BINARY(16): the bytes)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and func is not None:
        return func(value)
    return value


def write_back(
    params: dict[str, Any], plan: list[tuple[Table, list[str], list[Any], bool]]
) -> None:
    """One transaction into the frozen source: per table (children first) the touched keys
    deleted, then (parents first) the target's rows inserted. Foreign key checks are off for
    it, so no ON DELETE CASCADE removes more than the target removed; the freeze's triggers
    let this session through (@skylift_writing)."""
    import json

    conn = connect(params)
    try:
        with conn.cursor() as cur:
            cur.execute("SET @skylift_writing = 1")
            cur.execute("SET SESSION foreign_key_checks = 0")
            cur.execute("START TRANSACTION")
            for table, keys, _rows, whole in reversed(plan):
                if whole or not table.primary_key:
                    cur.execute(f"DELETE FROM {quote(table.name)}")
                    continue
                cols = ", ".join(quote(c) for c in table.primary_key)
                back = [_back(table.column(c)) for c in table.primary_key]
                for start in range(0, len(keys), 500):
                    group = ", ".join(
                        "(" + ", ".join(conn.escape(_key_back(f, v)) for f, v in zip(
                            back, json.loads(k, parse_float=Decimal), strict=True)) + ")"
                        for k in keys[start : start + 500]
                    )  # fmt: skip
                    cur.execute(f"DELETE FROM {quote(table.name)} WHERE ({cols}) IN ({group})")
            for table, _keys, rows, _whole in plan:
                if not rows:
                    continue
                funcs = [_back(c) for c in table.columns]
                cols = ", ".join(quote(c.name) for c in table.columns)
                marks = ", ".join("%s" for _ in table.columns)
                values = [
                    tuple(
                        None if v is None else (f(v) if f else v)
                        for f, v in zip(funcs, row, strict=True)
                    )
                    for row in rows
                ]
                cur.executemany(
                    f"INSERT INTO {quote(table.name)} ({cols}) VALUES ({marks})", values
                )
            conn.commit()
    finally:
        conn.close()
