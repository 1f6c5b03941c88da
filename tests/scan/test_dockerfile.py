"""The user's own Dockerfile is kept; what would stop it working on ECS is a finding with its line."""

from __future__ import annotations

import json

import pytest

from skylift.scan.dockerfile import parse, start

PKG = json.dumps({"name": "app", "dependencies": {"express": "4", "pg": "8"}})


def findings(p) -> dict[str, list[str]]:
    return {f.code: [str(e) for e in f.evidence] for f in p.findings if f.code.startswith("docker")}


def test_parse_joins_continuations_and_follows_stages() -> None:
    stages = parse(
        "FROM node:20 AS build\nRUN npm ci \\\n  # a comment\n  && npm run build\n"
        'CMD ["node", "dist/main.js"]\n\nFROM build\nENV X=1\n'
    )
    assert [(s.image, s.name) for s in stages] == [("node:20", "build"), ("build", None)]
    assert stages[0].instructions[0].args == "npm ci && npm run build"
    cmd = start(stages)
    assert cmd is not None and (cmd.line, cmd.args) == (5, '["node", "dist/main.js"]')


def test_no_cmd_on_a_language_image(scan_files) -> None:
    p = scan_files(
        {
            "package.json": PKG,
            "package-lock.json": "{}",
            "Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
        }
    )
    assert findings(p) == {"dockerfile-no-cmd": ["Dockerfile:1"]}


def test_missing_files_no_source_and_a_dev_server(scan_files) -> None:
    dockerfile = (
        "FROM node:20\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn\n"
        'COPY dist/api ./api\nCMD ["nodemon", "api/main.js"]\n'
    )
    p = scan_files({"package.json": PKG, "Dockerfile": dockerfile, "src/index.js": ""})
    got = findings(p)
    assert got["dockerfile-missing-file"] == ["Dockerfile:3", "Dockerfile:5"]  # yarn.lock, dist/api
    assert got["dockerfile-no-source"] == ["Dockerfile:1"]
    assert got["dockerfile-dev-command"] == ["Dockerfile:6"]


def test_build_arg_without_default(scan_files) -> None:
    dockerfile = (
        "FROM node:20\nARG NPM_TOKEN\nARG NODE_VERSION=20\nARG TARGETARCH\nCOPY . .\n"
        "RUN echo //registry/:_authToken=${NPM_TOKEN} > .npmrc && npm ci\n"
        'CMD ["node", "index.js"]\n'
    )
    p = scan_files({"package.json": PKG, "Dockerfile": dockerfile, "index.js": ""})
    assert findings(p)["dockerfile-build-arg"] == ["Dockerfile:2"]


def test_the_database_url_nothing_composes(scan_files) -> None:
    dockerfile = 'FROM node:20\nCOPY . .\nRUN npm ci\nCMD ["node", "index.js"]\n'
    files = {
        "package.json": PKG,
        "package-lock.json": "{}",
        "Dockerfile": dockerfile,
        "index.js": "new Pool({ connectionString: process.env.DATABASE_URL })\n",
    }
    assert findings(scan_files(files)) == {"dockerfile-entrypoint-override": ["Dockerfile:4"]}


def test_a_dockerfile_through_the_entrypoint_is_fine(scan_files) -> None:
    dockerfile = (
        "FROM node:20\nCOPY . .\nRUN npm ci\nCOPY --chmod=0755 scripts/skylift-env.sh /usr/local/bin/skylift-env\n"
        'ENTRYPOINT ["/usr/local/bin/skylift-env"]\nCMD ["node", "index.js"]\n'
    )
    files = {
        "package.json": PKG,
        "package-lock.json": "{}",
        "Dockerfile": dockerfile,
        "scripts/skylift-env.sh": "",
        "index.js": "process.env.DATABASE_URL\n",
    }
    assert findings(scan_files(files)) == {}


@pytest.mark.parametrize(
    "cmd",
    [
        '["npm", "run", "dev"]',
        "uvicorn app:app --reload",
        '["next", "dev"]',
        "python manage.py runserver 0.0.0.0:8000",
    ],
)
def test_dev_servers(scan_files, cmd) -> None:
    p = scan_files(
        {"package.json": PKG, "Dockerfile": f"FROM node:20\nCOPY . .\nCMD {cmd}\n", "a.js": ""}
    )
    assert "dockerfile-dev-command" in findings(p)


def test_a_context_above_the_app_is_named(tmp_path) -> None:
    from skylift.scan import scan
    from tests.scan.conftest import write

    write(
        tmp_path,
        {
            "frontend/package.json": "{}",
            "backend/requirements.txt": "fastapi\n",
            "backend/app/main.py": "app = FastAPI()\n",
            "backend/Dockerfile": "FROM python:3.12\nCOPY frontend/package.json /f/\nCOPY backend /app\nCMD uvicorn app.main:app\n",
        },
    )
    p = scan(tmp_path)
    codes = {f.code: [str(e) for e in f.evidence] for f in p.findings}
    assert codes["dockerfile-context"] == ["Dockerfile:2", "Dockerfile:3"]
    assert "dockerfile-missing-file" not in codes


@pytest.mark.parametrize(
    ("run", "lock", "found"),
    [
        ("npm ci --omit=dev", None, True),
        ("npm ci --omit=dev", "package-lock.json", False),
        ("yarn install --frozen-lockfile", "package-lock.json", True),
        ("corepack enable && pnpm install --frozen-lockfile", "pnpm-lock.yaml", False),
        ("npm install --omit=dev", None, False),
    ],
)
def test_a_locked_install_without_its_lockfile(scan_files, run: str, lock, found: bool) -> None:
    files = {
        "package.json": PKG,
        "index.js": "",
        "Dockerfile": f'FROM node:20-alpine\nWORKDIR /app\nCOPY package*.json ./\nRUN {run}\nCOPY . .\nCMD ["node", "index.js"]\n',
    }
    if lock:
        files[lock] = "{}"
    got = findings(scan_files(files)).get("dockerfile-no-lockfile")
    assert got == (["Dockerfile:4"] if found else None)


@pytest.mark.parametrize("installs, found", [("docker.txt", True), ("heroku.txt", False)])
def test_the_image_s_requirements_lack_the_postgresql_driver(scan_files, installs, found) -> None:
    """The driver sits in the Heroku requirements; the image installs the Docker ones."""
    p = scan_files(
        {
            "requirements.txt": "-r requirements/heroku.txt\n",
            "requirements/common.txt": "flask\nflask-sqlalchemy\n",
            "requirements/heroku.txt": "-r common.txt\npsycopg2==2.9\n",
            "requirements/docker.txt": "-r common.txt\npymysql\n",
            "app.py": "from flask import Flask\n",
            "Dockerfile": (
                "FROM python:3.11-slim\nCOPY requirements requirements\n"
                f"RUN pip install -r requirements/{installs}\nCOPY . .\n"
                'CMD ["gunicorn", "app:app"]\n'
            ),
        }
    )
    got = findings(p).get("dockerfile-no-pg-driver")
    assert got == (["Dockerfile:3"] if found else None)


@pytest.mark.parametrize(
    "script, wipes",
    [
        ("python manage.py flush --no-input\npython manage.py migrate\n", True),
        ("python manage.py create_db\n", True),  # a command of the app's own: drop_all()
        ("python manage.py seed_db\n# python manage.py flush\n", False),
        ("flask db upgrade\n", False),
    ],
)
def test_a_start_script_that_empties_the_database(scan_files, script, wipes) -> None:
    manage = (
        "from flask.cli import FlaskGroup\ncli = FlaskGroup(app)\n\n"
        '@cli.command("create_db")\ndef create_db():\n    db.drop_all()\n    db.create_all()\n\n'
        '@cli.command("seed_db")\ndef seed_db():\n    db.session.add(User())\n'
    )
    p = scan_files(
        {
            "requirements.txt": "flask\nflask-sqlalchemy\npsycopg2-binary\n",
            "manage.py": manage,
            "entrypoint.sh": "#!/bin/sh\n" + script + 'exec "$@"\n',
            "Dockerfile": (
                "FROM python:3.11-slim\nWORKDIR /usr/src/app\nCOPY . .\n"
                "RUN pip install -r requirements.txt\n"
                'ENTRYPOINT ["/usr/src/app/entrypoint.sh"]\n'
            ),
        }
    )
    got = {f.code: [str(e) for e in f.evidence] for f in p.findings}
    assert got.get("entrypoint-wipes-database") == (["entrypoint.sh:2"] if wipes else None)
