"""A Dockerfile of the user's that does not start through scripts/skylift-env.sh still gets its
URLs composed: the task definition runs the script inline first, then what the image runs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from skylift.config import resolve
from skylift.plan import derive
from skylift.render import render_files
from skylift.scan import scan
from tests.scan.conftest import package_json, write

APP = {
    "package.json": package_json({"express": "4", "pg": "8"}, scripts={"start": "node index.js"}),
    "index.js": "new Pool({ connectionString: process.env.DATABASE_URL })\n",
}


def _files(tmp_path: Path, dockerfile: str) -> tuple[dict[str, str], list[str]]:
    root = write(tmp_path / "app", {**APP, "Dockerfile": dockerfile})
    profile = scan(root)
    cfg = resolve(
        derive.slug(profile.name), {}, {}, lambda t, c: derive.derived_defaults(profile, t, c)
    )
    files, _ = render_files(
        root, derive.build(profile, cfg), budget_usd=50, github_repository="a/b"
    )
    return files, [f.code for f in profile.findings]


def test_the_task_runs_the_entrypoint_before_the_user_s_command(tmp_path: Path) -> None:
    dockerfile = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENTRYPOINT ["tini", "--"]\nCMD ["node", "index.js"]\n'
    files, codes = _files(tmp_path, dockerfile)
    tf = files["infra/ecs.tf"]
    assert "Dockerfile" not in files  # the user's file stays
    assert 'entryPoint             = ["/bin/sh", "-c", local.skylift_env, "skylift-env"]' in tf
    assert 'command                = ["tini", "--", "node", "index.js"]' in tf
    assert "dockerfile-entrypoint-override" in codes and "dockerfile-no-env-entrypoint" not in codes
    # the inline script is the entrypoint's, and composes the URL
    literal = re.search(r"skylift_env = (\".*\")\n", tf).group(1)
    script = json.loads(literal.replace("$${", "${").replace("%%{", "%{"))
    env = {
        "PATH": "/usr/bin:/bin",
        "SKYLIFT_DB_URLS": "DATABASE_URL=postgresql?sslmode=no-verify",
        "SKYLIFT_DB_USER": "app_admin",
        "SKYLIFT_DB_PASSWORD": "s3cr3t/+",
        "SKYLIFT_DB_HOST": "db",
        "SKYLIFT_DB_PORT": "5432",
        "SKYLIFT_DB_NAME": "shop",
    }
    out = subprocess.run(
        ["sh", "-c", script, "skylift-env", "sh", "-c", "echo $DATABASE_URL"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert (
        out.stdout.strip() == "postgresql://app_admin:s3cr3t%2F%2B@db:5432/shop?sslmode=no-verify"
    )


def test_shell_form_cmd_and_fmt(tmp_path: Path) -> None:
    files, _ = _files(tmp_path, "FROM node:20\nCOPY . .\nCMD node index.js\n")
    assert 'command                = ["/bin/sh", "-c", "node index.js"]' in files["infra/ecs.tf"]
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("SKIPPED LOUDLY: terraform is not installed")
    path = tmp_path / "ecs.tf"
    path.write_text(files["infra/ecs.tf"])
    proc = subprocess.run(
        [terraform, "fmt", "-check", "-diff", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout


def test_distroless_has_no_shell_and_is_a_blocker(tmp_path: Path) -> None:
    dockerfile = 'FROM node:20 AS build\nCOPY . .\nRUN npm ci\nFROM gcr.io/distroless/nodejs20\nCOPY --from=build /app /app\nCMD ["index.js"]\n'
    files, codes = _files(tmp_path, dockerfile)
    assert "entryPoint" not in files["infra/ecs.tf"]
    assert "dockerfile-no-env-entrypoint" in codes


def test_a_dockerfile_through_the_entrypoint_is_left_alone(tmp_path: Path) -> None:
    dockerfile = (
        "FROM node:20\nCOPY . .\nCOPY --chmod=0755 scripts/skylift-env.sh /usr/local/bin/skylift-env\n"
        'ENTRYPOINT ["/usr/local/bin/skylift-env"]\nCMD ["node", "index.js"]\n'
    )
    files, _ = _files(tmp_path, dockerfile)
    assert "entryPoint" not in files["infra/ecs.tf"] and "skylift_env" not in files["infra/ecs.tf"]


ENTRY_ONLY = (
    "FROM python:3.11-slim\nWORKDIR /usr/src/app\nCOPY . .\nRUN pip install -r requirements.txt\n"
    'ENTRYPOINT ["/usr/src/app/entrypoint.sh"]\n'
)
WAITS = 'exec "$@"\n'  # the script waits for the database, then runs what it is given


@pytest.mark.parametrize("urls", [False, True])
def test_a_command_compose_gives_an_entrypoint_only_image_is_the_task_s(
    tmp_path: Path, urls: bool
) -> None:
    """ENTRYPOINT and no CMD, the command in compose (two folders up, as services/web beside
    nginx): the task runs the entrypoint with that command, or the container exits at once."""
    settings = "os.environ['DATABASE_URL']\n" if urls else "os.environ.get('SQL_HOST')\n"
    compose = (
        "services:\n  web:\n    build: ./services/web\n    command: gunicorn --bind 0.0.0.0:5000 "
        "manage:app\n    ports: ['5001:5000']\n    volumes: ['./services/web/:/usr/src/app/']\n"
        "    env_file: [./.env.dev]\n"
        "  nginx:\n    build: ./services/nginx\n  db:\n    image: postgres:13\n"
    )
    root = write(
        tmp_path / "repo",
        {
            "docker-compose.yml": compose,
            ".env.dev-sample": "FLASK_APP=project/__init__.py\nFLASK_DEBUG=1\n",  # beside compose
            ".env.prod.db-sample": "POSTGRES_USER=hello\n",  # the database container's, not read
            "services/nginx/Dockerfile": "FROM nginx\n",
            "services/web/requirements.txt": "flask\npsycopg2-binary\ngunicorn\n",
            "services/web/manage.py": "import os\n" + settings,
            "services/web/entrypoint.sh": WAITS,
            "services/web/Dockerfile": ENTRY_ONLY,
        },
    )
    profile = scan(root)
    assert profile.start_command.value == "gunicorn --bind 0.0.0.0:5000 manage:app"
    assert str(profile.start_command.evidence[0]) == "../../docker-compose.yml:2"
    assert profile.port.value == 5000
    assert "host-volumes" not in [f.code for f in profile.findings]  # the hot-reload mount
    assert "POSTGRES_USER" not in {v.name for v in profile.env}
    flask_app = next(v for v in profile.env if v.name == "FLASK_APP")
    assert (flask_app.example, str(flask_app.evidence[0])) == (
        "project/__init__.py",
        "../../.env.dev-sample:1",
    )
    cfg = resolve(
        derive.slug(profile.name), {}, {}, lambda t, c: derive.derived_defaults(profile, t, c)
    )
    files, _ = render_files(
        root, derive.build(profile, cfg), budget_usd=50, github_repository="a/b"
    )
    gunicorn = '"gunicorn", "--bind", "0.0.0.0:5000", "manage:app"]'
    want = f'["/usr/src/app/entrypoint.sh", {gunicorn}' if urls else f"[{gunicorn}"
    assert f"command                = {want}" in files["infra/ecs.tf"]


def test_an_entrypoint_only_image_gets_the_app_s_start_command(tmp_path: Path) -> None:
    """No compose: the start the scan found (package.json here) follows the ENTRYPOINT; a
    script that starts the app itself ignores it."""
    files, _ = _files(tmp_path, ENTRY_ONLY.replace("/usr/src/app/entrypoint.sh", "/app/run.sh"))
    assert 'command                = ["/app/run.sh", "node", "index.js"]' in files["infra/ecs.tf"]


def test_an_entrypoint_that_is_the_app_s_own_command_gets_nothing_appended(tmp_path: Path) -> None:
    files, _ = _files(
        tmp_path, ENTRY_ONLY.replace('"/usr/src/app/entrypoint.sh"', '"node", "server.js"')
    )
    assert 'command                = ["node", "server.js"]' in files["infra/ecs.tf"]


@pytest.mark.parametrize("urls", [False, True])
def test_an_image_with_neither_cmd_nor_entrypoint_runs_compose_s_command(
    tmp_path: Path, urls: bool
) -> None:
    """No CMD and no ENTRYPOINT, compose's `command:` starts it: the image alone runs python's
    REPL and exits. The task runs the start command, through the script when a URL is composed
    (it was started with nothing: no command, no DATABASE_URL); a `$PORT` gets a shell."""
    settings = "os.environ.get('DATABASE_URL')\n" if urls else "os.environ.get('LOG_LEVEL')\n"
    compose = (
        "services:\n  web:\n    build: ./api\n"
        "    command: uvicorn app.main:app --host 0.0.0.0 --port ${PORT:-8000}\n"
        "    ports: ['8004:8000']\n"
    )
    root = write(
        tmp_path / "repo",
        {
            "docker-compose.yml": compose,
            "api/requirements.txt": "fastapi\nuvicorn\n"
            + ("asyncpg\nsqlalchemy\n" if urls else ""),
            "api/app/__init__.py": "",
            "api/app/main.py": "import os\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            + settings,
            "api/Dockerfile": "FROM python:3.11-slim\nWORKDIR /usr/src/app\nCOPY . .\n"
            "RUN pip install -r requirements.txt\n",
        },
    )
    profile = scan(root)
    no_cmd = next(f for f in profile.findings if f.code == "dockerfile-no-cmd")
    assert no_cmd.severity == "info" and "the task definition runs `uvicorn" in no_cmd.title
    cfg = resolve(
        derive.slug(profile.name), {}, {}, lambda t, c: derive.derived_defaults(profile, t, c)
    )
    files, _ = render_files(
        root, derive.build(profile, cfg), budget_usd=50, github_repository="a/b"
    )
    tf = files["infra/ecs.tf"]
    # HCL escapes `${` as `$${`: the task gets `${PORT:-8000}` for the shell to expand
    shell = '["/bin/sh", "-c", "exec uvicorn app.main:app --host 0.0.0.0 --port $${PORT:-8000}"]'
    assert f"command                = {shell}" in tf
    assert ("entryPoint             = [" in tf) is urls
