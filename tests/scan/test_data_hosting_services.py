"""Scan facts the plan builds on: extensions as the source names them, which SQLite file is the
database, where the app runs today, the services it uses, monorepos and hard-coded secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skylift.scan import scan
from tests.scan.conftest import package_json, write

SQLITE = b"SQLite format 3\x00" + b"\x00" * 100


def test_extension_named_as_the_source_names_it(node_app) -> None:
    p = node_app(
        {"pg": "8", "express": "4"},
        {
            "migrations/001.sql": 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\nCREATE EXTENSION citext;\n'
        },
    )
    assert p.databases[0].extensions == ["uuid-ossp", "citext"]


def test_prisma_extensions_with_map(scan_files) -> None:
    schema = (
        'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n'
        '  extensions = [pgcrypto, uuidOssp(map: "uuid-ossp")]\n}\n'
    )
    p = scan_files(
        {"package.json": package_json({"@prisma/client": "5"}), "prisma/schema.prisma": schema}
    )
    assert p.databases[0].extensions == ["pgcrypto", "uuid-ossp"]


def test_prisma_dev_db_beside_postgresql_is_not_a_database(scan_files) -> None:
    p = scan_files(
        {
            "package.json": package_json({"@prisma/client": "5", "express": "4"}),
            "prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n}\n',
            "prisma/dev.db": SQLITE,
        }
    )
    assert [d.engine for d in p.databases] == ["postgresql"]
    (f,) = [f for f in p.findings if f.code == "stray-sqlite-file"]
    assert (f.severity, str(f.evidence[0])) == ("info", "prisma/dev.db")


@pytest.mark.parametrize(
    ("files", "location"),
    [
        ({"src/db.js": "new Database(process.env.DB_PATH || './data/shop.db')\n"}, "data/shop.db"),
        ({"src/db.js": "createClient({ url: 'file:local.db' })\n"}, "local.db"),
        ({".env.example": "DATABASE_PATH=./var/app.sqlite\n", "src/db.js": "x"}, "var/app.sqlite"),
    ],
)
def test_sqlite_location_from_where_the_app_opens_it(node_app, files, location) -> None:
    p = node_app({"better-sqlite3": "9", "express": "4"}, files)
    assert p.databases[0].location == location


def test_go_sqlite_location(scan_files) -> None:
    code = 'package main\n\nfunc open() { sql.Open("sqlite3", "file:data/app.db?_fk=1") }\n'
    p = scan_files(
        {
            "go.mod": "module x\n\ngo 1.22\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n",
            "db.go": code,
        }
    )
    assert p.databases[0].location == "data/app.db"


def test_heroku_procfile_and_readme_beat_a_stray_vercel_json(scan_files) -> None:
    p = scan_files(
        {
            "package.json": package_json({"express": "4"}),
            "Procfile": "web: node index.js\n",
            "README.md": "Deploy:\n\n    git push heroku main\n",
            "vercel.json": "{}",
        }
    )
    assert p.current_host.value == "heroku"


def test_vercel_json_still_counts_for_next(scan_files) -> None:
    p = scan_files({"package.json": package_json({"next": "14"}), "vercel.json": "{}"})
    assert p.current_host.value == "vercel"


@pytest.mark.parametrize(
    ("deps", "files", "service"),
    [
        ({"resend": "3", "express": "4"}, {}, "email"),
        (
            {"@nestjs/core": "10", "@nestjs/graphql": "12"},
            {"src/app.module.ts": "GraphQLModule.forRoot({ installSubscriptionHandlers: true })\n"},
            "websockets",
        ),
        ({"graphql-ws": "5", "express": "4"}, {}, "websockets"),
    ],
)
def test_node_services(node_app, deps, files, service) -> None:
    assert service in {f.value for f in node_app(deps, files).services}


def test_python_smtplib_is_email(scan_files) -> None:
    p = scan_files({"requirements.txt": "flask\n", "mail.py": "import smtplib\n"})
    assert "smtp" in {f.value for f in p.services}


def test_monorepo_scans_the_backend_and_says_so(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "backend/pyproject.toml": '[project]\nname = "api"\ndependencies = [\n    "fastapi[standard]>=0.1",\n]\n',
            "backend/app/main.py": "app = FastAPI()\n",
            "frontend/package.json": json.dumps({"dependencies": {"react": "18", "vite": "5"}}),
            "packages/email/package.json": json.dumps({"dependencies": {"react-email": "1"}}),
        },
    )
    p = scan(tmp_path)
    assert (p.framework.value, p.apps[0]) == ("fastapi", "backend")
    (f,) = [f for f in p.findings if f.code == "monorepo-choice"]
    assert "frontend" in f.suggestion and "skylift scan" in f.suggestion


def test_hardcoded_secrets_and_labels(scan_files) -> None:
    code = (
        'ACCESS_TOKEN_TYPE = "access"\n'
        'PASSWORD_ERROR = "the password you typed is wrong"\n'
        'SECRET_KEY = "django-insecure-abc123xyz"\n'
        'ADMIN_PASSWORD = "12345"\n'
    )
    p = scan_files(
        {
            "requirements.txt": "flask\n",
            "app/settings.py": code,
            "alembic.ini": "[alembic]\nsqlalchemy.url = postgresql://shop:s3cret@db.internal/shop\n",
        }
    )
    (f,) = [f for f in p.findings if f.code == "hardcoded-secret"]
    assert [str(e) for e in f.evidence] == [
        "alembic.ini:2",
        "app/settings.py:3",
        "app/settings.py:4",
    ]
    assert "s3cret" not in json.dumps(p.as_dict())


def test_alembic_placeholder_url_is_not_a_secret(scan_files) -> None:
    p = scan_files(
        {
            "requirements.txt": "flask\n",
            "alembic.ini": "sqlalchemy.url = driver://user:pass@localhost/dbname\n",
        }
    )
    assert not [f for f in p.findings if f.code == "hardcoded-secret"]


def test_go_indirect_drivers_count_only_when_imported(scan_files) -> None:
    mod = (
        "module blog\n\ngo 1.13\n\nrequire (\n\tgithub.com/jinzhu/gorm v1.9.16\n"
        "\tgithub.com/go-sql-driver/mysql v1.5.0 // indirect\n\tgithub.com/lib/pq v1.2.0 // indirect\n"
        "\tgithub.com/mattn/go-sqlite3 v1.14.0 // indirect\n)\n"
    )
    code = 'package models\n\nimport _ "github.com/jinzhu/gorm/dialects/mysql"\n'
    p = scan_files({"go.mod": mod, "models/db.go": code})
    assert [d.engine for d in p.databases] == ["mysql"]


def test_compose_service_running_the_repo_s_own_image_is_the_app(scan_files) -> None:
    compose = (
        "services:\n  web:\n    image: shop\n    ports: ['9090:9090']\n  db:\n    image: mysql:8\n"
    )
    p = scan_files(
        {"go.mod": "module example.com/shop\n\ngo 1.22\n", "docker-compose.yml": compose}
    )
    assert (p.current_host.value, p.port.value) == ("vps-compose", 9090)
    assert [f.value["name"] for f in p.dev_services] == ["db"]


def test_the_data_stays_the_source_when_the_code_already_talks_postgresql(scan_files) -> None:
    """The owner changed the code first (the plan's code changes): the SQLite file is still
    where the data is, and the plan still migrates it."""
    from skylift.config import resolve
    from skylift.plan import derive

    p = scan_files(
        {
            "package.json": package_json({"pg": "8", "express": "4"}),
            "src/db.js": "new Pool({ connectionString: process.env.DATABASE_URL })\n",
            "data/shop.db": SQLITE,
            "prisma/dev.db": SQLITE,
            "tests/test.db": SQLITE,
        }
    )
    assert sorted(d.engine for d in p.databases) == ["postgresql", "sqlite"]
    stray = [str(e) for f in p.findings if f.code == "stray-sqlite-file" for e in f.evidence]
    assert stray == ["prisma/dev.db", "tests/test.db"]
    cfg = resolve("shop", {}, {}, lambda t, c: derive.derived_defaults(p, t, c))
    db = derive.build(p, cfg).database
    assert db is not None
    assert (db["source_engine"], db["source_files"]) == ("sqlite", ["data/shop.db"])


def test_a_mysql_dump_stays_the_source_when_the_code_already_talks_postgresql(scan_files) -> None:
    from skylift.config import resolve
    from skylift.plan import derive

    dump = "-- MySQL dump 10.13\nCREATE TABLE `t` (`id` int) ENGINE=InnoDB;\nINSERT INTO `t` VALUES (1);\n"
    p = scan_files(
        {
            "package.json": package_json({"pg": "8", "sequelize": "6", "sequelize-cli": "6"}),
            "data/dump.sql": dump,
        }
    )
    cfg = resolve("shop", {}, {}, lambda t, c: derive.derived_defaults(p, t, c))
    db = derive.build(p, cfg).database
    assert db is not None
    assert (db["source_engine"], db["source_files"]) == ("mysql", ["data/dump.sql"])


def test_a_file_of_the_apps_own_queries_is_not_a_dump_of_its_data(scan_files) -> None:
    queries = (
        "-- name: add-favorite!\nINSERT INTO favorites (user_id, article_id)\n"
        "VALUES (:user_id, :article_id) ON CONFLICT DO NOTHING;\n"
    )
    positional = "INSERT INTO tags (tag) VALUES ($1);\n"
    p = scan_files(
        {
            "package.json": package_json({"pg": "8"}),
            "app/queries/articles.sql": queries,
            "app/queries/tags.sql": positional,
        }
    )
    assert not [f for db in p.databases for f in db.files]
