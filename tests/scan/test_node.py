"""Node.js: one behaviour per line, each on a real package.json written to tmp_path."""

from __future__ import annotations

import json

import pytest


def framework(node_app, deps, dev=None):
    p = node_app(deps, dev=dev)
    return p.framework.value if p.framework else None


@pytest.mark.parametrize(
    ("deps", "dev", "expected"),
    [
        ({"express": "4"}, None, "express"),
        ({"@nestjs/core": "10", "@nestjs/platform-express": "10", "express": "4"}, None, "nestjs"),
        ({"next": "14", "react": "18", "express": "4"}, None, "nextjs"),
        ({"fastify": "4"}, None, "fastify"),
        ({}, {"express": "4"}, "express"),  # devDependencies count too
        ({"lodash": "4"}, None, None),
    ],
)
def test_framework_most_specific_first(node_app, deps, dev, expected) -> None:
    assert framework(node_app, deps, dev) == expected


def test_runtime_from_nvmrc_beats_engines(node_app) -> None:
    p = node_app({"express": "4"}, {".nvmrc": "v20.11.1\n"}, engines={"node": ">=18"})
    assert p.runtime.value == {"language": "node", "version": "20"}
    assert str(p.runtime.evidence[0]) == ".nvmrc:1"


def test_runtime_from_engines_floor_is_medium_confidence(node_app) -> None:
    p = node_app({"express": "4"}, engines={"node": ">=18"})
    assert (p.runtime.value["version"], p.runtime.confidence) == ("18", "medium")


def test_runtime_from_engines_exact(node_app) -> None:
    p = node_app({"express": "4"}, engines={"node": "20.x"})
    assert (p.runtime.value["version"], p.runtime.confidence) == ("20", "high")
    assert p.runtime.evidence[0].file == "package.json" and p.runtime.evidence[0].line


def test_port_from_env_fallback_with_line(node_app) -> None:
    p = node_app(
        {"express": "4"},
        {"server.js": "const app = require('express')();\napp.listen(process.env.PORT || 8081);\n"},
    )
    assert p.port.value == 8081
    assert str(p.port.evidence[0]) == "server.js:2"


def test_port_from_next_start(node_app) -> None:
    p = node_app({"next": "14"}, scripts={"start": "next start -p 4100"})
    assert p.port.value == 4100


@pytest.mark.parametrize(
    ("deps", "engine", "driver", "orm"),
    [
        ({"better-sqlite3": "9"}, "sqlite", "better-sqlite3", None),
        ({"sqlite3": "5"}, "sqlite", "sqlite3", None),
        ({"pg": "8"}, "postgresql", "pg", None),
        ({"mysql2": "3", "sequelize": "6"}, "mysql", "mysql2", "sequelize"),
        ({"pg": "8", "typeorm": "0.3"}, "postgresql", "pg", "typeorm"),
        ({"pg": "8", "drizzle-orm": "0.30"}, "postgresql", "pg", "drizzle"),
    ],
)
def test_database_driver_and_orm(node_app, deps, engine, driver, orm) -> None:
    db = node_app(deps).databases[0]
    assert (db.engine, db.driver, db.orm) == (engine, driver, orm)


def test_prisma_provider_gives_the_engine(node_app) -> None:
    schema = 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n'
    p = node_app({"@prisma/client": "5"}, {"prisma/schema.prisma": schema}, dev={"prisma": "5"})
    db = p.databases[0]
    assert (db.engine, db.orm, db.migration_tool) == ("postgresql", "prisma", "prisma migrate")
    assert "prisma/schema.prisma:2" in [str(e) for e in db.evidence]


def test_sequelize_dialect_in_code_gives_the_engine(node_app) -> None:
    p = node_app({"sequelize": "6"}, {"db.js": "new Sequelize(url, { dialect: 'mysql' });\n"})
    assert [d.engine for d in p.databases] == ["mysql"]


def test_pgvector_dependency_is_an_extension(node_app) -> None:
    assert node_app({"pg": "8", "pgvector": "0.1"}).databases[0].extensions == ["vector"]


def test_cache_client(node_app) -> None:
    assert node_app({"ioredis": "5"}).cache.value == {"engine": "redis", "client": "ioredis"}


@pytest.mark.parametrize(
    ("dep", "service"),
    [
        ("@aws-sdk/client-s3", "s3"),
        ("@aws-sdk/client-ses", "ses"),
        ("nodemailer", "smtp"),
        ("socket.io", "websockets"),
        ("bullmq", "queue"),
    ],
)
def test_services(node_app, dep, service) -> None:
    assert [s.value for s in node_app({dep: "1"}).services] == [service]


def test_build_start_and_yarn(node_app) -> None:
    p = node_app(
        {"express": "4"},
        {"yarn.lock": ""},
        scripts={
            "build": "tsc",
            "start": "node dist/index.js",
            "start:prod": "node --max-old-space-size=512 dist/index.js",
        },
    )
    assert p.build_command.value == "yarn build"
    assert p.start_command.value == "node --max-old-space-size=512 dist/index.js"


def test_one_off_scripts_and_workers(node_app) -> None:
    p = node_app(
        {"express": "4"},
        scripts={
            "start": "node a.js",
            "worker": "node worker.js",
            "seed": "node seed.js",
            "lint": "eslint .",
            "migration:generate": "typeorm-ts-node-commonjs migration:generate",
        },
    )
    assert sorted((j.kind, j.name) for j in p.jobs) == [("one-off", "seed"), ("worker", "worker")]


def test_sync_client_finding_counts_call_sites(node_app) -> None:
    code = (
        "const db = require('better-sqlite3')('x.db');\nconst a = db.prepare('SELECT 1').get();\n"
    )
    f = {f.code: f for f in node_app({"better-sqlite3": "9"}, {"db.js": code}).findings}[
        "sync-db-client"
    ]
    assert "db.js:2" in [str(e) for e in f.evidence]


def test_nest_health_controller_with_global_prefix(node_app) -> None:
    files = {
        "src/main.ts": "app.setGlobalPrefix('api');\n",
        "src/health.controller.ts": "@Controller('health')\nexport class HealthController {}\n",
    }
    assert node_app({"@nestjs/core": "10"}, files).health_path.value == "/api/health"


def test_next_route_file_is_a_health_endpoint(node_app) -> None:
    p = node_app({"next": "14"}, {"app/api/health/route.ts": "export function GET() {}\n"})
    assert p.health_path.value == "/api/health"


def test_express_router_health_path_includes_mount_prefix(node_app) -> None:
    files = {
        "src/app.js": "const ops = require('./routes/ops');\napp.use('/internal', ops);\n",
        "src/routes/ops.js": "router.get('/healthz', (req, res) => res.send('ok'));\n",
    }
    p = node_app({"express": "4"}, files)
    assert p.health_path.value == "/internal/healthz"
    assert str(p.health_path.evidence[0]) == "src/routes/ops.js:1"


def test_orm_configured_for_mysql_is_a_finding(node_app) -> None:
    p = node_app(
        {"sequelize": "6", "mysql2": "3"},
        {"src/db.js": "\nnew Sequelize(u, { dialect: 'mysql' });\n"},
    )
    found = {f.code: [str(e) for e in f.evidence] for f in p.findings}
    assert found["orm-dialect"] == ["src/db.js:2"]
    assert found["db-driver"] == [str(p.databases[0].evidence[0])]


def test_postgres_app_needs_no_driver_change(node_app) -> None:
    assert not {"orm-dialect", "db-driver"} & {
        f.code for f in node_app({"pg": "8", "typeorm": "0.3"}).findings
    }


YARN_LOCK = (
    "# yarn lockfile v1\n\n\n"
    '"@nestjs/core@^7.0.0":\n  version "7.6.18"\n\n'
    'express@^4.17.1, express@~4.17.0:\n  version "4.17.3"\n'
)


@pytest.mark.parametrize(
    ("files", "stale"),
    [
        ({"yarn.lock": YARN_LOCK}, ["argon2 ^0.26.2, typescript ^4.0.0"]),
        ({"yarn.lock": YARN_LOCK.replace("\n\n\n", '\n\nargon2@^0.26.2:\n  version "0.26.2"\n'
                                          'typescript@^4.0.0:\n  version "4.9.5"\n\n')}, []),
        ({"package-lock.json": '{"lockfileVersion": 3, "packages": {"": {"dependencies": '
          '{"@nestjs/core": "^7.0.0", "express": "^4.17.1", "argon2": "^0.26.2"}, '
          '"devDependencies": {"typescript": "^3.9.0"}}}}'}, ["typescript ^4.0.0"]),
        ({"package-lock.json": '{"lockfileVersion": 1, "dependencies": {}}'}, []),
    ],
)  # fmt: skip
def test_a_lockfile_out_of_date_with_package_json_is_a_code_change(scan_files, files, stale):
    pkg = (
        '{"name": "api", "dependencies": {"@nestjs/core": "^7.0.0", "express": "^4.17.1",\n'
        '  "argon2": "^0.26.2"},\n "devDependencies": {"typescript": "^4.0.0"}}\n'
    )
    p = scan_files({"package.json": pkg, **files})
    found = [f for f in p.findings if f.code == "stale-lockfile"]
    assert [f.suggestion.split(" does not hold ")[1].split(":")[0] for f in found] == stale


@pytest.mark.parametrize("queue", ["bull", "bullmq", "bee-queue"])
def test_a_redis_queue_alone_needs_a_cache(node_app, queue: str) -> None:
    """No Redis client in package.json, only the queue: REDIS_URL was asked as a secret and no
    cache was planned, while the queue keeps its jobs in Redis."""
    p = node_app({queue: "3", "express": "4"}, {"worker.js": "process.env.REDIS_URL\n"})
    assert p.cache is not None and p.cache.value == {"engine": "redis", "client": queue}


def test_the_redis_client_is_named_before_the_queue(node_app) -> None:
    p = node_app({"bullmq": "5", "ioredis": "5"})
    assert p.cache is not None and p.cache.value["client"] == "ioredis"


@pytest.mark.parametrize(
    ("knexfile", "found"),
    [
        ("module.exports = {\n  development: {\n    client: 'pg',\n  }\n}\n", True),
        ("module.exports = {\n  development: { client: 'pg' },\n  production: { client: 'pg' },\n}\n", False),
        ("const all = { development: { client: 'pg' } }\nmodule.exports = all[process.env.NODE_ENV]\n", False),
        ("module.exports = { client: 'pg', connection: process.env.DATABASE_URL }\n", False),
    ],
)  # fmt: skip
def test_a_knexfile_without_a_production_section(node_app, knexfile: str, found: bool) -> None:
    """NODE_ENV=production makes the knex CLI use the whole file as the config when it has no
    `production` key: "Required configuration option 'client' is missing"."""
    p = node_app({"knex": "3", "pg": "8", "express": "4"}, {"knexfile.ts": knexfile})
    hits = [f for f in p.findings if f.code == "knexfile-no-production"]
    assert bool(hits) == found
    if found:
        assert [str(e) for e in hits[0].evidence] == ["knexfile.ts:2"]


def test_a_knexfile_without_production_is_fine_where_node_env_stays_unset(node_app) -> None:
    """The app's own Dockerfile sets no NODE_ENV and no code reads it: knex takes
    `development`, which is there."""
    files = {
        "knexfile.ts": "module.exports = {\n  development: { client: 'pg' },\n}\n",
        "Dockerfile": 'FROM node:18\nCOPY . .\nCMD ["sh", "-c", "npx knex migrate:latest && npm start"]\n',
    }
    p = node_app({"knex": "3", "pg": "8", "express": "4"}, files)
    assert not [f for f in p.findings if f.code == "knexfile-no-production"]
    files["Dockerfile"] = "FROM node:18\nENV NODE_ENV=production\n" + files["Dockerfile"][13:]
    p = node_app({"knex": "3", "pg": "8", "express": "4"}, files)
    assert [f for f in p.findings if f.code == "knexfile-no-production"]


def test_a_leftover_driver_the_orm_config_does_not_name_is_no_database(node_app) -> None:
    """TypeORM configured for postgres, mysql2 still in package.json and loaded nowhere: the
    plan asked to replace mysql2 with pg (db-driver), which the app already uses."""
    orm = "TypeOrmModule.forRoot({\n  type: 'postgres',\n  host: process.env.DB_HOST,\n})\n"
    deps = {"@nestjs/core": "10", "typeorm": "0.3", "pg": "8", "mysql2": "3"}
    p = node_app(deps, {"src/db.ts": orm})
    assert [db.engine for db in p.databases] == ["postgresql"]
    assert not [f for f in p.findings if f.code == "db-driver"]
    p = node_app(deps, {"src/db.ts": orm, "src/legacy.ts": "import mysql from 'mysql2/promise'\n"})
    assert sorted(db.engine for db in p.databases) == ["mysql", "postgresql"]


def test_a_prisma_client_for_accelerate_is_a_blocker(node_app) -> None:
    schema = 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n'
    db_ts = (
        "import { PrismaClient } from '@prisma/client/edge'\n"
        "import { withAccelerate } from '@prisma/extension-accelerate'\n"
        "export const db = new PrismaClient().$extends(withAccelerate())\n"
    )
    p = node_app(
        {"@prisma/client": "6", "@prisma/extension-accelerate": "1"},
        {"prisma/schema.prisma": schema, "src/db.ts": db_ts},
        dev={"prisma": "6"},
    )
    found = next(f for f in p.findings if f.code == "prisma-accelerate-client")
    assert found.severity == "blocker"
    assert [str(e) for e in found.evidence] == ["src/db.ts:1", "src/db.ts:3"]
    plain = node_app(
        {"@prisma/client": "6"},
        {
            "prisma/schema.prisma": schema,
            "src/db.ts": "import { PrismaClient } from '@prisma/client'\n",
        },
    )
    assert "prisma-accelerate-client" not in [f.code for f in plain.findings]


@pytest.mark.parametrize(
    ("deps", "code", "trusted"),
    [
        ({"next": "15", "next-auth": "^5.0.0-beta.25"}, "", True),
        ({"next": "15", "next-auth": "^4.24.0"}, "", False),  # v4 reads NEXTAUTH_URL
        ({"next": "15", "next-auth": "5.0.0"}, "NextAuth({ trustHost: true })\n", False),
        ({"express": "4", "@auth/express": "0.8"}, "", True),
    ],
)
def test_auth_js_behind_the_load_balancer_trusts_the_host(node_app, deps, code, trusted) -> None:
    p = node_app(deps, {"auth.ts": code})
    got = {v.name: v.example for v in p.env}
    assert (got.get("AUTH_TRUST_HOST") == "true") is trusted


def test_a_package_lock_missing_what_its_own_entries_need_is_stale(node_app) -> None:
    """esbuild names @esbuild/linux-x64 as optional, and the lockfile (pruned to a laptop's
    platform) holds no entry for it: `npm ci` refuses it though package.json's ranges match."""
    lock = {
        "lockfileVersion": 3,
        "packages": {
            "": {"dependencies": {"esbuild": "0.23.1"}},
            "node_modules/esbuild": {
                "version": "0.23.1",
                "optionalDependencies": {
                    "@esbuild/darwin-arm64": "0.23.1",
                    "@esbuild/linux-x64": "0.23.1",
                },
            },
            "node_modules/@esbuild/darwin-arm64": {"version": "0.23.1", "optional": True},
        },
    }
    p = node_app({"esbuild": "0.23.1"}, {"package-lock.json": json.dumps(lock, indent=2)})
    found = next(f for f in p.findings if f.code == "stale-lockfile")
    assert "@esbuild/linux-x64" in found.suggestion and "darwin" not in found.suggestion
    assert str(found.evidence[0]) == "package-lock.json:9"  # the entry that names it
    lock["packages"]["node_modules/@esbuild/linux-x64"] = {"version": "0.23.1"}
    whole = node_app({"esbuild": "0.23.1"}, {"package-lock.json": json.dumps(lock, indent=2)})
    assert "stale-lockfile" not in [f.code for f in whole.findings]


@pytest.mark.parametrize(
    ("main", "files", "start"),
    [
        ("server.js", {"server.js": "app.listen(8080)\n"}, "node server.js"),
        ("src/app.js", {"src/app.js": "app.listen(8080)\n"}, "node src/app.js"),
        (None, {"server.js": "app.listen(8080)\n"}, "node server.js"),  # npm start's default
    ],
)
def test_without_a_start_script_the_entry_point_is_the_start(node_app, main, files, start) -> None:
    extra = {"main": main} if main else {}
    p = node_app({"express": "4"}, files, scripts={"test": "exit 1"}, **extra)
    assert p.start_command.value == start
