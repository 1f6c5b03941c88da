"""Database URLs: which engine a SOURCE names, whether a TARGET is PostgreSQL, and how to show
either without its password (in every form libpq and the MySQL drivers take one)."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from skylift.errors import UsageError

SCHEMES = {
    "sqlite": "sqlite",
    "file": "sqlite",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mysql+pymysql": "mysql",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "postgresql+psycopg": "postgresql",
}
# libpq's key=value form: "host=db.example.com dbname=app user=me password=secret"
DSN = re.compile(r"^\s*[a-z_]+\s*=", re.IGNORECASE)
URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"]+")
# a password in a query string (?password=), a key=value DSN, a MySQL option
PASSWORD_SETTING = re.compile(
    r"(?i)\b(password|passwd|sslpassword)(\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&;'\"]*)"
)
MASK = "***"


def is_dsn(url: str) -> bool:
    """libpq's key=value connection string (not a URL, not a path)."""
    return "://" not in url and bool(DSN.match(url)) and not Path(url).exists()


def scheme_of(url: str) -> str:
    """The source engine of `url`; a bare path is a SQLite file, key=value is PostgreSQL."""
    if is_dsn(url):
        return "postgresql"
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    if not match or (len(match.group(1)) == 1 and Path(url).anchor):  # C:\ on Windows
        return "sqlite"
    scheme = match.group(1).lower()
    if scheme not in SCHEMES:
        raise UsageError(
            f"unknown database URL scheme '{scheme}:'",
            "skylift reads sqlite:///path, mysql://user:pass@host/db and postgresql://...",
            "give one of those (a bare path is taken as a SQLite file)",
        )
    return SCHEMES[scheme]


def check_target(url: str) -> None:
    """A TARGET must be a PostgreSQL database: skylift migrates into PostgreSQL only."""
    engine = None
    with contextlib.suppress(UsageError):
        engine = scheme_of(url)
    if engine == "postgresql":
        return
    shown = mask(url)
    kind = {"sqlite": "a file path (or sqlite: URL)", "mysql": "a MySQL database"}.get(
        engine or "", "not a PostgreSQL URL"
    )
    raise UsageError(
        f"TARGET {shown} is {kind}",
        "skylift migrates into PostgreSQL only (the database RDS will run)",
        "give postgresql://user:password@host:5432/dbname, or leave TARGET out to use the "
        "embedded PostgreSQL under --workdir",
    )


def mask(url: str) -> str:
    """The URL or DSN with every password replaced by ***: safe for logs and reports."""
    if "://" not in url:
        return PASSWORD_SETTING.sub(_masked_setting, url)
    return mask_text(url)


def mask_text(text: str) -> str:
    """Free text (a command line, an error message) with the password of every URL in it and
    every password=... setting replaced by ***."""
    return PASSWORD_SETTING.sub(_masked_setting, URL.sub(lambda m: _mask_url(m.group(0)), text))


def _masked_setting(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)}{MASK}"


def _mask_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    first_at = rest.find("@")
    if first_at < 0:
        return url
    # the user info ends at the last '@' before the query: a password may hold '@', '/', '?'
    # (masking too much of a URL shown to a person costs nothing; too little leaks)
    end = min([p for p in (rest.find("?", first_at), rest.find("#", first_at)) if p >= 0],
              default=len(rest))  # fmt: skip
    at = rest.rfind("@", 0, end)
    user, colon, _password = rest[:at].partition(":")
    if not colon or "/" in user:
        return url
    return f"{scheme}{sep}{user}:{MASK}{rest[at:]}"


def database_name(url: str) -> str | None:
    if is_dsn(url):
        found = re.search(r"(?i)\bdbname\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", url)
        return found.group(1).strip("'") if found else None
    path = urlsplit(url).path.lstrip("/")
    return path.split("/")[0] or None
