"""Connecting to a MySQL or MariaDB source (bottom layer): the URL and its TLS options, the
connection every reader opens, the binary log position, and the catalog query helper."""

from __future__ import annotations

import ssl
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pymysql
from pymysql.constants import FIELD_TYPE
from pymysql.converters import conversions

from skylift.db.urls import mask
from skylift.errors import SourceError


def parse_url(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise SourceError(
            f"no database named in {mask_password(url)}",
            "a MySQL URL must name the database to migrate",
            "use mysql://user:password@host:3306/DATABASE",
        )
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": database,
        "tls": tls_options(parse_qsl(parts.query, keep_blank_values=True), mask_password(url)),
    }


TLS_MODES = ("DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY")
# URL parameter (lower case, '_' as '-') -> option; the MySQL client's names and common aliases
TLS_PARAMS = {
    "ssl-mode": "mode", "sslmode": "mode",
    "ssl-ca": "ca", "sslca": "ca", "sslrootcert": "ca",
    "ssl-cert": "cert", "sslcert": "cert",
    "ssl-key": "key", "sslkey": "key",
    "sslaccept": "accept",  # Prisma: strict | accept_invalid_certs
}  # fmt: skip


def tls_options(query: list[tuple[str, str]], shown: str) -> dict[str, str]:
    """TLS settings from the URL's query (?ssl-mode=VERIFY_IDENTITY&ssl-ca=/path/ca.pem).
    Without any, the driver tries TLS and falls back to plain TCP (the client's PREFERRED)."""
    tls: dict[str, str] = {}
    for raw, value in query:
        option = TLS_PARAMS.get(raw.lower().replace("_", "-"))
        if option is None:
            raise SourceError(
                f"unknown parameter '{raw}' in {shown}",
                "a MySQL URL takes TLS settings only",
                "use ssl-mode="
                + "|".join(TLS_MODES)
                + ", ssl-ca=FILE, ssl-cert=FILE, ssl-key=FILE",
            )
        tls[option] = value
    accept = tls.pop("accept", "").lower()
    if accept:
        tls.setdefault("mode", "VERIFY_IDENTITY" if accept == "strict" else "REQUIRED")
    mode = tls.get("mode", "VERIFY_CA" if "ca" in tls else "PREFERRED").upper()
    if mode not in TLS_MODES:
        raise SourceError(
            f"ssl-mode={tls.get('mode')} is not a TLS mode",
            f"in {shown}",
            "use one of " + ", ".join(TLS_MODES),
        )
    tls["mode"] = mode
    for option in ("ca", "cert", "key"):
        if option in tls:
            tls[option] = str(Path(tls[option]).expanduser())
        if option in tls and not Path(tls[option]).is_file():
            raise SourceError(
                f"ssl-{option} file not found: {tls[option]}",
                f"in {shown}",
                "give the path of a PEM file on this machine",
            )
    return tls


def _tls_arguments(tls: dict[str, str]) -> dict[str, Any]:
    """PyMySQL's connect() arguments for the TLS settings."""
    mode = tls.get("mode", "PREFERRED")
    if mode == "DISABLED":
        return {"ssl_disabled": True}
    if mode == "PREFERRED" and not tls.get("cert"):
        return {}
    ctx = ssl.create_default_context(cafile=tls.get("ca"))
    ctx.check_hostname = mode == "VERIFY_IDENTITY"
    if mode in ("PREFERRED", "REQUIRED"):
        ctx.verify_mode = ssl.CERT_NONE  # encrypted, the server not authenticated
    if tls.get("cert"):
        ctx.load_cert_chain(tls["cert"], keyfile=tls.get("key"))
    return {"ssl": ctx}


def mask_password(url: str) -> str:
    return mask(url)  # every form: user:password@, ?password=, key=value


def _decimal(value: bytes) -> Decimal:
    return Decimal(value.decode("ascii"))


# the driver's converters, fixed for use_unicode=False (they get bytes, Decimal wants str)
_CONVERSIONS: dict[Any, Any] = {
    **conversions,
    FIELD_TYPE.DECIMAL: _decimal,
    FIELD_TYPE.NEWDECIMAL: _decimal,
}


def connect(params: dict[str, Any], *, streaming: bool = False) -> Any:
    """A connection reading every string as bytes (we decode and check UTF-8 ourselves)."""
    try:
        conn = pymysql.connect(
            host=params["host"],
            port=params["port"],
            user=params["user"],
            password=params["password"],
            database=params["database"],
            charset="utf8mb4",
            use_unicode=False,
            conv=_CONVERSIONS,
            cursorclass=pymysql.cursors.SSCursor if streaming else pymysql.cursors.Cursor,
            connect_timeout=15,
            read_timeout=None,
            **_tls_arguments(params.get("tls") or {}),
        )
    except (pymysql.err.MySQLError, ssl.SSLError, OSError) as exc:
        raise SourceError(
            f"cannot connect to MySQL at {params['host']}:{params['port']}/{params['database']}",
            str(exc.args[-1] if exc.args else exc),
            _connect_hint(exc),
        ) from None
    with conn.cursor() as cur:
        # TIMESTAMP values come back in UTC; strict reading of what is stored
        cur.execute("SET SESSION time_zone = '+00:00'")
        cur.execute("SET SESSION sql_mode = ''")
        cur.execute("SET SESSION net_write_timeout = 3600")
    return conn


def _connect_hint(exc: BaseException) -> str:
    text = str(exc).lower()
    if "certificate" in text or isinstance(exc, ssl.SSLError):
        return (
            "the server's TLS certificate was not accepted: give its CA with ?ssl-ca=FILE (RDS:"
            " the region's bundle), or ?ssl-mode=REQUIRED to encrypt without checking it"
        )
    if "ssl" in text or "secure transport" in text or "insecure" in text:
        return "the server requires TLS: add ?ssl-mode=REQUIRED (or VERIFY_IDENTITY&ssl-ca=FILE)"
    return "check the URL, that the server is running, and the user's password and grants"


def binlog_position(conn: Any) -> str | None:
    """The server's binary log position (None when the log is off or not visible to us)."""
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW MASTER STATUS")
            row = cur.fetchone()
    except pymysql.err.MySQLError:
        return None
    return f"{row[0].decode()}:{row[1]}" if row else None


def query(conn: Any, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows as dicts with lower-case keys; bytes decoded (catalog text is UTF-8)."""
    with conn.cursor() as cur:
        cur.execute(sql, args or None)
        names = [d[0].lower() for d in cur.description]
        rows = cur.fetchall()
    return [
        {
            n: (v.decode("utf-8", "replace") if isinstance(v, bytes) else v)
            for n, v in zip(names, r, strict=True)
        }
        for r in rows
    ]
