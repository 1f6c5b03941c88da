"""The environment the task gets: the names the app reads, in the form it reads them, with
production values; never `value = ""`; development values never reach production."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from skylift.config import Config, load_file, resolve
from skylift.errors import ConfigError
from skylift.plan import derive
from skylift.plan.blueprint import Blueprint
from skylift.render import render_files
from skylift.scan import scan
from tests.scan.conftest import package_json, write

NODE_PG = package_json({"express": "4", "pg": "8", "ioredis": "5"})


def plan(tmp_path: Path, files: dict[str, str], env: dict[str, str] | None = None) -> Blueprint:
    profile = scan(write(tmp_path / "app", files))
    file_values = {f"env.{k}": v for k, v in (env or {}).items()}
    cfg = resolve(
        derive.slug(profile.name),
        {},
        file_values,
        lambda t, c: derive.derived_defaults(profile, t, c),
    )
    return derive.build(profile, cfg)


def ecs_tf(tmp_path: Path, bp: Blueprint) -> str:
    files, _ = render_files(tmp_path, bp, budget_usd=50, github_repository="acme/app")
    return files["infra/ecs.tf"]


def test_unknown_values_are_left_unset_never_empty(tmp_path: Path) -> None:
    bp = plan(
        tmp_path,
        {
            "package.json": NODE_PG,
            ".env.example": "FEATURE_FLAGS=\nLOG_LEVEL=info\n",
            "src/index.js": "process.env.SENTRY_ENVIRONMENT; process.env.PORT\n",
        },
    )
    assert bp.config_env == {"LOG_LEVEL": "info", "PGSSLMODE": "no-verify"}
    assert {u["name"] for u in bp.env_unset} == {"FEATURE_FLAGS", "SENTRY_ENVIRONMENT"}
    assert 'value = ""' not in ecs_tf(tmp_path, bp)


def test_development_values_become_production_ones(tmp_path: Path) -> None:
    env = (
        "NODE_ENV=development\nDEBUG=true\nHOST=localhost\nAPP_ENV=local\n"
        "NODE_OPTIONS=--max-old-space-size=6144 --enable-source-maps\nNEXT_TELEMETRY_DISABLED=1\n"
    )
    bp = plan(tmp_path, {"package.json": NODE_PG, ".env.example": env})
    assert bp.config_env == {
        "APP_ENV": "production",
        "DEBUG": "false",
        "HOST": "0.0.0.0",
        "NODE_ENV": "production",
        "NODE_OPTIONS": "--enable-source-maps",  # the build machine's 6 GB heap is gone
        "PGSSLMODE": "no-verify",
    }
    assert [u["name"] for u in bp.env_unset] == ["NEXT_TELEMETRY_DISABLED"]


def test_local_and_compose_hosts_are_rewired_or_asked_for(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    ports: ['3000:3000']\n    environment:\n"
        "      DB_HOST: postgres\n      REDIS_HOST: redis\n      SEARCH_URL: http://search:9200\n"
        "      SMTP_HOST: mailhog\n      SMTP_PORT: 1025\n"
        "  postgres:\n    image: postgres:16\n  redis:\n    image: redis:7\n"
        "  search:\n    image: opensearchproject/opensearch:2\n  mailhog:\n    image: mailhog/mailhog\n"
    )
    bp = plan(
        tmp_path,
        {
            "package.json": NODE_PG,
            "docker-compose.yml": compose,
            ".env.example": "APP_URL=http://localhost:3000\nFRONTEND_URL=http://localhost:5173\n",
        },
    )
    assert bp.env_wiring["DB_HOST"] == {"source": "db", "part": "host"}
    assert bp.env_wiring["REDIS_HOST"] == {"source": "cache", "part": "host"}
    assert bp.env_wiring["APP_URL"] == {"source": "app", "part": "url"}
    asked = {q["name"]: q["why"] for q in bp.env_questions}
    assert set(asked) >= {"SEARCH_URL", "SMTP_HOST", "SMTP_PORT", "FRONTEND_URL"}
    assert "search, the dev setup's search service" in asked["SEARCH_URL"]
    assert "email-smtp.us-east-1.amazonaws.com" in asked["SMTP_HOST"]
    tf = ecs_tf(tmp_path, bp)
    for local in ("postgres", "redis", "mailhog", "localhost", "search:9200"):
        assert f'"{local}' not in tf and f"//{local}" not in tf


@pytest.mark.parametrize(
    ("files", "wired", "config", "line"),
    [
        (  # TypeORM's env config, still on MySQL: the connection type changes too
            {
                ".env.example": "TYPEORM_CONNECTION=mysql\nTYPEORM_HOST=localhost\nTYPEORM_PORT=3306\n"
                "TYPEORM_USERNAME=root\nTYPEORM_PASSWORD=x\nTYPEORM_DATABASE=shop\n",
                "package.json": package_json({"express": "4", "typeorm": "0.2", "mysql": "2"}),
            },
            {
                "TYPEORM_HOST": "host",
                "TYPEORM_PORT": "port",
                "TYPEORM_USERNAME": "user",
                "TYPEORM_PASSWORD": "password",
                "TYPEORM_DATABASE": "name",
            },
            {"TYPEORM_CONNECTION": "postgres"},
            '{ name = "TYPEORM_HOST", value = aws_db_instance.main.address }',
        ),
        (
            {
                ".env.example": "MYSQL_HOST=db\nMYSQL_USER=app\nMYSQL_PASSWORD=x\nMYSQL_DATABASE=shop\n",
                "package.json": package_json({"express": "4", "mysql2": "3"}),
            },
            {
                "MYSQL_HOST": "host",
                "MYSQL_USER": "user",
                "MYSQL_PASSWORD": "password",
                "MYSQL_DATABASE": "name",
            },
            {},
            '{ name = "MYSQL_PASSWORD", valueFrom = "${aws_db_instance.main.master_user_secret[0].secret_arn}:password::" }',
        ),
    ],
)
def test_the_app_s_own_database_names(tmp_path: Path, files, wired, config, line) -> None:
    bp = plan(tmp_path, files)
    assert {k: v["part"] for k, v in bp.env_wiring.items() if v["source"] == "db"} == wired
    assert {k: v for k, v in bp.config_env.items() if k != "PGSSLMODE"} == config
    assert line in ecs_tf(tmp_path, bp)


def test_urls_in_the_form_the_client_reads_with_tls(tmp_path: Path) -> None:
    settings = (
        "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n"
        "    sqlalchemy_database_uri: str\n    redis_addr: str\n    celery_broker_url: str\n"
    )
    bp = plan(
        tmp_path,
        {
            "requirements.txt": "fastapi\nsqlalchemy\nasyncpg\nredis\ncelery\n",
            "app/settings.py": settings,
            ".env.example": "SQLALCHEMY_DATABASE_URI=postgresql+asyncpg://u:p@localhost/shop?sslmode=disable\n"
            "CELERY_BROKER_URL=redis://localhost:6379/2\n",
        },
    )
    w = bp.env_wiring
    assert w["SQLALCHEMY_DATABASE_URI"] == {
        "source": "db",
        "part": "url",
        "scheme": "postgresql+asyncpg",
        "query": "ssl=require",  # asyncpg's spelling; sslmode=disable is gone
    }
    assert w["REDIS_ADDR"] == {"source": "cache", "part": "addr"}
    assert w["CELERY_BROKER_URL"]["scheme"] == "rediss"
    assert (w["CELERY_BROKER_URL"]["path"], w["CELERY_BROKER_URL"]["query"]) == (
        "/2",
        "ssl_cert_reqs=required",
    )
    tf = ecs_tf(tmp_path, bp)
    assert '{ name = "REDIS_ADDR", value = "${local.cache_host}:6379" }' in tf
    assert (
        "CELERY_BROKER_URL=rediss/2?ssl_cert_reqs=required SQLALCHEMY" not in tf
    )  # one list per source
    assert '"SKYLIFT_CACHE_URLS", value = "CELERY_BROKER_URL=rediss/2?ssl_cert_reqs=required"' in tf
    assert (
        '"SKYLIFT_DB_URLS", value = "SQLALCHEMY_DATABASE_URI=postgresql+asyncpg?ssl=require"' in tf
    )
    assert bp.config_env["PGSSLMODE"] == "require"


def test_nest_config_service_lower_case_key(tmp_path: Path) -> None:
    code = "const host = this.configService.get('database_host');\n"
    bp = plan(
        tmp_path,
        {
            "package.json": package_json({"@nestjs/core": "10", "@nestjs/config": "3", "pg": "8"}),
            "src/db.ts": code,
        },
    )
    assert bp.env_wiring["database_host"] == {"source": "db", "part": "host"}


def test_a_key_under_a_config_name_is_not_written_in_plain_text(tmp_path: Path) -> None:
    bp = plan(
        tmp_path,
        {
            "package.json": NODE_PG,
            ".env.example": "PEPPER=aG7kQ2mZx9Lw4Rt8Vb1N\nHASH_PEPPER_V2=aG7kQ2mZx9Lw4Rt8Vb1Nz\n",
        },
    )
    assert set(bp.secrets) == {"PEPPER", "HASH_PEPPER_V2"}
    tf = ecs_tf(tmp_path, bp)
    assert "aG7kQ2" not in tf and '"PEPPER", valueFrom' in tf


def test_skylift_toml_env_answers_a_question(tmp_path: Path) -> None:
    files = {"package.json": NODE_PG, ".env.example": "SMTP_HOST=mailhog\n"}
    bp = plan(tmp_path, files, env={"SMTP_HOST": "email-smtp.us-east-1.amazonaws.com"})
    assert bp.config_env["SMTP_HOST"] == "email-smtp.us-east-1.amazonaws.com"
    assert "SMTP_HOST" not in {q["name"] for q in bp.env_questions}


def test_a_secret_in_skylift_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "skylift.toml"
    path.write_text('[env]\nSTRIPE_SECRET_KEY = "sk_live_x"\n')
    with pytest.raises(ConfigError) as exc:
        load_file(path)
    assert "looks like a secret" in exc.value.what and ".env" in exc.value.fix


def test_env_table_survives_a_rewrite(tmp_path: Path) -> None:
    from skylift.config import write

    path = tmp_path / "skylift.toml"
    cfg = Config(name="app", env={"SMTP_HOST": "smtp.example.com"})
    write(path, cfg, None)
    values = load_file(path)
    assert values["env.SMTP_HOST"] == "smtp.example.com"
    again = resolve("app", {}, values, lambda t, c: {})
    assert again.env == {"SMTP_HOST": "smtp.example.com"}


def test_no_database_variable_gets_database_url_and_a_question(tmp_path: Path) -> None:
    bp = plan(tmp_path, {"package.json": NODE_PG, "src/db.js": "new Pool({ host: 'db' })\n"})
    assert bp.env_wiring["DATABASE_URL"]["query"] == "sslmode=no-verify"
    assert "DATABASE_URL" in {q["name"] for q in bp.env_questions}


def test_health_check_the_plan_and_the_terraform_agree(tmp_path: Path) -> None:
    bp = plan(
        tmp_path, {"package.json": NODE_PG, "src/app.js": "app.get('/', h)\napp.get('/users', h)\n"}
    )
    assert (bp.health_path, bp.health_matcher) == ("/", "200-499")
    files, _ = render_files(tmp_path, bp, budget_usd=50, github_repository="acme/app")
    assert 'matcher             = "200-499"' in files["infra/alb.tf"]
    assert 'default     = "/"' in files["infra/variables.tf"]
    (risk,) = [r for r in bp.risks if r["risk"].startswith("no health endpoint")]
    assert "GET /, healthy on 200-499" in risk["risk"]
    assert "only check that the port answers" not in json.dumps(bp.risks)
    assert "r.statusCode <= 499" in files["Dockerfile"]


def test_a_health_route_is_checked_strictly(tmp_path: Path) -> None:
    bp = plan(tmp_path, {"package.json": NODE_PG, "src/app.js": "app.get('/healthz', h)\n"})
    assert (bp.health_path, bp.health_matcher) == ("/healthz", "200-399")
    assert not [r for r in bp.risks if "health" in r["risk"]]


def test_release_commands_by_confidence_and_migrations_at_start(tmp_path: Path) -> None:
    bp = plan(
        tmp_path,
        {
            "package.json": package_json(
                {"express": "4", "pg": "8", "typeorm": "0.3"},
                scripts={"migrate": "node scripts/m.js"},
            ),
            "src/ds.ts": "new DataSource({ type: 'postgres', migrationsRun: true })\n",
        },
    )
    files, _ = render_files(tmp_path, bp, budget_usd=50, github_repository="acme/app")
    workflow = files[".github/workflows/deploy.yml"]
    assert "Run migrations as a one-off task" not in workflow  # picked by its name only
    assert "`npm run migrate` was picked only by its name" in workflow
    assert "in-process" not in files["scripts/ecs-run.sh"]  # nothing to run by hand
    risks = " ".join(r["risk"] for r in bp.risks)
    assert "migrates its schema when it starts" in risks and "picked by its name only" in risks


def test_the_entrypoint_composes_every_url(tmp_path: Path) -> None:
    bp = plan(
        tmp_path,
        {
            "package.json": package_json({"express": "4", "@prisma/client": "5", "ioredis": "5"}),
            "prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n  directUrl = env("DIRECT_URL")\n}\n',
            ".env.example": "DATABASE_URL=postgresql://u:p@localhost:5432/x?schema=app\nREDIS_URL=redis://localhost:6379\n",
        },
    )
    files, _ = render_files(tmp_path, bp, budget_usd=50, github_repository="acme/app")
    tf = files["infra/ecs.tf"]
    urls = re.search(r'"SKYLIFT_DB_URLS", value = "([^"]+)"', tf).group(1)
    assert (
        urls
        == "DATABASE_URL=postgresql?schema=app&sslmode=require DIRECT_URL=postgresql?sslmode=require"
    )
    script = tmp_path / "skylift-env.sh"
    script.write_text(files["scripts/skylift-env.sh"])
    env = {
        "PATH": "/usr/bin:/bin",
        "SKYLIFT_DB_URLS": urls,
        "SKYLIFT_DB_USER": "app_admin",
        "SKYLIFT_DB_PASSWORD": "p@ss:w/rd% x",
        "SKYLIFT_DB_HOST": "db.internal",
        "SKYLIFT_DB_PORT": "5432",
        "SKYLIFT_DB_NAME": "shop",
        "SKYLIFT_CACHE_URLS": "REDIS_URL=rediss",
        "SKYLIFT_CACHE_PASSWORD": "tok/en",
        "SKYLIFT_CACHE_HOST": "cache.internal",
        "DIRECT_URL": "already-set",
    }
    out = subprocess.run(
        ["sh", str(script), "env"], env=env, capture_output=True, text=True, check=True
    )
    got = dict(
        line.split("=", 1)
        for line in out.stdout.splitlines()
        if "_URL=" in line and not line.startswith("SKYLIFT")
    )
    assert got == {
        "DATABASE_URL": "postgresql://app_admin:p%40ss%3Aw%2Frd%25%20x@db.internal:5432/shop?schema=app&sslmode=require",
        "DIRECT_URL": "already-set",  # a value already set wins
        "REDIS_URL": "rediss://:tok%2Fen@cache.internal:6379",
    }


def test_the_sqlite_file_comes_from_where_the_app_opens_it(tmp_path: Path) -> None:
    from skylift.plan._phases import phases

    files = {
        "package.json": package_json({"express": "4", "better-sqlite3": "9"}),
        "src/db.js": "const db = new Database(process.env.DB_PATH || 'var/shop.sqlite')\n",
    }
    bp = plan(tmp_path, files)
    commands = [c for ph in phases(scan(tmp_path / "app"), bp) for c in ph["commands"]]
    assert "skylift db migrate sqlite:///var/shop.sqlite" in commands
    assert not any("app.db" in c for c in commands)


def test_a_platform_marker_the_app_tests_is_a_question(tmp_path: Path) -> None:
    settings = 'import os\nIS_HEROKU = "DYNO" in os.environ\nDEBUG = os.environ.get("DEBUG")\n'
    bp = plan(
        tmp_path, {"requirements.txt": "django\n", "manage.py": "", "site/settings.py": settings}
    )
    (q,) = [q for q in bp.env_questions if q["name"] == "DYNO"]
    assert "Heroku" in q["why"] and "site/settings.py:2" in q["why"]


NODE_PG_ONLY = package_json({"express": "4", "pg": "8"})


def test_no_cache_means_no_cache_settings(tmp_path: Path) -> None:
    """An app that gets no cache gets no REDIS_PORT = "6379" and no empty REDIS_* secret."""
    bp = plan(
        tmp_path,
        {
            "package.json": NODE_PG_ONLY,
            ".env.example": "REDIS_HOST=localhost\nREDIS_PORT=6379\nREDIS_PASSWORD=\nREDIS_URL=\n"
            "CACHE_TTL=60\n",
            "src/index.js": "process.env.REDIS_HOST; process.env.DATABASE_URL\n",
        },
    )
    assert bp.cache is None
    assert not [n for n in [*bp.config_env, *bp.secrets, *bp.env_wiring] if "REDIS" in n]
    assert {u["name"] for u in bp.env_unset} >= {"REDIS_PORT", "REDIS_PASSWORD", "REDIS_URL"}
    assert [q["name"] for q in bp.env_questions if "REDIS" in q["name"]] == ["REDIS_HOST"]
    tf = ecs_tf(tmp_path, bp)
    assert "REDIS" not in tf and 'value = ""' not in tf


def test_no_database_means_no_database_settings(tmp_path: Path) -> None:
    bp = plan(
        tmp_path,
        {
            "package.json": package_json({"express": "4"}),
            ".env.example": "DB_PORT=5432\nDB_PASSWORD=\nDATABASE_URL=\n",
        },
    )
    assert bp.database is None
    assert not [n for n in [*bp.config_env, *bp.secrets, *bp.env_wiring] if "DB" in n]
    assert {u["name"] for u in bp.env_unset} == {"DB_PORT", "DB_PASSWORD", "DATABASE_URL"}


def test_a_sqlite_path_under_the_app_s_own_name_is_left_unset(tmp_path: Path) -> None:
    bp = plan(
        tmp_path,
        {
            "package.json": package_json({"next": "14", "better-sqlite3": "9"}),
            ".env.sample": "TRACKER_DB=data/tracker.db\nSTORE=file:./local.sqlite\nLOG_FILE=app.log\n",
            "lib/db.ts": "new Database(process.env.TRACKER_DB || 'data/tracker.db')\n",
        },
    )
    unset = {u["name"]: u["why"] for u in bp.env_unset}
    assert "SQLite" in unset["TRACKER_DB"] and "SQLite" in unset["STORE"]
    assert bp.config_env.get("LOG_FILE") == "app.log"
    assert "tracker.db" not in ecs_tf(tmp_path, bp)


def test_aws_access_keys_become_ssm_secrets_never_plain_values(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n"
        "      AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE\n"
        "      AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    )
    bp = plan(
        tmp_path,
        {
            "package.json": NODE_PG_ONLY,
            "docker-compose.yml": compose,
            ".env": "S3_ACCESS_KEY=AKIAIOSFODNN7EXAMPLE\nS3_SECRET_KEY=abc/def\nAWS_REGION=eu-west-1\n",
            ".env.example": "S3_ACCESS_KEY=\nS3_SECRET_KEY=\nAWS_REGION=eu-west-1\n",
        },
    )
    keys = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_ACCESS_KEY", "S3_SECRET_KEY"}
    assert keys <= set(bp.secrets)
    assert not keys & set(bp.config_env)
    tf = ecs_tf(tmp_path, bp)
    assert "AKIA" not in tf and "EXAMPLEKEY" not in tf
    for key in keys:
        assert f'{{ name = "{key}", valueFrom = "arn:' in tf


DJANGO_SETTINGS = (
    "import os\nALLOWED_HOSTS = os.environ.get('DJANGO_ALLOWED_HOSTS').split(' ')\n"
    "DATABASES = {'default': {'ENGINE': os.environ.get('SQL_ENGINE', "
    "'django.db.backends.sqlite3'), 'HOST': os.environ.get('SQL_HOST', 'localhost')}}\n"
)


@pytest.mark.parametrize("example", [None, "localhost 127.0.0.1 [::1]"])
def test_django_gets_its_engine_path_and_its_own_host_name(
    tmp_path: Path, example: str | None
) -> None:
    """A Django backend is a module path ("postgres" is refused at start), and ALLOWED_HOSTS
    (unset, `.split()` of None stops the app) is the app's host name, not the laptop's."""
    files = {
        "requirements.txt": "Django==4.2\npsycopg2-binary\n",
        "manage.py": "",
        "app/settings.py": DJANGO_SETTINGS,
    }
    if example:
        files[".env.example"] = f"DJANGO_ALLOWED_HOSTS={example}\n"
    bp = plan(tmp_path, files)
    assert bp.config_env["SQL_ENGINE"] == "django.db.backends.postgresql"
    assert bp.env_wiring["DJANGO_ALLOWED_HOSTS"] == {"source": "app", "part": "host"}
    tf = ecs_tf(tmp_path, bp)
    assert (
        '{ name = "DJANGO_ALLOWED_HOSTS", value = trimprefix(trimprefix(local.app_url, '
        '"https://"), "http://") }' in tf
    )


def test_development_and_test_databases_are_neither_wired_nor_asked(tmp_path: Path) -> None:
    config = (
        "import os\nDATABASE = os.environ.get('DATABASE_URL')\n"
        "DEV = os.environ.get('DEV_DATABASE_URL')\nTEST = os.environ.get('TEST_DATABASE_URL')\n"
    )
    bp = plan(tmp_path, {"requirements.txt": "flask\npsycopg2\nsqlalchemy\n", "config.py": config})
    assert list(bp.env_wiring) == ["DATABASE_URL"]
    assert not {"DEV_DATABASE_URL", "TEST_DATABASE_URL"} & set(bp.secrets)
    assert {u["name"] for u in bp.env_unset} >= {"DEV_DATABASE_URL", "TEST_DATABASE_URL"}


def test_node_config_variables_are_read_and_a_knex_connection_is_a_url(tmp_path: Path) -> None:
    """node-config names its variables in config/custom-environment-variables.yml, and the
    code reads `config.get('db.connection')`: DB_CLIENT selects knex's pg client and
    DB_CONNECTION (a URL in the example's commented line, not Laravel's dialect) is composed."""
    bp = plan(
        tmp_path,
        {
            "package.json": package_json({"koa": "2", "knex": "0.19", "pg": "7", "config": "3"}),
            "config/custom-environment-variables.yml": (
                "server:\n  port: PORT\nsecret: SECRET\nenv:\n  name: npm_package_name\n"
                "db:\n  client: DB_CLIENT\n  connection: DB_CONNECTION\n"
                "features:\n  flags:\n    __name: FEATURE_FLAGS\n    __format: json\n"
            ),
            ".example-env": (
                "PORT = 3000\n#DB_CLIENT = sqlite3 | pg\n"
                "#DB_CONNECTION = postgres://user:password@localhost:5432/db_name\n"
            ),
            "src/index.js": "const config = require('config')\nconfig.get('db.connection')\n",
        },
    )
    assert "SECRET" in bp.secrets
    assert bp.config_env["DB_CLIENT"] == "pg"
    assert bp.env_wiring["DB_CONNECTION"]["part"] == "url"
    assert bp.env_wiring["DB_CONNECTION"]["scheme"] == "postgres"
    assert "FEATURE_FLAGS" in {u["name"] for u in bp.env_unset}
    assert "npm_package_name" not in bp.config_env  # npm sets it
    assert "DB_CONNECTION=postgres?sslmode=no-verify" in ecs_tf(tmp_path, bp)


def test_a_variable_read_with_no_default_is_asked_not_left_unset(tmp_path: Path) -> None:
    config = (
        "import os\nclass Production:\n    SERVER_NAME = os.environ['SERVER_NAME']\n"
        "    MAIL_SERVER = os.environ.get('MAIL_SERVER', 'smtp.example.org')\n"
        "os.environ['WRITTEN_HERE'] = '1'\n"
    )
    bp = plan(tmp_path, {"requirements.txt": "flask\n", "config.py": config})
    asked = {q["name"]: q["why"] for q in bp.env_questions}
    assert "config.py:3" in asked["SERVER_NAME"] and "KeyError" in asked["SERVER_NAME"]
    assert "MAIL_SERVER" not in asked and "WRITTEN_HERE" not in asked


def test_the_laptop_side_of_a_compose_port_never_reaches_the_task(tmp_path: Path) -> None:
    env = "DB_HOST=db\nDB_PORT=5432\nDB_HOST_PORT=5433\nTEST_DB_HOST=db_test\nTEST_DB_HOST_PORT=5434\n"
    bp = plan(tmp_path, {"package.json": NODE_PG, ".env.example": env})
    assert bp.env_wiring["DB_PORT"] == {"source": "db", "part": "port"}
    assert not {"DB_HOST_PORT", "TEST_DB_HOST_PORT", "TEST_DB_HOST"} & set(bp.config_env)
    assert {"DB_HOST_PORT", "TEST_DB_HOST_PORT", "TEST_DB_HOST"} <= {
        u["name"] for u in bp.env_unset
    }


def test_an_image_that_migrates_as_it_starts_gets_no_release_step_of_its_own(
    tmp_path: Path,
) -> None:
    """`CMD sh -c "drizzle-kit migrate --config=build/... && yarn start"`: the release step
    would run `yarn migration:run` again, from an image that holds build/ and not src/."""
    dockerfile = (
        "FROM node:22-alpine\nWORKDIR /app\nCOPY build ./build\nCOPY package.json yarn.lock ./\n"
        "RUN yarn install --production\n"
        'CMD ["sh", "-c", "yarn drizzle-kit migrate --config=./build/drizzle.config.js && yarn start"]\n'
    )
    bp = plan(
        tmp_path,
        {
            "package.json": package_json(
                {"express": "5", "pg": "8", "drizzle-orm": "0.44", "drizzle-kit": "0.31"},
                scripts={
                    "start": "node build/index.js",
                    "migration:run": "drizzle-kit migrate --config=./src/drizzle.config.ts",
                },
            ),
            "yarn.lock": "",
            "Dockerfile": dockerfile,
        },
    )
    files, _ = render_files(tmp_path, bp, budget_usd=50, github_repository="acme/app")
    assert "Run migrations as a one-off task" not in files[".github/workflows/deploy.yml"]
    release = [j for j in bp.jobs if j["kind"] == "release"]
    assert [(j["in_process"], j["evidence"]) for j in release] == [(True, ["Dockerfile:6"])]
    assert any("migrates its schema when it starts" in r["risk"] for r in bp.risks)


@pytest.mark.parametrize(
    ("requirements", "scheme"),
    [
        ("flask\nflask-sqlalchemy\npsycopg2-binary\n", "postgresql+psycopg2"),
        ("flask\nflask-sqlalchemy\npsycopg[binary]\n", "postgresql"),  # 2.1's own default
        ("django\npsycopg2-binary\ndj-database-url\n", "postgresql"),  # libpq reads it
    ],
)
def test_sqlalchemy_gets_the_driver_it_has_installed(
    tmp_path: Path, requirements: str, scheme: str
) -> None:
    """SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3: an app that installed psycopg2
    stops with `No module named 'psycopg'` unless the URL names its driver."""
    code = "import os\nURL = os.environ.get('DATABASE_URL', 'sqlite://')\n"
    bp = plan(tmp_path, {"requirements.txt": requirements, "config.py": code})
    assert bp.env_wiring["DATABASE_URL"]["scheme"] == scheme


def test_a_debug_flag_read_with_bool_is_a_finding_and_left_unset(tmp_path: Path) -> None:
    """`bool(os.environ.get("DEBUG", 0))`: the production value "0" would turn DEBUG on."""
    bp = plan(
        tmp_path,
        {
            "requirements.txt": "django\npsycopg2-binary\n",
            "manage.py": "",
            "app/settings.py": "import os\nDEBUG = bool(os.environ.get('DEBUG', default=0))\n",
            ".env.example": "DEBUG=1\n",
        },
    )
    assert "DEBUG" not in bp.config_env
    assert any(u["name"] == "DEBUG" and "bool()" in u["why"] for u in bp.env_unset)
    profile = scan(tmp_path / "app")
    got = {f.code: [str(e) for e in f.evidence] for f in profile.findings}
    assert got["env-bool-of-string"] == ["app/settings.py:2"]


def test_a_placeholder_in_the_example_file_is_asked_not_set(tmp_path: Path) -> None:
    """`.env.example` writes `AWS_STORAGE_BUCKET_NAME="****"`: the owner's bucket, not a value."""
    bp = plan(
        tmp_path,
        {
            "requirements.txt": "django\n",
            "manage.py": "",
            ".env.example": 'AWS_STORAGE_BUCKET_NAME="****"\nS3_REGION=<your-region>\n'
            "LOG_LEVEL=info\n",
        },
    )
    asked = {q["name"]: q["why"] for q in bp.env_questions}
    assert "placeholder" in asked["AWS_STORAGE_BUCKET_NAME"] and "S3_REGION" in asked
    assert bp.config_env.get("LOG_LEVEL") == "info"
    assert "AWS_STORAGE_BUCKET_NAME" not in bp.config_env and "S3_REGION" not in bp.config_env


@pytest.mark.parametrize(
    ("example", "query"),
    [
        ("REDIS_URL=redis://redis:6379/0\n", "ssl_cert_reqs=required"),  # the broker reads it
        # a broker variable of its own: REDIS_URL is the cache's alone
        ("REDIS_URL=redis://redis:6379/0\nCELERY_BROKER_URL=redis://redis:6379/1\n", ""),
    ],
)
def test_celery_handed_the_cache_url_gets_ssl_cert_reqs(tmp_path: Path, example, query) -> None:
    """`CELERY_BROKER_URL = REDIS_URL` in settings: kombu refuses a rediss:// URL without
    ssl_cert_reqs, so the worker and beat would stop at start while the web task ran."""
    settings = "import environ\nenv = environ.Env()\nREDIS_URL = env('REDIS_URL')\n"
    settings += "CELERY_BROKER_URL = REDIS_URL\n"
    bp = plan(
        tmp_path,
        {
            "requirements.txt": "django\ncelery==5.0.2\nredis\ndjango-environ\n",
            "manage.py": "",
            "shop/settings.py": settings,
            ".env.example": example,
            "Procfile": "web: gunicorn shop.wsgi\nworker: celery -A shop worker\n",
        },
    )
    assert bp.env_wiring["REDIS_URL"]["scheme"] == "rediss"
    assert bp.env_wiring["REDIS_URL"].get("query", "") == query


def test_a_name_skylift_does_not_know_is_wired_by_its_compose_url(tmp_path: Path) -> None:
    """CELERY_BROKER=redis://queue:6379/0 and MAIN_DSN=postgres://...@pg/...: the compose
    services the cache and database replace, so the app's own names get their URLs (they
    were asked for as "points at queue, the dev setup's cache service")."""
    compose = (
        "services:\n  web:\n    build: .\n    environment:\n"
        "      - CELERY_BROKER=redis://queue:6379/0\n"
        "      - MAIN_DSN=postgres://app:pw@pg:5432/shop\n"
        "      - AUDIT_URL=redis://audit.example.org:6379/0\n"
        "  queue:\n    image: redis:7\n  pg:\n    image: postgres:16\n"
    )
    settings = (
        "import os\nBROKER = os.environ.get('CELERY_BROKER')\nDSN = os.environ['MAIN_DSN']\n"
        "AUDIT = os.environ.get('AUDIT_URL')\n"
    )
    bp = plan(
        tmp_path,
        {
            "requirements.txt": "flask\ncelery\nredis\npsycopg2-binary\n",
            "docker-compose.yml": compose,
            "app.py": settings,
        },
    )
    w = bp.env_wiring
    assert (w["CELERY_BROKER"]["source"], w["CELERY_BROKER"]["scheme"]) == ("cache", "rediss")
    assert w["CELERY_BROKER"]["query"] == "ssl_cert_reqs=required"
    assert (w["MAIN_DSN"]["source"], w["MAIN_DSN"]["part"]) == ("db", "url")
    assert "AUDIT_URL" not in w  # another host: not the cache's to replace
    assert "CELERY_BROKER" not in {q["name"] for q in bp.env_questions}
