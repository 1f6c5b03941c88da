"""The data the repository carries: SQLite files, SQL dumps, migrations and the PostgreSQL
extensions they need."""

from __future__ import annotations

import re

from skylift.scan._facts import Draft
from skylift.scan.model import Evidence

SQLITE_EXTS = (".db", ".sqlite", ".sqlite3", ".db3")
SQLITE_MAGIC = b"SQLite format 3\x00"
HEAD_BYTES = 65536
MIGRATION_DIRS = ("migrations", "migrate", "db/migrate", "alembic/versions")
_EXTENSION = re.compile(r"CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(?!IF\b)\"?(\w+)\"?", re.I)
_DUMP_DIALECTS = [
    (re.compile(r"PostgreSQL database dump|SET client_encoding|pg_catalog\."), "postgresql"),
    (re.compile(r"MySQL dump|MariaDB dump|ENGINE=InnoDB|/\*!40101"), "mysql"),
    (re.compile(r"PRAGMA foreign_keys|BEGIN TRANSACTION;|AUTOINCREMENT"), "sqlite"),
]


def scan(draft: Draft) -> None:
    for rel in draft.repo.files:
        if rel.endswith(SQLITE_EXTS) and _head(draft, rel, 16) == SQLITE_MAGIC:
            db = draft.database("sqlite", Evidence(rel), "medium")
            db.files.append(rel)
        elif rel.endswith(".sql"):
            _sql_file(draft, rel)
    for db in draft.profile.databases:
        if db.migration_tool is None and db.engine != "sqlite" and _golang_migrate(draft):
            db.migration_tool = "golang-migrate"
    # extensions the code creates at run time (TypeORM migrations, start-up scripts)
    for src, m in draft.repo.grep(_EXTENSION, draft.code_exts):
        _extension(draft, m.group(1).lower(), src.evidence(offset=m.start()))


def _head(draft: Draft, rel: str, size: int = HEAD_BYTES) -> bytes:
    try:
        with open(draft.repo.root / rel, "rb") as fh:
            return fh.read(size)
    except OSError:
        draft.repo.unreadable.append(rel)
        return b""


def _in_migrations(rel: str) -> bool:
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    return any(
        folder == d or folder.endswith("/" + d) or folder.startswith(d + "/")
        for d in MIGRATION_DIRS
    )


def _sql_file(draft: Draft, rel: str) -> None:
    head = _head(draft, rel).decode("utf-8", errors="replace")
    for m in _EXTENSION.finditer(head):
        line = head.count("\n", 0, m.start()) + 1
        _extension(draft, m.group(1).lower(), Evidence(rel, line, m.group(0)))
    if _in_migrations(rel) or not re.search(
        r"^\s*(INSERT\s+INTO|COPY\s+\S+.*FROM\s+stdin)", head, re.M | re.I
    ):
        return
    engine = next((e for pattern, e in _DUMP_DIALECTS if pattern.search(head)), None)
    if engine is None:
        known = [db.engine for db in draft.profile.databases]
        engine = known[0] if len(known) == 1 else "postgresql"
    db = draft.database(engine, Evidence(rel), "medium")
    db.files.append(rel)


def _extension(draft: Draft, name: str, evidence: Evidence) -> None:
    for db in draft.profile.databases:
        if db.engine == "postgresql":
            if name not in db.extensions:
                db.extensions.append(name)
            if evidence not in db.evidence:
                db.evidence.append(evidence)


def _golang_migrate(draft: Draft) -> bool:
    return draft.language == "go" and any(
        f.endswith(".up.sql") and _in_migrations(f) for f in draft.repo.files
    )
