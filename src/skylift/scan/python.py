"""Python apps: requirements*.txt, pyproject.toml, Pipfile, runtime.txt / .python-version, and the
settings files where Django, Flask, FastAPI and Celery keep their configuration."""

from __future__ import annotations

import re
import tomllib

from skylift.scan import storages
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
    "flask-mailman": "smtp",
    "fastapi-mail": "smtp",
    "aiosmtplib": "smtp",
    "yagmail": "smtp",
    "emails": "smtp",
    "resend": "email",
    "sendgrid": "email",
    "postmarker": "email",
    "python-socketio": "websockets",
}
OUTBOUND = {
    "stripe": "stripe",
    "openai": "openai",
    "anthropic": "anthropic",
    "twilio": "twilio",
    "sendgrid": "sendgrid",
    "resend": "resend",
    "sentry-sdk": "sentry",
    "pygithub": "github",
}
_WEBSOCKET_CODE = re.compile(
    r"@\w+\.websocket(?:_route)?\(|\bWebSocket(?:Route|Endpoint)?\b|^\s*(?:import|from) websockets\b",
    re.M,
)
_REQ_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._\-]*)(\[[^\]]*\])?\s*(?:[<>=!~;@].*)?$", re.M)
_DJANGO_ENGINE = re.compile(
    r"['\"]ENGINE['\"]\s*:\s*['\"]django\.db\.backends\.(postgresql|mysql|sqlite3)"
)
_SQLITE_IMPORT = re.compile(r"^\s*import sqlite3\b", re.M)
_BEAT = re.compile(r"crontab\(([^)]*)\)")
_BEAT_ENTRY = re.compile(
    r"['\"]([\w .:-]+)['\"]\s*:\s*\{[^{}]*?['\"]schedule['\"]\s*:\s*"
    r"(crontab\([^)]*\)|timedelta\([^)]*\)|[\d.]+)",
    re.S,
)
_CELERY_APP = re.compile(r"^\s*(\w+)\s*=\s*Celery\(", re.M)
_CELERY_CMD = re.compile(r"\bcelery\b(?:\s+-A\s+|\s+--app[ =])([\w.:]+)")
_SMTPLIB = re.compile(
    r"^\s*(?:import smtplib|from smtplib import|from django\.core\.mail import)", re.M
)
_APP_OBJECT = re.compile(r"^(\w+)\s*=\s*(FastAPI|Flask|Starlette)\(", re.M)
_PORT = re.compile(r"(?:--port[ =]|\bport\s*=\s*|-b\s+[\w.]*:|--bind[ =][\w.]*:)(\d{2,5})\b")
# `config.set_main_option("sqlalchemy.url", <expression>)`, up to its closing parenthesis
_SET_URL = re.compile(
    r"\bset_(?:main|section)_option\(\s*(?:[^,()]+,\s*)?['\"]sqlalchemy\.url['\"]\s*,"
    r"(?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)"
)
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
        draft.releases.add("python manage.py migrate", manage.evidence(), 2)
        _django_settings(draft)
        storages.scan(draft)
    _alembic(draft)
    _start(draft)


_SETTINGS_DEFAULT = re.compile(
    r"os\.environ\.setdefault\(\s*['\"]DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)\.(\w+)['\"]"
)
_DEV_SETTINGS = {"local", "dev", "development", "debug", "develop"}
_PROD_SETTINGS = ("production", "prod", "deploy", "heroku")


def _django_settings(draft: Draft) -> None:
    """manage.py and wsgi.py default DJANGO_SETTINGS_MODULE to `settings.local` (DEBUG, the debug
    toolbar) and Heroku's config vars pick `settings.production`: on ECS nobody picks it, so
    the task would run the laptop's settings. The production module beside it is set."""
    for rel in ("manage.py", *draft.repo.named("wsgi.py", "asgi.py", "celery_app.py", "celery.py")):
        src = draft.repo.read(rel)
        m = _SETTINGS_DEFAULT.search(src.text) if src else None
        if src is None or m is None or m.group(2) not in _DEV_SETTINGS:
            continue
        folder = m.group(1).replace(".", "/")
        for name in _PROD_SETTINGS:
            if draft.repo.has(f"{folder}/{name}.py"):
                ev = src.evidence(offset=m.start())
                draft.env("DJANGO_SETTINGS_MODULE", "config", ev, f"{m.group(1)}.{name}")
                draft.env_read("DJANGO_SETTINGS_MODULE")
                return


def _alembic(draft: Draft) -> None:
    """alembic.ini (Flask-Migrate keeps it in migrations/): `upgrade head` applies the migrations."""
    for rel in draft.repo.named("alembic.ini")[:1]:
        ev = Evidence(rel)
        flask = "flask-migrate" in draft.deps and rel.startswith("migrations/")
        command = "flask db upgrade" if flask else "alembic upgrade head"
        draft.releases.add(command, ev, 2)
        draft.job(Job("migrate", command, None, "one-off", [ev]))
    _alembic_url_escape(draft)
    _alembic_url_ini_only(draft)
    _alembic_heads(draft)


_REVISION = re.compile(r"^revision(?:\s*:[^=\n]+)?\s*=\s*['\"](\w+)['\"]", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=\n]+)?\s*=\s*(.+)$", re.M)


def _alembic_heads(draft: Draft) -> None:
    """Two revisions that nothing revises (two `init` migrations, a branch never merged):
    `alembic upgrade head` refuses to choose and the release stops at every deploy."""
    revisions: dict[str, Evidence] = {}
    downs: set[str] = set()
    for rel in draft.repo.files:
        if not re.search(r"(?:^|/)versions/[^/]+\.py$", rel):
            continue
        src = draft.repo.read(rel)
        rev = _REVISION.search(src.text) if src else None
        down = _DOWN_REVISION.search(src.text) if src else None
        if src is None or rev is None or down is None:
            continue
        revisions[rev.group(1)] = src.evidence(offset=rev.start())
        downs.update(re.findall(r"['\"](\w+)['\"]", down.group(1)))
    heads = [ev for rev, ev in sorted(revisions.items()) if rev not in downs]
    if len(heads) > 1:
        draft.finding(
            "alembic-multiple-heads",
            f"The migrations have {len(heads)} heads: `alembic upgrade head` stops at each deploy",
            "alembic refuses `head` when two revisions have no successor (two initial "
            "migrations, or a branch never merged): delete the stray ones, or join them with "
            "`alembic merge heads -m merge` and commit the result",
            sorted(heads, key=str),
            "blocker",
        )


_INI_URL = re.compile(r"^sqlalchemy\.url\s*=\s*(\S*://\S+)", re.M)
# what an env.py reads the app's database URL through, instead of alembic.ini's literal
_ENV_PY_URL_SOURCES = re.compile(
    r"set_(?:main|section)_option|environ|getenv|current_app|settings|get_url|"
    r"get_x_argument|create(?:_async)?_engine\(|from\s+\S+\s+import\s+[^\n]*\bengine\b"
)


def _alembic_url_ini_only(draft: Draft) -> None:
    """alembic.ini's `sqlalchemy.url` is the only URL env.py reads: the release migrates the
    database written there (compose's `db:5432`), never the one the task is given."""
    for rel in draft.repo.named("alembic.ini")[:1]:
        ini = draft.repo.read(rel)
        literal = _INI_URL.search(ini.text) if ini else None
        if ini is None or literal is None or "%(" in literal.group(1):
            continue
        folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
        script = re.search(r"^script_location\s*=\s*(\S+)", ini.text, re.M)
        where = folder + (script.group(1).replace("%(here)s/", "") if script else "alembic")
        env_py = draft.repo.read(f"{where.rstrip('/')}/env.py")
        if env_py is None or _ENV_PY_URL_SOURCES.search(env_py.text):
            continue
        reads = re.search(
            r"get_main_option\(\s*['\"]sqlalchemy\.url|engine_from_config\(", env_py.text
        )
        draft.finding(
            "alembic-url-ini-only",
            f"The migrations connect to the URL written in {rel}, not to the app's database",
            f"env.py reads only alembic.ini's `sqlalchemy.url` ({literal.group(1).split('@')[-1]}"
            "), so `alembic upgrade head` on AWS tries that host and stops, or migrates another "
            "database. Read the app's variable in env.py: `config.set_main_option("
            "'sqlalchemy.url', os.environ['DATABASE_URL'].replace('%', '%%'))`",
            [ini.evidence(offset=literal.start())]
            + ([env_py.evidence(offset=reads.start())] if reads else [env_py.evidence()]),
            "blocker",
        )


def _alembic_url_escape(draft: Draft) -> None:
    """An env.py that hands the database URL to `config.set_main_option` unescaped: alembic's
    config is a ConfigParser, and a percent-encoded password (an RDS password has punctuation,
    so its URL has `%XX`) stops every migration with "invalid interpolation syntax"."""
    for rel in draft.repo.named("env.py"):
        src = draft.repo.read(rel)
        if src is None or "alembic" not in src.text:
            continue
        for m in _SET_URL.finditer(src.text):
            if "%%" in m.group(0):
                continue
            draft.finding(
                "alembic-url-percent",
                "The migrations' env.py passes the database URL to ConfigParser unescaped",
                "alembic's config is a ConfigParser: the URL's percent-encoded password (RDS "
                "passwords have punctuation, so the URL holds `%XX`) stops every migration "
                "with `ValueError: invalid interpolation syntax`. Escape it where it is set: "
                "`config.set_main_option('sqlalchemy.url', str(url).replace('%', '%%'))`",
                [src.evidence(offset=m.start())],
            )


def _services(draft: Draft) -> None:
    p = draft.profile
    if (ev := draft.deps.get("redis")) and p.cache is None:
        p.cache = Fact({"engine": "redis", "client": "redis-py"}, [ev], "high")
    for dep, service in SERVICES.items():
        if dep == "websockets" and dep in draft.deps:
            # uvicorn[standard] brings it, and a pip freeze lists it: only code that serves or
            # opens a WebSocket makes the app one
            for src, m in draft.repo.grep(_WEBSOCKET_CODE, (".py",)):
                draft.service(service, src.evidence(offset=m.start()))
                break
        elif dep in draft.deps:
            draft.service(service, draft.deps[dep])
    for dep, api in OUTBOUND.items():
        if dep in draft.deps:
            draft.outbound(api, draft.deps[dep])
    for src, m in draft.repo.grep(_SMTPLIB, (".py",)):
        draft.service("smtp", src.evidence(offset=m.start()))
        break
    if "boto3" in draft.deps:
        for src, m in draft.repo.grep(
            re.compile(r"client\(\s*['\"](s3|ses|sesv2|sqs)['\"]"), (".py",)
        ):
            draft.service(
                {"sesv2": "ses", "sqs": "queue"}.get(m.group(1), m.group(1)),
                src.evidence(offset=m.start()),
            )


def _jobs(draft: Draft) -> None:
    for rel in draft.repo.files:
        command = re.search(r"(?:^|/)management/commands/([a-z]\w*)\.py$", rel)
        if command:
            name = command.group(1)
            draft.job(Job(name, f"python manage.py {name}", None, "one-off", [Evidence(rel)]))


_SCHEDULER_ARG = re.compile(r"(?:--scheduler[= ]|-S )\s*([\w.]+)")


def scheduler_installed(draft: Draft) -> None:
    """`celery beat --scheduler django_celery_beat.schedulers:DatabaseScheduler` (or `-S django`)
    in a process whose package the requirements lack: that process dies at start with
    ModuleNotFoundError while the web task runs, so nothing scheduled ever runs."""
    for job in draft.profile.jobs:
        m = _SCHEDULER_ARG.search(job.command) if "celery" in job.command else None
        if m is None:
            continue
        module = "django_celery_beat" if m.group(1) == "django" else m.group(1).split(".")[0]
        if module in ("celery",) or draft.repo.has(f"{module}/__init__.py"):
            continue
        package = module.replace("_", "-")
        if package not in draft.deps:
            draft.finding(
                "scheduler-not-installed",
                f"The {job.name} process names the scheduler {m.group(1)}, whose package "
                f"{package} is not in the requirements",
                f"add {package} to the requirements (and its app to INSTALLED_APPS, migrated "
                "by the release), or drop --scheduler for celery's own file scheduler",
                job.evidence[:1],
                severity="blocker",
            )


def celery_beat(draft: Draft) -> None:
    """beat_schedule entries fire only while one `celery beat` process runs: it is a service of
    its own (one task), and the entries are its schedule, not commands to start on a timer."""
    entries = []
    for src, m in draft.repo.grep(_BEAT_ENTRY, (".py",)):
        entries.append((m.group(1), _schedule(m.group(2)), src.evidence(offset=m.start())))
    if not entries:
        for src, m in draft.repo.grep(_BEAT, (".py",)):
            name = f"beat:{src.path}:{src.line_at(m.start())}"
            entries.append((name, _crontab(m.group(1)), src.evidence(offset=m.start())))
    for name, schedule, ev in entries:
        draft.job(Job(name, "celery beat", schedule, "cron", [ev], scheduled_by="celery beat"))
    if entries and not any("beat" in j.command for j in draft.profile.jobs if j.kind == "worker"):
        app = _celery_app(draft)
        draft.job(
            Job("beat", f"celery -A {app} beat --loglevel=info", None, "worker", [entries[0][2]])
        )


def _celery_app(draft: Draft) -> str:
    """The -A argument: from a celery command the repo already runs, else the module of Celery()."""
    for job in draft.profile.jobs:
        if m := _CELERY_CMD.search(job.command):
            return m.group(1)
    for src, m in draft.repo.grep(_CELERY_APP, (".py",)):
        module = src.path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        return f"{module}:{m.group(1)}" if m.group(1) != "app" else module
    return "app"


def _schedule(expr: str) -> str:
    """crontab(...) as cron; timedelta(minutes=5) / 300.0 seconds as the nearest cron step."""
    if expr.startswith("crontab"):
        return _crontab(expr[expr.index("(") + 1 : -1])
    seconds = 0.0
    if expr.startswith("timedelta"):
        units = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
        for key, value in re.findall(r"(\w+)\s*=\s*([\d.]+)", expr):
            seconds += units.get(key, 0) * float(value)
    else:
        seconds = float(expr)
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"*/{minutes} * * * *" if minutes > 1 else "* * * * *"
    hours = max(1, round(minutes / 60))
    return f"0 */{hours} * * *" if hours < 24 else "0 0 * * *"


def _start(draft: Draft) -> None:
    """No Procfile or Dockerfile start: the WSGI/ASGI server the dependencies provide."""
    p = draft.profile
    framework = str(p.framework.value) if p.framework else ""
    for src, m in draft.repo.grep(_APP_OBJECT, (".py",)):
        module = src.path.removesuffix(".py").replace("/", ".")
        target = f"{module}:{m.group(1)}"
        if m.group(2) in ("FastAPI", "Starlette"):
            server = "uvicorn" if "uvicorn" in draft.deps or "fastapi" in draft.deps else None
            command = f"{server} {target} --host 0.0.0.0 --port ${{PORT:-8000}}" if server else None
        else:
            command = (
                f"gunicorn --bind 0.0.0.0:${{PORT:-8000}} {target}"
                if "gunicorn" in draft.deps
                else f"flask --app {target} run --host 0.0.0.0 --port ${{PORT:-8000}}"
            )
        if command:
            draft.starts.add(command, src.evidence(offset=m.start()), 1)
        return
    if framework == "django":
        for src, m in draft.repo.grep(
            re.compile(r"WSGI_APPLICATION\s*=\s*['\"]([\w.]+)\.application"), (".py",)
        ):
            draft.starts.add(
                f"gunicorn --bind 0.0.0.0:${{PORT:-8000}} {m.group(1)}",
                src.evidence(offset=m.start()),
                1,
            )
            return


def _deps(draft: Draft, src: SourceFile, depth: int = 0) -> None:
    if src.path.endswith("Pipfile"):
        try:
            data = tomllib.loads(src.text)
        except tomllib.TOMLDecodeError:
            return
        for name in data.get("packages") or {}:
            m = re.search(re.escape(str(name)), src.text)
            ev = src.evidence(offset=m.start()) if m else src.evidence()
            draft.deps.setdefault(str(name).lower().replace("_", "-"), ev)
        return
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
    folder = src.path.rsplit("/", 1)[0] + "/" if "/" in src.path else ""
    for m in re.finditer(r"^\s*-r\s+(\S+)", src.text, re.M):  # -r requirements/prod.txt
        included = draft.repo.read(folder + m.group(1).removeprefix("./"))
        if included is not None and depth < 3:
            _deps(draft, included, depth + 1)


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
            floor = name == "pyproject.toml" and re.search(
                r"requires-python\s*=\s*\"\s*(?:>=|\^|~=)", src.text
            )
            value = {"language": "python", "version": m.group(1)}
            if floor:
                value["floor"] = True  # ">=3.9" says what works, not what to run
            return Fact(value, [src.evidence(offset=m.start())], "medium")
    docker = draft.dockerfile()
    m = re.search(
        r"^\s*FROM\s+(?:--\S+\s+)?(?:docker\.io/)?(?:library/)?python:(\d+\.\d+)",
        docker.text if docker else "",
        re.M | re.I,
    )
    if docker is not None and m is not None:  # the image the user's own Dockerfile runs on
        return Fact(
            {"language": "python", "version": m.group(1)},
            [docker.evidence(offset=m.start())],
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
        if m.group(1) == "sqlite3":
            _django_sqlite(draft, src.evidence(offset=m.start()))
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


def _django_sqlite(draft: Draft, where: Evidence) -> None:
    """DATABASES written as SQLite, and no PostgreSQL driver installed: on AWS every task
    keeps its own db.sqlite3 inside the container (lost at each deploy, never shared with the
    worker), whatever DATABASE_URL the task is given."""
    if any(DRIVERS[d][0] == "postgresql" for d in DRIVERS if d in draft.deps):
        return
    draft.finding(
        "django-sqlite-settings",
        "Django's DATABASES is SQLite, written in the settings: the app never reads the database "
        "it is given",
        "read DATABASE_URL (`DATABASES = {'default': dj_database_url.config(conn_max_age=600)}` "
        "with dj-database-url) and add psycopg[binary] to the requirements; until then each "
        "task writes a db.sqlite3 of its own inside the container, lost at every deploy",
        [where],
    )


def _crontab(args: str) -> str:
    """celery's crontab(minute=..., hour=...) as a five-field cron expression."""
    fields = dict.fromkeys(("minute", "hour", "day_of_month", "month_of_year", "day_of_week"), "*")
    for key, value in re.findall(r"(\w+)\s*=\s*['\"]?([^,'\"]+)['\"]?", args):
        if key in fields:
            fields[key] = value.strip()
    return " ".join(fields.values())
