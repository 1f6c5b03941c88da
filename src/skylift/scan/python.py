"""Python apps: requirements*.txt, pyproject.toml, Pipfile, runtime.txt / .python-version, and the
settings files where Django, Flask, FastAPI and Celery keep their configuration."""

from __future__ import annotations

import re
import tomllib

from skylift.scan._facts import Draft
from skylift.scan._repo import SourceFile
from skylift.scan.model import Evidence, Fact, Job

MANIFESTS = ("requirements.txt", "pyproject.toml", "Pipfile", "setup.py")
FRAMEWORKS = [
    ("django", "django"),
    ("fastapi", "fastapi"),
    ("flask", "flask"),
    ("starlette", "starlette"),
]
DRIVERS = {
    "psycopg": ("postgresql", "psycopg"),
    "psycopg2": ("postgresql", "psycopg2"),
    "psycopg2-binary": ("postgresql", "psycopg2"),
    "asyncpg": ("postgresql", "asyncpg"),
    "pymysql": ("mysql", "pymysql"),
    "mysqlclient": ("mysql", "mysqlclient"),
    "aiosqlite": ("sqlite", "aiosqlite"),
}
ORMS = {
    "sqlalchemy": "sqlalchemy",
    "flask-sqlalchemy": "sqlalchemy",
    "sqlmodel": "sqlmodel",
    "peewee": "peewee",
    "tortoise-orm": "tortoise",
}
MIGRATION_TOOLS = {"alembic": "alembic", "flask-migrate": "alembic", "yoyo-migrations": "yoyo"}
SERVICES = {
    "celery": "queue",
    "rq": "queue",
    "channels": "websockets",
    "websockets": "websockets",
    "flask-socketio": "websockets",
    "flask-mail": "smtp",
}
OUTBOUND = {
    "stripe": "stripe",
    "openai": "openai",
    "anthropic": "anthropic",
    "twilio": "twilio",
    "sendgrid": "sendgrid",
    "sentry-sdk": "sentry",
    "pygithub": "github",
}
_REQ_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._\-]*)(\[[^\]]*\])?\s*(?:[<>=!~;@].*)?$", re.M)
_DJANGO_ENGINE = re.compile(
    r"['\"]ENGINE['\"]\s*:\s*['\"]django\.db\.backends\.(postgresql|mysql|sqlite3)"
)
_SQLITE_IMPORT = re.compile(r"^\s*import sqlite3\b", re.M)
_BEAT = re.compile(r"crontab\(([^)]*)\)")
_PORT = re.compile(r"(?:--port[ =]|\bport\s*=\s*|-b\s+[\w.]*:|--bind[ =][\w.]*:)(\d{2,5})\b")
_ENGINES = {"postgresql": "postgresql", "mysql": "mysql", "sqlite3": "sqlite"}


def detect(draft: Draft) -> bool:
    return any(draft.repo.has(m) for m in MANIFESTS) or draft.repo.has("manage.py")


def scan(draft: Draft) -> None:
    draft.language = "python"
    p = draft.profile
    for name in MANIFESTS:
        if src := draft.repo.read(name):
            _deps(draft, src)
    p.runtime = _runtime(draft)
    p.framework = next(
        (Fact(fw, [draft.deps[dep]], "high") for dep, fw in FRAMEWORKS if dep in draft.deps), None
    )
    _databases(draft)
    _services(draft)
    _jobs(draft)
    for src, m in draft.repo.grep(_PORT, (".py",)):
        draft.ports.add(int(m.group(1)), src.evidence(offset=m.start()), 2)
    manage = draft.repo.read("manage.py")
    if p.framework and p.framework.value == "django" and manage:
        draft.releases.add("python manage.py migrate", manage.evidence(), 1)


def _services(draft: Draft) -> None:
    p = draft.profile
    if (ev := draft.deps.get("redis")) and p.cache is None:
        p.cache = Fact({"engine": "redis", "client": "redis-py"}, [ev], "high")
    for dep, service in SERVICES.items():
        if dep in draft.deps:
            draft.service(service, draft.deps[dep])
    for dep, api in OUTBOUND.items():
        if dep in draft.deps:
            draft.outbound(api, draft.deps[dep])
    if "boto3" in draft.deps:
        for src, m in draft.repo.grep(
            re.compile(r"client\(\s*['\"](s3|ses|sesv2|sqs)['\"]"), (".py",)
        ):
            draft.service(
                {"sesv2": "ses", "sqs": "queue"}.get(m.group(1), m.group(1)),
                src.evidence(offset=m.start()),
            )


def _jobs(draft: Draft) -> None:
    for src, m in draft.repo.grep(_BEAT, (".py",)):
        draft.job(
            Job(
                f"beat:{src.path}:{src.line_at(m.start())}",
                "celery beat",
                _crontab(m.group(1)),
                "cron",
                [src.evidence(offset=m.start())],
            )
        )
    for rel in draft.repo.files:
        command = re.search(r"(?:^|/)management/commands/([a-z]\w*)\.py$", rel)
        if command:
            name = command.group(1)
            draft.job(Job(name, f"python manage.py {name}", None, "one-off", [Evidence(rel)]))


def _deps(draft: Draft, src: SourceFile) -> None:
    if src.path.endswith(".toml"):
        try:
            data = tomllib.loads(src.text)
        except tomllib.TOMLDecodeError:
            return
        names = list((data.get("project") or {}).get("dependencies") or [])
        names += list(((data.get("tool") or {}).get("poetry") or {}).get("dependencies") or {})
        for spec in names:
            name = re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0].lower()
            m = re.search(re.escape(name), src.text, re.I)
            draft.deps.setdefault(name, src.evidence(offset=m.start()) if m else src.evidence())
        return
    for m in _REQ_LINE.finditer(src.text):
        draft.deps.setdefault(m.group(1).lower().replace("_", "-"), src.evidence(offset=m.start(1)))


def _runtime(draft: Draft) -> Fact:
    for name in ("runtime.txt", ".python-version"):
        if (src := draft.repo.read(name)) and (m := re.search(r"(\d+\.\d+)", src.text)):
            return Fact(
                {"language": "python", "version": m.group(1)},
                [src.evidence(offset=m.start())],
                "high",
            )
    for name, pattern in (
        ("pyproject.toml", r"requires-python\s*=\s*\"[^\d]*(\d+\.\d+)"),
        ("Pipfile", r"python_version\s*=\s*\"(\d+\.\d+)"),
    ):
        if (src := draft.repo.read(name)) and (m := re.search(pattern, src.text)):
            return Fact(
                {"language": "python", "version": m.group(1)},
                [src.evidence(offset=m.start())],
                "medium",
            )
    return Fact({"language": "python", "version": "3.12"}, [], "low")


def _databases(draft: Draft) -> None:
    for dep, (engine, driver) in DRIVERS.items():
        if ev := draft.deps.get(dep):
            db = draft.database(engine, ev)
            db.driver = db.driver or driver
    for src, m in draft.repo.grep(_DJANGO_ENGINE, (".py",)):
        db = draft.database(_ENGINES[m.group(1)], src.evidence(offset=m.start()))
        db.orm = "django"
        db.migration_tool = "django"
    for src, m in draft.repo.grep(_SQLITE_IMPORT, (".py",)):
        db = draft.database("sqlite", src.evidence(offset=m.start()))
        db.driver = db.driver or "sqlite3"
    for dep, orm in ORMS.items():
        if ev := draft.deps.get(dep):
            for db in draft.profile.databases:
                db.orm = db.orm or orm
                if ev not in db.evidence:
                    db.evidence.append(ev)
    for dep, tool in MIGRATION_TOOLS.items():
        if dep in draft.deps or draft.repo.has("alembic.ini"):
            for db in draft.profile.databases:
                db.migration_tool = db.migration_tool or (tool if dep in draft.deps else "alembic")


def _crontab(args: str) -> str:
    """celery's crontab(minute=..., hour=...) as a five-field cron expression."""
    fields = dict.fromkeys(("minute", "hour", "day_of_month", "month_of_year", "day_of_week"), "*")
    for key, value in re.findall(r"(\w+)\s*=\s*['\"]?([^,'\"]+)['\"]?", args):
        if key in fields:
            fields[key] = value.strip()
    return " ".join(fields.values())
