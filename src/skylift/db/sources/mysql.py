"""MySQL / MariaDB source (`mysql://user:pass@host:port/db`, also `mariadb://`).

Mostly data: how each MySQL type lands in PostgreSQL (`TYPE_MAP` plus the few types whose choice
depends on the column), and the value kind verification compares it as. Reading the catalog lives
in `_mysql_schema.py`, streaming and checking values in `_mysql_rows.py`.

Decisions (docs/sources.md explains each to users):
- FLOAT is MySQL's 4-byte IEEE single: it becomes `real`, which stores exactly the same values.
  MySQL prints FLOAT with 6 significant digits, so we read `col + 0e0` (exact widening to double).
- ENUM becomes a PostgreSQL enum type named `<table>_<column>`: it keeps MySQL's declaration
  ordering (ORDER BY status), which text + CHECK would silently change to alphabetical.
- DATETIME has no time zone in MySQL and stays a naive `timestamp` (the wall-clock value as
  stored). TIMESTAMP is stored in UTC by MySQL; we read it with the session time_zone '+00:00' and
  write `timestamptz`, so the instant is preserved whatever the server's zone was.
- Zero dates ('0000-00-00', '0000-00-00 00:00:00', YEAR 0000) become NULL, counted per column in
  a Note; a NOT NULL column holding them becomes nullable (a warning says so).
- Unsigned integers widen to the next type that holds every value: int unsigned -> bigint,
  bigint unsigned -> numeric(20) (an AUTO_INCREMENT bigint unsigned key stays bigint, so it can
  be an identity column: its values cannot exceed 2^63 in practice, and the profile checks it).
"""

from __future__ import annotations

import contextlib
import hashlib
import ssl
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pymysql
from pymysql.constants import FIELD_TYPE
from pymysql.converters import conversions

from skylift.db.schema import Schema, Table
from skylift.db.sources import Chunk
from skylift.db.urls import mask
from skylift.errors import SourceError

# MySQL DATA_TYPE -> (PostgreSQL type, value kind). `{p}`/`{s}`/`{n}` take the column's
# precision, scale, length. Types missing here are decided by `pg_type_for` below.
TYPE_MAP: dict[str, tuple[str, str]] = {
    "tinyint": ("smallint", "int"),
    "smallint": ("smallint", "int"),
    "mediumint": ("integer", "int"),
    "int": ("integer", "int"),
    "integer": ("integer", "int"),
    "bigint": ("bigint", "int"),
    "decimal": ("numeric({p},{s})", "numeric"),
    "numeric": ("numeric({p},{s})", "numeric"),
    "float": ("real", "float"),
    "double": ("double precision", "float"),
    "real": ("double precision", "float"),
    # MySQL returns a CHAR(n) without its trailing spaces; PostgreSQL's character(n) would
    # return it padded to n: varchar(n) gives the app the strings it read (docs/db.md)
    "char": ("varchar({n})", "text"),
    "varchar": ("varchar({n})", "text"),
    "tinytext": ("text", "text"),
    "text": ("text", "text"),
    "mediumtext": ("text", "text"),
    "longtext": ("text", "text"),
    "json": ("jsonb", "json"),
    "binary": ("bytea", "bytes"),
    "varbinary": ("bytea", "bytes"),
    "tinyblob": ("bytea", "bytes"),
    "blob": ("bytea", "bytes"),
    "mediumblob": ("bytea", "bytes"),
    "longblob": ("bytea", "bytes"),
    "date": ("date", "date"),
    "datetime": ("timestamp({f})", "timestamp"),
    "timestamp": ("timestamptz({f})", "timestamptz"),
    "time": ("time({f})", "time"),
    "year": ("smallint", "int"),
    "set": ("text[]", "text_repr"),
    "uuid": ("uuid", "text_repr"),  # MariaDB 10.7+
    "inet4": ("inet", "text_repr"),
    "inet6": ("inet", "text_repr"),
}
# unsigned integers: the next type up holds every value
UNSIGNED: dict[str, tuple[str, str]] = {
    "tinyint": ("smallint", "int"),
    "smallint": ("integer", "int"),
    "mediumint": ("integer", "int"),
    "int": ("bigint", "int"),
    "integer": ("bigint", "int"),
    "bigint": ("numeric(20)", "numeric"),
}
GEOMETRY = {
    "geometry",
    "point",
    "linestring",
    "polygon",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
    "geomcollection",
}
ZERO_DATE_TYPES = {"date", "datetime", "timestamp", "year"}


def pg_type_for(info: dict[str, Any]) -> tuple[str, str]:
    """(PostgreSQL type, kind) for one information_schema.COLUMNS row (see _mysql_schema)."""
    dtype: str = info["data_type"]
    ctype: str = info["column_type"]
    unsigned = "unsigned" in ctype
    if dtype == "tinyint" and ctype.startswith("tinyint(1)") and not unsigned:
        return "boolean", "bool"
    if dtype == "bit":
        n = int(info["precision"] or 1)
        return ("boolean", "bool") if n == 1 else (f"bit({n})", "text_repr")
    if dtype in GEOMETRY:
        return "bytea", "bytes"
    if dtype == "enum":
        return info["enum_type"], "text"
    if dtype in ("char", "varchar") and info["charset"] == "binary":
        return "bytea", "bytes"
    if dtype == "float" and int(info["precision"] or 12) > 24:
        return "double precision", "float"
    if unsigned and dtype in UNSIGNED:
        if dtype == "bigint" and info["auto_increment"]:
            return "bigint", "int"
        return UNSIGNED[dtype]
    if dtype not in TYPE_MAP:
        return "text", "text"
    pg, kind = TYPE_MAP[dtype]
    return (
        pg.format(
            p=info["precision"] or 10,
            s=info["scale"] or 0,
            n=max(1, int(info["length"] or 1)),
            f=int(info["fsp"] or 0),
        ),
        kind,
    )


def _parse_url(url: str) -> dict[str, Any]:
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


class MySQLSource:
    """A MySQL or MariaDB database. Picklable: holds the URL and facts, never a connection."""

    engine = "mysql"
    # rows travel as CSV records in PostgreSQL's output form (_mysql_csv), or in binary
    # (copy_format, _mysql_binary)
    record_format = "csv"
    CHUNK_ROWS = 100_000

    def __init__(self, url: str, options: dict[str, Any]) -> None:
        self.url = url
        self.options = dict(options)
        self.params = _parse_url(url)
        self.display_url = mask_password(url)
        self.start_position: str | None = None  # binlog position when the copy started
        self._conn: Any = None
        self._schema: Schema | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_conn"] = None
        return state

    def _connection(self) -> Any:
        if self._conn is None:
            self._conn = connect(self.params)
        return self._conn

    def read_schema(self) -> Schema:
        if self._schema is None and not self._claim_early():
            self._read_schema()
        assert self._schema is not None
        return self._schema

    def _read_schema(self) -> None:
        from skylift.db.sources._mysql_schema import read_schema

        conn = self._connection()
        self.start_position = binlog_position(conn)
        self._schema = read_schema(conn, self.params["database"], self.options)

    def _claim_early(self) -> bool:
        """Adopt the schema `start_early` read for the same URL and options, if it did."""
        source, thread = _EARLY.pop(_early_key(self.url, self.options), (None, None))
        if source is None or thread is None:
            return False
        thread.join()
        if source._schema is None:  # it failed: read again here, where the error is reported
            source.close()
            return False
        self._conn, self._schema, self.start_position = (
            source._conn, source._schema, source.start_position
        )  # fmt: skip
        return True

    def chunks(self, table: Table) -> list[Chunk]:
        from skylift.db.sources._mysql_rows import plan_chunks

        return plan_chunks(self._connection(), table, self.CHUNK_ROWS)

    def copy_format(self, table: Table) -> str:
        """ "binary" for tables the accelerator reads with the binary protocol, else "csv"."""
        from skylift.db.sources._mysql_binary import binary_able

        return "binary" if binary_able(table) else "csv"

    def reader(self) -> Any:
        from skylift.db.sources._mysql_rows import MySQLReader

        # captured (db sync): changes made during the copy are applied after it anyway
        proven = None if self.options.get("captured") else self.start_position
        return MySQLReader(self.params, proven)

    def fingerprint(self) -> str:
        """Server identity, database, and binlog position: a rerun resumes only unchanged data."""
        conn = self._connection()
        with conn.cursor() as cur:
            cur.execute("SELECT @@hostname, @@port, DATABASE()")
            ident = repr(cur.fetchone())
        position = self.start_position or binlog_position(conn) or "no-binlog"
        return hashlib.sha256(f"mysql|{ident}|{position}".encode()).hexdigest()[:32]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# URL and options -> the source reading its schema in a thread, and the thread
_EARLY: dict[str, tuple[MySQLSource, threading.Thread]] = {}


def _early_key(url: str, options: dict[str, Any]) -> str:
    return repr((url, sorted((options.get("types") or {}).items()), options.get("target_url")))


def start_early(url: str, options: dict[str, Any]) -> None:
    """Read the schema in a thread while the CLI imports the engine: the catalog queries and
    the profile scan wait on the server, so the two overlap. `read_schema` of a source opened
    later with the same URL and options adopts it."""
    import skylift.db.sources._mysql_schema  # noqa: F401  (imported here, not in the thread)

    source = MySQLSource(url, options)

    def run() -> None:
        with contextlib.suppress(Exception):  # no schema: the engine reads it again
            source._read_schema()

    thread = threading.Thread(target=run, daemon=True)
    _EARLY[_early_key(url, options)] = (source, thread)
    thread.start()
