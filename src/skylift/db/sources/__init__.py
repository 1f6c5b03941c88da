"""Source engines: one package per engine, named in a plain dict.

This module is the bottom of every engine: the types they share (`Chunk`, `Reject`, the `Reader`
and `Source` protocols) and `SOURCES`, URL scheme -> factory. The engine packages
(`sqlite/`, `postgres/`, `mysql/`) import this module; it imports an engine only inside that
engine's factory, when a migration opens a source of that kind (so a SQLite migration never
loads PyMySQL, and nothing imports in a circle). Each package's `__init__` says how its modules
are layered; the rest of skylift imports the package, never its private modules.

The engine (`db/copy.py`, `db/verify.py`) only talks to the `Source` protocol below, so a new
engine adds a package, a factory and its lines in `SOURCES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from skylift.db.schema import Schema, Table


@dataclass(frozen=True)
class Chunk:
    """A slice of one table, copied in one target transaction (the unit of resume)."""

    table: str
    index: int
    lo: Any = None  # inclusive lower key bound (None = from the start)
    hi: Any = None  # exclusive upper key bound (None = to the end)

    @property
    def id(self) -> str:
        return f"{self.table}#{self.index}"


@dataclass
class Reject:
    """A value that cannot be stored as it is, kept with its reason in skylift.rejects."""

    table: str
    key: str  # the row's key as text (primary key values, or rowid)
    column: str | None
    raw: str  # the raw value, printable (bytes as hex, invalid UTF-8 with escapes)
    reason: str
    row: dict[str, Any] | None = None  # the whole row, as JSON-safe values, so nothing is lost
    also: list[tuple[str, str, str]] = field(default_factory=list)  # more bad values of the row

    def each(self) -> list[Reject]:
        """One reject a bad value (the reject table has a row for each), the first one first."""
        more = [replace(self, column=c, raw=r, reason=why, also=[]) for c, r, why in self.also]
        return [replace(self, also=[]), *more]


class Reader(Protocol):
    """Opened once per worker process; streams rows of one chunk."""

    def rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        """Good rows, as values psycopg can COPY into the translated table."""
        ...

    def rejects(self, table: Table, chunk: Chunk) -> Iterator[Reject]:
        """The rows of this chunk that cannot be stored as they are."""
        ...

    def canonical_rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        """Every good row in canonical form (see db/values.py), for verification."""
        ...

    def close(self) -> None: ...


class Source(Protocol):
    engine: str
    display_url: str  # the URL with any password masked: safe for logs and reports

    def read_schema(self) -> Schema:
        """The source schema with PostgreSQL types chosen (profiling included)."""
        ...

    def chunks(self, table: Table) -> list[Chunk]: ...

    def reader(self) -> Reader:
        """A new reader; called inside each worker process."""
        ...

    def fingerprint(self) -> str:
        """Identifies the source data being copied, so a rerun resumes only the same copy."""
        ...

    def close(self) -> None: ...


SourceFactory = Callable[[str, dict[str, Any]], Source]


def _sqlite(url: str, options: dict[str, Any]) -> Source:
    from skylift.db.sources.sqlite import SqliteSource

    return SqliteSource(url, options)


def _mysql(url: str, options: dict[str, Any]) -> Source:
    from skylift.db.sources.mysql import MySQLSource

    return MySQLSource(url, options)


def _postgres(url: str, options: dict[str, Any]) -> Source:
    from skylift.db.sources.postgres import PostgresSource

    return PostgresSource(url, options)


# URL scheme -> factory (a bare path or file: URL is SQLite: see db/urls.scheme_of)
SOURCES: dict[str, SourceFactory] = {
    "sqlite": _sqlite,
    "file": _sqlite,
    "mysql": _mysql,
    "mariadb": _mysql,
    "postgresql": _postgres,
    "postgres": _postgres,
}
