"""AppProfile: what an app *is*, as read from its repository. Pure data.

Every fact carries its evidence (the file and line that proves it) and a confidence, so the plan
can cite its sources and a reader can check them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Confidence = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class Evidence:
    file: str  # path relative to the repository root, POSIX separators
    line: int | None = None  # 1-based; None when the whole file is the evidence
    excerpt: str | None = None  # the line itself, trimmed

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Fact:
    """One thing skylift knows about the app, with where it learnt it."""

    value: Any
    evidence: list[Evidence] = field(default_factory=list)
    confidence: Confidence = "high"


@dataclass
class EnvVar:
    name: str
    kind: Literal["secret", "config"]
    evidence: list[Evidence] = field(default_factory=list)
    example: str | None = None  # only for config values; never a secret's value
    confidence: Confidence = (
        "high"  # of the secret/config call: "medium" when no rule matched the name
    )
    # an example URL's shape without its credentials: {"scheme", "host", "port", "path", "query"}
    # (kept for secrets too: DATABASE_URL's scheme and query tell the form the app expects)
    url: dict[str, str] | None = None
    read_in_code: bool = False  # False: only declared (an env file, compose, app.json)
    # read with no default where the app starts (`os.environ['X']`): unset, it stops there
    required: list[Evidence] = field(default_factory=list)


@dataclass
class Finding:
    """Something that blocks or changes the migration, with the change to make."""

    code: str  # stable id, e.g. "sqlite-placeholder", "cookie-not-secure", "no-health-endpoint"
    title: str
    suggestion: str
    severity: Literal["blocker", "change", "info"] = "change"
    evidence: list[Evidence] = field(default_factory=list)
    confidence: Confidence = "high"


@dataclass
class Database:
    engine: str  # "sqlite", "postgresql", "mysql"
    evidence: list[Evidence] = field(default_factory=list)
    driver: str | None = None  # "better-sqlite3", "pg", "mysql2", "lib/pq", "psycopg", ...
    orm: str | None = None  # "prisma", "drizzle", "typeorm", "sequelize", "gorm", "sqlalchemy", ...
    files: list[str] = field(default_factory=list)  # SQLite files or SQL dumps in the repo
    extensions: list[str] = field(default_factory=list)  # "vector", "postgis", ...
    migration_tool: str | None = None
    confidence: Confidence = "high"
    location: str | None = None  # a SQLite file as the app opens it: "data/app.db"


@dataclass
class Job:
    """A cron job, a worker or a one-off command."""

    name: str
    command: str
    schedule: str | None = None  # cron expression for cron jobs
    kind: Literal["cron", "worker", "one-off", "release"] = "one-off"
    evidence: list[Evidence] = field(default_factory=list)
    confidence: Confidence = "high"
    env: dict[str, str] = field(default_factory=dict)  # what selects this role (APP_TYPE=worker)
    # a cron entry fired by a long-running scheduler process (celery beat), not run on its own
    scheduled_by: str | None = None


@dataclass
class AppProfile:
    root: str
    name: str
    runtime: Fact | None = None  # value: {"language": "node", "version": "20"}
    framework: Fact | None = None  # value: "express", "nestjs", "nextjs", "gin", ...
    port: Fact | None = None  # value: int
    build_command: Fact | None = None
    start_command: Fact | None = None
    release_command: Fact | None = None
    current_host: Fact | None = None  # value: "heroku", "vps-compose", "fly", "local"
    domain: Fact | None = None  # value: "api.example.com", from an nginx server_name
    databases: list[Database] = field(default_factory=list)
    cache: Fact | None = None  # value: {"engine": "redis", "client": "ioredis"}
    jobs: list[Job] = field(default_factory=list)
    env: list[EnvVar] = field(default_factory=list)
    services: list[Fact] = field(
        default_factory=list
    )  # value: "s3", "ses", "smtp", "websockets", ...
    health_path: Fact | None = None  # value: "/health"; None when the app has none
    routes: list[Fact] = field(default_factory=list)  # value: "/"; GET routes without parameters
    # what the dev setup runs beside the app (compose): value {"name", "image", "kind"}
    dev_services: list[Fact] = field(default_factory=list)
    outbound_apis: list[Fact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    apps: list[str] = field(default_factory=list)  # monorepo: the app folders found
    # the production image's Dockerfile: {"path", "context", "target", "why"} (scan/image.py)
    dockerfile: Fact | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
