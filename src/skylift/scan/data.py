"""The data the repository carries: SQLite files, SQL dumps, migrations and the PostgreSQL
extensions they need."""

from __future__ import annotations

import re

from skylift.scan._facts import Draft
from skylift.scan._roles import db_role
from skylift.scan.model import Evidence

SQLITE_EXTS = (".db", ".sqlite", ".sqlite3", ".db3")
SQLITE_MAGIC = b"SQLite format 3\x00"
HEAD_BYTES = 65536
MIGRATION_DIRS = ("migrations", "migrate", "db/migrate", "alembic/versions")
# named as the source names it: "uuid-ossp" is quoted because of its dash
_EXTENSION = re.compile(
    r"CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(?!IF\b)(?:\"([^\"]+)\"|`([^`]+)`|(\w+))", re.I
)
# where the app opens its SQLite file (the path it will look for on the new host)
SQLITE_OPENS = [
    re.compile(
        r"new\s+(?:Database|sqlite3\.Database)\(\s*(?:process\.env\.\w+\s*(?:\|\||\?\?)\s*)?['\"`]([^'\"`:]+)['\"`]"
    ),
    re.compile(
        r"\b(?:filename|storage)\s*:\s*(?:process\.env\.\w+\s*(?:\|\||\?\?)\s*)?['\"`]([^'\"`:]+\.\w+)['\"`]"
    ),
    re.compile(r"['\"`]file:(?:\./)?([^'\"`?]+)"),
    re.compile(r"sql\.Open\(\s*\"sqlite3?\"\s*,\s*\"(?:file:)?([^\"?]+)"),
    re.compile(r"sqlite\.Open\(\s*\"(?:file:)?([^\"?]+)"),
    re.compile(
        r"sqlite3\.connect\(\s*(?:os\.(?:environ\.get|getenv)\(\s*['\"]\w+['\"]\s*,\s*)?['\"]([^'\":]+)['\"]"
    ),
    re.compile(r"['\"]sqlite(?:\+\w+)?:///([^'\"?]+)['\"]"),
]
_DUMP_DIALECTS = [
    (re.compile(r"PostgreSQL database dump|SET client_encoding|pg_catalog\."), "postgresql"),
    (re.compile(r"MySQL dump|MariaDB dump|ENGINE=InnoDB|/\*!40101"), "mysql"),
    (re.compile(r"PRAGMA foreign_keys|BEGIN TRANSACTION;|AUTOINCREMENT"), "sqlite"),
]


def scan(draft: Draft) -> None:
    for rel in draft.repo.files:
        if rel.endswith(SQLITE_EXTS) and _head(draft, rel, 16) == SQLITE_MAGIC:
            _sqlite_file(draft, rel)
        elif rel.endswith(".sql"):
            _sql_file(draft, rel)
    for db in draft.profile.databases:
        if db.migration_tool is None and db.engine != "sqlite" and _golang_migrate(draft):
            db.migration_tool = "golang-migrate"
    # extensions the code creates at run time (TypeORM migrations, start-up scripts)
    for src, m in draft.repo.grep(_EXTENSION, draft.code_exts):
        _extension(draft, _ext_name(m), src.evidence(offset=m.start()))


def _ext_name(m: re.Match[str]) -> str:
    return next(g for g in m.groups() if g).lower()


# a SQLite file a tool or a developer leaves behind: Prisma's dev.db, a test database
_DEV_SQLITE = re.compile(
    r"(?:^|[/_.-])(?:dev|test|tests|testing|local|example|sample|fixture)s?[_.-]", re.I
)


def _sqlite_file(draft: Draft, rel: str) -> None:
    """A SQLite file is the app's data when the app talks SQLite, or when the code already talks
    PostgreSQL and the file is where the data still is (the code was changed before the data
    moved: data/app.db). Prisma's dev.db beside a postgresql provider, a test database, is a
    leftover of someone's laptop."""
    engines = {db.engine for db in draft.profile.databases}
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    leftover = _DEV_SQLITE.search("/" + rel.rsplit("/", 1)[-1]) or any(
        f.endswith("schema.prisma") and f.rsplit("/", 1)[0] == folder for f in draft.repo.files
    )
    others = engines - {"sqlite"}
    if not others or (others == {"postgresql"} and not leftover):
        db = draft.database("sqlite", Evidence(rel), "medium")
        db.files.append(rel)
        return
    draft.finding(
        "stray-sqlite-file",
        f"{rel} is a SQLite file, but the app talks to {', '.join(sorted(engines))}",
        "not migrated: it is a leftover of local development (delete it from git, or say why "
        "it matters)",
        [Evidence(rel)],
        "info",
    )


def locate(draft: Draft) -> None:
    """The SQLite file as the app opens it (code, then a DB_PATH-style example), not a guess."""
    for db in draft.profile.databases:
        if db.engine != "sqlite" or db.location:
            continue
        for pattern in SQLITE_OPENS:
            for src, m in draft.repo.grep(pattern, draft.code_exts):
                if re.search(r"\.(?:db|sqlite3?|db3)$", m.group(1)):
                    db.location = m.group(1).removeprefix("./")
                    db.evidence.append(src.evidence(offset=m.start()))
                    return
        for var in draft.env_vars():
            if db_role(var.name) == "file" and var.example:
                db.location = var.example.removeprefix("./")
                db.evidence.append(var.evidence[0])
                return
        prisma = draft.repo.first_named("schema.prisma")
        url = re.search(r"url\s*=\s*\"file:(?:\./)?([^\"]+)\"", prisma.text) if prisma else None
        if prisma and url:
            folder = prisma.path.rsplit("/", 1)[0] + "/" if "/" in prisma.path else ""
            db.location = folder + url.group(1)  # Prisma resolves it next to the schema
            db.evidence.append(prisma.evidence(offset=url.start()))


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


# the app's own queries, not data: aiosql / yesql / HugSQL / sqlc name each one with `-- name:`,
# and an INSERT with bind parameters (:name, $1, ?) outside its string literals writes no row
_NAMED_QUERY = re.compile(r"^\s*--\s*name\s*:", re.M | re.I)
_INSERT = re.compile(r"^\s*INSERT\s+INTO[^;]*", re.M | re.I)
_STRING = re.compile(r"'(?:[^']|'')*'")
_PARAMETER = re.compile(r"(?<![:\w]):[a-z_]\w*|\$\d+|\?", re.I)


def _queries_only(head: str) -> bool:
    if _NAMED_QUERY.search(head):
        return True
    first = _INSERT.search(head)
    return bool(first and _PARAMETER.search(_STRING.sub("''", first.group(0))))


def _sql_file(draft: Draft, rel: str) -> None:
    head = _head(draft, rel).decode("utf-8", errors="replace")
    for m in _EXTENSION.finditer(head):
        line = head.count("\n", 0, m.start()) + 1
        _extension(draft, _ext_name(m), Evidence(rel, line, m.group(0)))
    if (
        _in_migrations(rel)
        or _queries_only(head)
        or not re.search(r"^\s*(INSERT\s+INTO|COPY\s+\S+.*FROM\s+stdin)", head, re.M | re.I)
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
