"""Hand-built AppProfiles of the five example apps (used where `skylift scan` is not needed).

They carry the facts of ../shared/seeds: the plan code is tested on them without depending on
the scanner; tests/plan/test_examples.py runs the real scanner on examples/.
"""

from __future__ import annotations

from skylift.scan.model import AppProfile, Database, EnvVar, Evidence, Fact, Finding, Job

E = Evidence


def _rt(lang: str, version: str, where: str) -> Fact:
    return Fact({"language": lang, "version": version}, [E(where, 1)])


def pantrypal(root: str = "examples/pantrypal") -> AppProfile:
    return AppProfile(
        root=root,
        name="pantrypal",
        runtime=_rt("node", "20", ".nvmrc"),
        framework=Fact("express", [E("package.json", 14)]),
        port=Fact(3002, [E("docker-compose.yml", 11)]),
        start_command=Fact("node src/index.js", [E("package.json", 7)]),
        current_host=Fact("vps-compose", [E("docker-compose.yml", 1)]),
        databases=[
            Database(
                "sqlite", [E("src/db.js", 1)], driver="better-sqlite3", files=["data/pantrypal.db"]
            )
        ],
        env=[
            EnvVar("JWT_SECRET", "secret", [E(".env.example", 1)]),
            EnvVar("NODE_ENV", "config", [], "production"),
        ],
        services=[Fact("local-uploads", [E("docker-compose.yml", 15)])],
        findings=[
            Finding(
                "sqlite-datetime-now",
                "datetime('now') is SQLite-only",
                "use now()",
                "blocker",
                [E("src/routes/items.js", 40)],
            ),
            Finding(
                "sync-db-client",
                "better-sqlite3 is synchronous",
                "use pg with a Pool",
                "change",
                [E("src/db.js", 1)],
            ),
        ],
    )


def pos_api(root: str = "examples/pos-api") -> AppProfile:
    return AppProfile(
        root=root,
        name="pos-api",
        runtime=_rt("go", "1.22", "go.mod"),
        framework=Fact("gin", [E("go.mod", 6)]),
        port=Fact(8080, [E("cmd/server/main.go", 30)]),
        current_host=Fact("vps-compose", [E("docker-compose.yml", 1)]),
        databases=[
            Database(
                "postgresql",
                [E("internal/db/db.go", 10)],
                driver="lib/pq",
                orm="gorm",
                migration_tool="golang-migrate",
            )
        ],
        cache=Fact({"engine": "redis", "client": "go-redis"}, [E("internal/cache/cache.go", 8)]),
        jobs=[
            Job(
                "daily-report",
                "server report",
                "0 2 * * *",
                "cron",
                [E("internal/jobs/jobs.go", 12)],
            )
        ],
        env=[
            EnvVar("DATABASE_URL", "secret"),
            EnvVar("REDIS_URL", "secret"),
            EnvVar("JWT_SECRET", "secret"),
            EnvVar("GIN_MODE", "config", [], "release"),
        ],
        health_path=Fact("/health", [E("cmd/server/main.go", 41)]),
    )


def gengar(root: str = "examples/gengar") -> AppProfile:
    return AppProfile(
        root=root,
        name="gengar",
        runtime=_rt("node", "20", "package.json"),
        framework=Fact("nestjs", [E("package.json", 28)]),
        port=Fact(3000, [E("src/main.ts", 12)]),
        start_command=Fact("node --expose-gc dist/src/main.js", [E("Procfile", 1)]),
        release_command=Fact("yarn migration:run", [E("Procfile", 2)]),
        current_host=Fact("heroku", [E("Procfile", 1)]),
        databases=[
            Database(
                "postgresql",
                [E("src/data-source.ts", 5)],
                driver="pg",
                orm="typeorm",
                extensions=["vector"],
                migration_tool="typeorm",
            )
        ],
        jobs=[
            Job(
                "reset-usage",
                "node dist/src/console.js reset-usage",
                "0 0 1 * *",
                "cron",
                [E("src/usage/usage.service.ts", 20)],
            ),
            Job(
                "generate-embeddings",
                "node dist/src/console.js generate-embeddings",
                kind="one-off",
                evidence=[E("package.json", 20)],
            ),
        ],
        env=[
            EnvVar("DATABASE_URL", "secret"),
            EnvVar("OPENAI_API_KEY", "secret"),
            EnvVar("STRIPE_SECRET_KEY", "secret"),
            EnvVar("AWS_S3_BUCKET", "config", [], ""),
        ],
        services=[Fact("s3", [E("package.json", 23)])],
        outbound_apis=[Fact("api.openai.com", [E("package.json", 33)])],
    )


def github_api(root: str = "examples/github-api") -> AppProfile:
    return AppProfile(
        root=root,
        name="github-api",
        runtime=_rt("node", "18", "package.json"),
        framework=Fact("express", [E("package.json", 15)]),
        port=Fact(4000, [E("src/index.js", 9)]),
        current_host=Fact("vps-compose", [E("docker-compose.yml", 1)]),
        databases=[
            Database(
                "mysql",
                [E("src/db.js", 3)],
                driver="mysql2",
                orm="sequelize",
                files=["data/dump.sql"],
            )
        ],
        cache=Fact({"engine": "redis", "client": "ioredis"}, [E("src/cache.js", 1)]),
        env=[
            EnvVar("DB_PASSWORD", "secret"),
            EnvVar("GITHUB_TOKEN", "secret"),
            EnvVar("SMTP_PASSWORD", "secret"),
            EnvVar("MAIL_FROM", "config", [], "x@y.z"),
        ],
        services=[Fact("ses", [E("src/mail.js", 2)])],
        outbound_apis=[Fact("api.github.com", [E("src/github.js", 5)])],
        findings=[
            Finding(
                "mysql-on-duplicate-key",
                "ON DUPLICATE KEY UPDATE is MySQL-only",
                "use INSERT ... ON CONFLICT",
                "blocker",
                [E("src/repos.js", 31)],
            )
        ],
    )


def tracker(root: str = "examples/tracker") -> AppProfile:
    return AppProfile(
        root=root,
        name="tracker",
        runtime=_rt("node", "20", "package.json"),
        framework=Fact("nextjs", [E("package.json", 12)]),
        port=Fact(3000, [E("package.json", 6)], "medium"),
        current_host=Fact("local", [E("package.json", 1)], "low"),
        databases=[
            Database("sqlite", [E("lib/db.ts", 2)], driver="better-sqlite3", files=["tracker.db"])
        ],
        env=[EnvVar("SESSION_SECRET", "secret")],
        findings=[
            Finding(
                "cookie-not-secure",
                "session cookie without `secure`",
                "set secure: true behind HTTPS",
                "change",
                [E("lib/session.ts", 14)],
            )
        ],
    )


ALL = {
    "pantrypal": pantrypal,
    "pos-api": pos_api,
    "gengar": gengar,
    "github-api": github_api,
    "tracker": tracker,
}
