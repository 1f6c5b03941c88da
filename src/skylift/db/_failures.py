"""PostgreSQL's refusals, turned into what happened, why and what to do.

The target's errors reach the engine as psycopg exceptions, from the main process or from a
worker (they keep their SQLSTATE across the process boundary). Each class a user can cause or
meet — no permission, a read-only server, a full disk, a server that went away — gets its own
message; only what none of them explains stays "PostgreSQL refused …".
"""

from __future__ import annotations

import psycopg

from skylift.db.urls import mask
from skylift.errors import SkyliftError, TargetError

RESUME = "then rerun the same command: it resumes where it stopped"
# SQLSTATE (or its class, the first two characters) -> what, fix
BY_STATE: dict[str, tuple[str, str]] = {
    "42501": (
        "the target user may not do this",
        "connect as the database's owner, or grant what is missing (GRANT CREATE ON DATABASE "
        "db TO user; GRANT CREATE ON SCHEMA public TO user), " + RESUME,
    ),
    "25006": (
        "the target is read-only",
        "point TARGET at the primary server, not a replica (a hot standby is read-only), or "
        "turn default_transaction_read_only off for the database; " + RESUME,
    ),
    "53100": (
        "the target's disk is full",
        "free space on the target server (or grow its storage), " + RESUME,
    ),
    "53200": ("the target server ran out of memory", "lower --jobs, " + RESUME),
    "53300": (
        "the target server has no connection left for skylift",
        "lower --jobs, or raise the server's max_connections; " + RESUME,
    ),
    "53400": (
        "a limit set on the target server stopped skylift",
        "raise that limit (temp_file_limit, ...) for the user skylift connects as, " + RESUME,
    ),
    "57014": (
        "the target cancelled a statement",
        "statement_timeout is probably set for this user: ALTER ROLE user SET "
        "statement_timeout = 0, " + RESUME,
    ),
    "57P01": ("the target server shut down", "start it again, " + RESUME),
    "57P02": ("the target server crashed", "start it again, " + RESUME),
    "57P03": ("the target server is not accepting connections yet", "wait, " + RESUME),
    "40P01": ("the target ended a deadlock", RESUME),
    "55P03": ("a table of the target is locked by another session", "end it, " + RESUME),
    "08": ("the connection to the target was lost", "check that the server is up, " + RESUME),
}
EXTENSION_WORDS = ("extension", "does not exist", "is not available", "could not access file")


def target_failure(exc: psycopg.Error, where: str, doing: str) -> SkyliftError:
    """The error a user sees for `exc`, met while `doing` something to the target `where`
    (shown as is: no password in it)."""
    state = exc.sqlstate or ""
    message = _first_line(exc)
    known = BY_STATE.get(state) or BY_STATE.get(state[:2])
    if known is None and isinstance(exc, psycopg.OperationalError) and not state:
        known = BY_STATE["08"]  # libpq's own: "server closed the connection unexpectedly"
    if known is None:
        return TargetError(
            f"PostgreSQL refused a statement while {doing}",
            f"{where} said: {message}",
            "report it with --traceback (the SQL it refused is in the trace)",
        )
    what, fix = known
    return TargetError(f"{what} ({doing})", f"{where} said: {message}", fix)


def server_gone(exc: psycopg.Error) -> bool:
    """The server went away (shut down, crashed, killed, the network dropped)."""
    state = exc.sqlstate or ""
    return (
        state in ("57P01", "57P02")
        or state.startswith("08")
        or (isinstance(exc, psycopg.OperationalError) and not state)
    )


def refused_step(exc: psycopg.Error, where: str, object_name: str, sql: str) -> SkyliftError:
    """A DDL statement the target refused: an extension's advice only where one is missing."""
    state = exc.sqlstate or ""
    if state in BY_STATE or state[:2] in BY_STATE:
        return target_failure(exc, where, f"creating {object_name}")
    message = _first_line(exc)
    if state in ("42704", "58P01", "0A000", "42883") and any(
        w in message for w in EXTENSION_WORDS
    ):  # undefined type/function, missing library, feature not supported
        fix = (
            "install the extension it needs on the target or allow it (RDS: the "
            "rds.allowed_extensions parameter), or override the column with --type "
            "TABLE.COLUMN=TYPE; then rerun"
        )
    else:
        fix = "report it with --traceback; the statement was:\n" + sql
    return TargetError(f"PostgreSQL refused {object_name}", message, fix)


# libpq's words when a connection cannot be made -> what happened, what to do
CONNECT: list[tuple[str, str, str]] = [
    ("password authentication failed", "the target refused the password",
     "check the user and password in TARGET (postgresql://user:password@host/db)"),
    ("no password supplied", "the target asks for a password and none was given",
     "put it in TARGET (postgresql://user:password@host/db) or in ~/.pgpass"),
    ("role", "the target has no such user", "check the user name in TARGET"),
    ("database", "the target database does not exist",
     "create it first (createdb, or CREATE DATABASE name), then rerun"),
    ("no pg_hba.conf entry", "the target's pg_hba.conf does not let this user in from here",
     "add a line for this host and user to pg_hba.conf, or connect from an allowed host"),
    ("resolve host", "the target's host name does not resolve",
     "check the host in TARGET (a typo, or a name only your VPN knows)"),
    ("translate host name", "the target's host name does not resolve",
     "check the host in TARGET (a typo, or a name only your VPN knows)"),
    ("Connection refused", "nothing listens at the target's host and port",
     "check the port in TARGET and that the server runs"),
    ("timeout expired", "the target does not answer",
     "check the host and port in TARGET, and the firewall between"),
    ("invalid response to SSL negotiation", "what answers at the target's port is not PostgreSQL",
     "check the host and port in TARGET (PostgreSQL listens on 5432 unless told otherwise)"),
    ("SSL", "the TLS connection to the target failed",
     "check sslmode and the certificates (sslrootcert=...) in TARGET"),
]  # fmt: skip


def connect_failure(exc: psycopg.OperationalError, where: str) -> SkyliftError:
    message = _first_line(exc) if str(exc).strip() else "connection refused"
    detail = str(exc)
    for words, what, fix in CONNECT:
        if words in detail and (words not in ("role", "database") or "does not exist" in detail):
            return TargetError(f"cannot connect to the target {where}: {what}", message, fix)
    return TargetError(
        f"cannot connect to the target {where}",
        message,
        "check host, port, database name and credentials; the database must exist",
    )


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    # libpq: "connection failed: connection to server at "h", port 5432 failed: <the reason>"
    return mask(lines[0].rsplit(" failed: ", 1)[-1])
