"""Database URLs: which engine a SOURCE names, and how to show a URL without its password."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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


def scheme_of(url: str) -> str:
    """The source engine of `url`; a bare path is a SQLite file."""
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


def mask(url: str) -> str:
    """The URL with its password replaced by ***: safe for logs and reports."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def database_name(url: str) -> str | None:
    path = urlsplit(url).path.lstrip("/")
    return path.split("/")[0] or None
