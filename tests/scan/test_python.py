"""Python: requirements, pyproject, runtime.txt and settings, one behaviour per test."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("requirements", "framework"),
    [
        ("Django==5.0\n", "django"),
        ("fastapi>=0.110\nuvicorn\n", "fastapi"),
        ("Flask==3.0.2\n", "flask"),
    ],
)
def test_framework(scan_files, requirements, framework) -> None:
    assert scan_files({"requirements.txt": requirements}).framework.value == framework


def test_runtime_txt(scan_files) -> None:
    p = scan_files({"requirements.txt": "flask\n", "runtime.txt": "python-3.11.9\n"})
    assert (p.runtime.value, p.runtime.confidence) == (
        {"language": "python", "version": "3.11"},
        "high",
    )


def test_pyproject_requires_python_and_deps(scan_files) -> None:
    pyproject = '[project]\nname = "svc"\nrequires-python = ">=3.12"\ndependencies = ["fastapi", "SQLAlchemy>=2", "psycopg[binary]"]\n'
    p = scan_files({"pyproject.toml": pyproject})
    db = p.databases[0]
    assert (p.runtime.value["version"], p.framework.value) == ("3.12", "fastapi")
    assert (db.engine, db.driver, db.orm) == ("postgresql", "psycopg", "sqlalchemy")


def test_env_from_os_environ_and_getenv(scan_files) -> None:
    code = "import os\nA = os.environ['SECRET_KEY']\nB = os.environ.get('DEBUG')\nC = os.getenv('REDIS_URL')\n"
    p = scan_files({"requirements.txt": "flask\n", "app.py": code})
    assert [(e.name, e.kind) for e in p.env] == [
        ("DEBUG", "config"),
        ("REDIS_URL", "secret"),
        ("SECRET_KEY", "secret"),
    ]


def test_celery_beat_crontab(scan_files) -> None:
    code = "from celery.schedules import crontab\nbeat_schedule = {'x': {'task': 't', 'schedule': crontab(minute=0, hour='*/3')}}\n"
    job = scan_files({"requirements.txt": "celery\nredis\n", "tasks.py": code}).jobs[0]
    assert (job.kind, job.schedule) == ("cron", "0 */3 * * *")


def test_django_sqlite_engine(scan_files) -> None:
    settings = (
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'db.sqlite3'}}\n"
    )
    p = scan_files({"requirements.txt": "django\n", "manage.py": "", "site/settings.py": settings})
    db = p.databases[0]
    assert (db.engine, db.orm, db.migration_tool) == ("sqlite", "django", "django")


def test_port_from_app_run(scan_files) -> None:
    p = scan_files(
        {"requirements.txt": "flask\n", "app.py": "app.run(host='0.0.0.0', port=5001)\n"}
    )
    assert p.port.value == 5001


def test_django_management_commands_are_one_off(scan_files) -> None:
    p = scan_files(
        {
            "requirements.txt": "django\n",
            "manage.py": "",
            "shop/management/commands/import_products.py": "",
            "shop/management/commands/__init__.py": "",
        }
    )
    assert [(j.kind, j.command) for j in p.jobs] == [
        ("one-off", "python manage.py import_products")
    ]


ENV_PY = "from alembic import context\nconfig = context.config\n"


@pytest.mark.parametrize(
    ("line", "flagged"),
    [
        ("config.set_main_option('sqlalchemy.url',\n    app.config.get('DATABASE_URI'))\n", True),
        ('config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])\n', True),
        (
            "config.set_main_option('sqlalchemy.url', str(get_url()).replace('%', '%%'))\n",
            False,
        ),
        ("url = config.get_main_option('sqlalchemy.url')\n", False),
    ],
)
def test_alembic_env_that_does_not_escape_the_url_is_a_code_change(scan_files, line, flagged):
    p = scan_files(
        {
            "requirements.txt": "flask\nflask-migrate\npsycopg2\n",
            "migrations/alembic.ini": "[alembic]\n",
            "migrations/env.py": ENV_PY + line,
        }
    )
    found = [f for f in p.findings if f.code == "alembic-url-percent"]
    assert bool(found) is flagged
    if flagged:
        assert str(found[0].evidence[0]) == "migrations/env.py:3"
        assert found[0].severity == "change"


def test_the_python_version_of_the_user_s_dockerfile(scan_files) -> None:
    p = scan_files(
        {
            "requirements.txt": "flask\n",
            "Dockerfile": '# the app\'s image\nFROM python:3.6-alpine\nCOPY . .\nCMD ["flask", "run"]\n',
        }
    )
    assert p.runtime.value["version"] == "3.6"
    assert (str(p.runtime.evidence[0]), p.runtime.confidence) == ("Dockerfile:2", "medium")
    with_runtime_txt = scan_files({"requirements.txt": "flask\n", "runtime.txt": "python-3.10.4\n"})
    assert with_runtime_txt.runtime.value["version"] == "3.10"


@pytest.mark.parametrize(
    ("code", "websockets"),
    [
        ("from fastapi import FastAPI\napp = FastAPI()\n", False),  # uvicorn[standard]'s dep
        ("from fastapi import FastAPI, WebSocket\napp = FastAPI()\n", True),
        ("import websockets\n", True),
    ],
)
def test_the_websockets_package_alone_is_not_a_websocket_app(scan_files, code, websockets) -> None:
    p = scan_files({"requirements.txt": "fastapi\nuvicorn\nwebsockets==12.0\n", "main.py": code})
    assert ("websockets" in [s.value for s in p.services]) is websockets


@pytest.mark.parametrize(
    ("default", "siblings", "expected"),
    [
        ("shop.settings.local", ["production.py"], "shop.settings.production"),
        ("shop.settings.dev", ["prod.py"], "shop.settings.prod"),
        ("shop.settings.production", ["local.py"], None),  # already production
        ("shop.settings.local", [], None),  # no production module to pick
    ],
)
def test_django_settings_defaulting_to_local_get_the_production_module(
    scan_files, default, siblings, expected
) -> None:
    """manage.py's setdefault picks the laptop's settings; Heroku's config vars chose production."""
    manage = f'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "{default}")\n'
    files = {"requirements.txt": "django\n", "manage.py": manage, "shop/settings/base.py": ""}
    files |= {f"shop/settings/{name}": "from .base import *\n" for name in siblings}
    p = scan_files(files)
    var = next((v for v in p.env if v.name == "DJANGO_SETTINGS_MODULE"), None)
    assert (var.example if var else None) == expected
    if expected:
        assert str(var.evidence[0]) == "manage.py:2"


ALEMBIC_INI = "[alembic]\nscript_location = migrations\n\nsqlalchemy.url = {url}\n"
INI_ONLY_ENV_PY = (
    "from alembic import context\nconfig = context.config\n\n"
    "def run_migrations_offline():\n"
    '    url = config.get_main_option("sqlalchemy.url")\n'
)


@pytest.mark.parametrize(
    ("url", "env_py", "flagged"),
    [
        ("postgresql+asyncpg://app:secret@db:5432/songs", INI_ONLY_ENV_PY, True),
        (  # env.py sets the app's URL
            "postgresql://app:secret@db:5432/songs",
            INI_ONLY_ENV_PY + "config.set_main_option('sqlalchemy.url', os.environ['DB'])\n",
            False,
        ),
        ("%(DATABASE_URL)s", INI_ONLY_ENV_PY, False),  # interpolated, not a literal
    ],
)
def test_alembic_reading_only_the_ini_s_url(scan_files, url, env_py, flagged) -> None:
    p = scan_files(
        {
            "requirements.txt": "fastapi\nalembic\nasyncpg\n",
            "main.py": "import os\nos.environ.get('DATABASE_URL')\n",
            "alembic.ini": ALEMBIC_INI.format(url=url),
            "migrations/env.py": env_py,
        }
    )
    found = [f for f in p.findings if f.code == "alembic-url-ini-only"]
    assert bool(found) is flagged
    if flagged:
        assert found[0].severity == "blocker" and "db:5432/songs" in found[0].suggestion
        assert [str(e) for e in found[0].evidence] == ["alembic.ini:4", "migrations/env.py:5"]


def _revision(rev: str, down: str) -> str:
    return f'"""a migration"""\n\nrevision = "{rev}"\ndown_revision = {down}\n'


@pytest.mark.parametrize(
    ("versions", "heads"),
    [
        ({"a1_init": ("a1", "None"), "b2_add": ("b2", '"a1"')}, []),
        (  # two initial migrations, each with its own successor
            {
                "a1_init": ("a1", "None"),
                "b2_add": ("b2", '"a1"'),
                "c3_init": ("c3", "None"),
                "d4_add": ("d4", '"c3"'),
            },
            ["migrations/versions/b2_add.py:3", "migrations/versions/d4_add.py:3"],
        ),
        (  # merged: one head
            {
                "a1": ("a1", "None"),
                "b2": ("b2", '"a1"'),
                "c3": ("c3", '"a1"'),
                "m": ("m", '("b2", "c3")'),
            },
            [],
        ),
    ],
)
def test_alembic_migrations_with_two_heads(scan_files, versions, heads) -> None:
    files = {f"migrations/versions/{n}.py": _revision(*rd) for n, rd in versions.items()}
    p = scan_files({"requirements.txt": "flask\nalembic\n", "alembic.ini": "[alembic]\n", **files})
    found = [f for f in p.findings if f.code == "alembic-multiple-heads"]
    assert [str(e) for f in found for e in f.evidence] == heads


@pytest.mark.parametrize(
    ("requirements", "flagged"), [("django\n", True), ("django\npsycopg2\n", False)]
)
def test_django_settings_written_as_sqlite(scan_files, requirements, flagged) -> None:
    settings = (
        "DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.sqlite3',\n"
        "        'NAME': 'db.sqlite3',\n    }\n}\n"
    )
    p = scan_files(
        {"requirements.txt": requirements, "manage.py": "", "shop/settings.py": settings}
    )
    found = [f for f in p.findings if f.code == "django-sqlite-settings"]
    assert [str(e) for f in found for e in f.evidence] == (
        ["shop/settings.py:3"] if flagged else []
    )
