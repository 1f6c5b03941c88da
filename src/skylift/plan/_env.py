"""The environment the task gets: for each variable the app reads, where its production value
comes from, in the form the app expects.

- the database and cache parts the app reads (POSTGRES_HOST, TYPEORM_*, MYSQL_*, REDIS_ADDR as
  host:port, SQLALCHEMY_DATABASE_URI ...) are wired to RDS and the cache, with TLS where a URL
  carries it; URLs with a password are composed at container start (scripts/skylift-env.sh);
- the app's own URL becomes its domain (or the load balancer's name); a listen address becomes
  0.0.0.0; development values (NODE_ENV=development, DEBUG=true, a 6 GB heap) become production
  ones or are dropped; build-time settings stay out of the runtime;
- a value that points at a laptop or a compose service skylift does not replace is a question
  for skylift.toml [env]; a config value nobody knows is left unset, never set to "".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from skylift.config import Config
from skylift.scan import _roles
from skylift.scan.model import AppProfile, EnvVar

LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1", "host.docker.internal", "[::1]"}
TEST_MAIL = re.compile(
    r"^(?:localhost|127\.0\.0\.1|mailhog|mailpit|mailcatcher|maildev|smtp4dev|"
    r"(?:sandbox\.)?smtp\.mailtrap\.io|smtp\.ethereal\.email|mail)$"
)
# variables a platform sets by itself, which apps test to pick their production settings
PLATFORM_MARKERS = {
    "DYNO": "Heroku",
    "HEROKU_APP_NAME": "Heroku",
    "HEROKU_APP_ID": "Heroku",
    "RENDER": "Render",
    "FLY_APP_NAME": "Fly",
    "RAILWAY_ENVIRONMENT": "Railway",
    "VERCEL": "Vercel",
    "VERCEL_ENV": "Vercel",
}
# an example file's stand-in for a value the owner fills in: `"****"`, `xxx`, `<your-bucket>`,
# `changeme`, `your_api_key_here`; set as is, the app would run against a bucket named ****
_PLACEHOLDER = re.compile(
    r"^(?:\*+|x{3,}|\.{3,}|<[^>]*>|\{\{[^}]*\}\}|change[-_ ]?me|(?:your|my)[-_][\w-]*|todo|fixme|tbd)$",
    re.I,
)
DEV_WORDS = {"development", "dev", "local", "test", "testing", "debug", "develop"}
PRODUCTION_MODES = {
    "NODE_ENV": "production",
    "FLASK_ENV": "production",
    "RAILS_ENV": "production",
    "RACK_ENV": "production",
    "GIN_MODE": "release",
    "APP_ENV": "production",
}
_FALSE = {"true": "false", "True": "False", "TRUE": "FALSE", "1": "0", "yes": "no", "on": "off"}
_HEAP = re.compile(r"--max[-_]old[-_]space[-_]size=(\d+)")
# what a composed URL needs for TLS, by the client that reads it
_NODE_PG = {
    "pg",
    "postgres",
    "pg-promise",
    "typeorm",
    "sequelize",
    "knex",
    "drizzle",
    "mikro-orm",
    "kysely",
}
_DIALECT_VALUES = {
    "TYPEORM_CONNECTION": "postgres",
    "DB_CONNECTION": "pgsql",
    "DB_DIALECT": "postgres",
    "DB_CLIENT": "pg",
}


@dataclass
class EnvPlan:
    config: dict[str, str] = field(default_factory=dict)  # literal values
    secrets: list[str] = field(default_factory=list)  # the app's own secrets, stored in SSM
    wired: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> its source
    questions: list[dict[str, str]] = field(default_factory=list)  # {"name", "why"}
    unset: list[dict[str, str]] = field(default_factory=list)  # {"name", "why"}


def plan_env(profile: AppProfile, cfg: Config, port: int) -> EnvPlan:
    out = EnvPlan()
    ctx = _Context(profile, cfg, port)
    for var in profile.env:
        if var.name == "PORT":
            continue  # the task definition sets it from the container port
        if var.name in cfg.env:
            out.config[var.name] = cfg.env[var.name]  # the owner's decision wins
            continue
        _one(ctx, var, out)
    _defaults(ctx, out)
    out.config = dict(sorted(out.config.items()))
    out.secrets = sorted(set(out.secrets))
    out.wired = dict(sorted(out.wired.items()))
    return out


@dataclass
class _Context:
    profile: AppProfile
    cfg: Config
    port: int

    @property
    def node(self) -> bool:
        rt = self.profile.runtime.value if self.profile.runtime else {}
        return isinstance(rt, dict) and rt.get("language") == "node"

    @property
    def celery_reads_redis_url(self) -> bool:
        """A Celery app with no broker variable of its own hands it the cache's URL
        (`CELERY_BROKER_URL = REDIS_URL` in settings): kombu refuses that rediss:// URL without
        ssl_cert_reqs, which redis-py and django-redis read as well."""
        celery = any(
            "celery" in (e.excerpt or "").lower() for f in self.profile.services for e in f.evidence
        )
        own = any(
            re.search(r"CELERY|BROKER|RESULT_BACKEND", v.name.upper()) for v in self.profile.env
        )
        return celery and not own

    @property
    def dev_services(self) -> dict[str, str]:
        """compose service name -> kind (database, cache, mail, ...)."""
        return {str(f.value["name"]): str(f.value["kind"]) for f in self.profile.dev_services}


def _one(ctx: _Context, var: EnvVar, out: EnvPlan) -> None:
    name, upper = var.name, var.name.upper()
    db_role, cache_role = _roles.db_role(name), _roles.cache_role(name)
    if db_role is None and cache_role is None:
        db_role, cache_role = _role_by_value(ctx, var)
    if _roles.HOST_SIDE_PORT.match(upper):
        out.unset.append(
            {
                "name": name,
                "why": "the laptop's side of a compose port mapping: nothing in AWS uses it",
            }
        )
    elif _roles.DEV_DATABASES.search(upper) and _roles.db_role(_dev_stripped(upper)):
        # TEST_DATABASE_URL, DEV_DATABASE_URL: a laptop's or CI's database, never RDS, and
        # no secret to ask the owner for
        out.unset.append(
            {"name": name, "why": "a development or test database: not used in production"}
        )
    elif ctx.profile.databases and db_role:
        if db_role == "dialect" and ("://" in (var.example or "") or (var.url or {}).get("scheme")):
            db_role = "url"  # DB_CONNECTION=postgres://...: knex's connection, not a dialect
        _db(ctx, var, db_role, out)
    elif ctx.profile.cache and cache_role:
        _cache(var, cache_role, out, ctx.celery_reads_redis_url)
    elif db_role or cache_role:
        _no_such_resource(var, "database" if db_role else "cache", db_role == "file", out)
    elif _sqlite_path(ctx, var):
        out.unset.append({"name": name, "why": "a SQLite path: on AWS the app reads PostgreSQL"})
    elif _roles.BUILD_TIME.search(upper):
        why = "read when the image is built (bundlers inline it), not by the running server"
        if _roles.APP_URL.match(upper) and _is_local(var):
            why += "; its production value is the app's own URL: pass it to the build"
        out.unset.append({"name": name, "why": why})
    elif _roles.APP_URL.match(upper) and (_is_local(var) or _app_own(upper, var)):
        out.wired[name] = {"source": "app", "part": "url"}
    elif _roles.APP_HOSTS.match(upper) and (not var.example or _local_hosts(var.example)):
        # unset, Django's settings often crash (`.split()` of None); localhost refuses the ALB
        out.wired[name] = {"source": "app", "part": "host"}
    elif upper in PLATFORM_MARKERS:
        where = ", ".join(str(e) for e in var.evidence[:1])
        out.questions.append(
            {
                "name": name,
                "why": f"the app tests for {PLATFORM_MARKERS[upper]} through it ({where}): "
                f"unset on ECS, so it takes its non-{PLATFORM_MARKERS[upper]} path; set it (e.g. "
                f'{name} = "web.1") or change that test',
            }
        )
    elif _roles.PORT_NAMES.match(upper):
        out.config[name] = str(ctx.port)
    elif var.kind == "secret":
        out.secrets.append(name)
    else:
        _config(ctx, var, out)


def _no_such_resource(var: EnvVar, what: str, sqlite: bool, out: EnvPlan) -> None:
    """A database or cache part of an app that gets no such resource: never a value (a
    REDIS_PORT of 6379 or an empty REDIS_PASSWORD secret for a cache that is not there)."""
    if not sqlite and (var.read_in_code or _is_local(var)):
        out.questions.append(
            {
                "name": var.name,
                "why": f"names a {what} part, but the scan found no {what} client to "
                "replace: give its production value, or confirm the app does not use it",
            }
        )
        return
    why = (
        "a SQLite path: on AWS the app reads PostgreSQL"
        if sqlite
        else f"names a {what} part and the app gets no {what}: left unset"
    )
    out.unset.append({"name": var.name, "why": why})


_SQLITE_FILE = re.compile(r"\.(?:db|sqlite3?|db3)$", re.I)


def _sqlite_path(ctx: _Context, var: EnvVar) -> bool:
    """TRACKER_DB=data/tracker.db: the SQLite file under a name of the app's own."""
    value = (var.example or "").strip().strip("'\"")
    value = value.removeprefix("file:").split("?")[0]
    if not value or "://" in value or not _SQLITE_FILE.search(value):
        return False
    return any(d.engine == "sqlite" for d in ctx.profile.databases)


def _db(ctx: _Context, var: EnvVar, role: str, out: EnvPlan) -> None:
    name = var.name
    if role == "file":
        out.unset.append({"name": name, "why": "a SQLite path: on AWS the app reads PostgreSQL"})
    elif role == "url":
        out.wired[name] = {"source": "db", "part": "url", **_db_url_form(ctx, var)}
    elif role == "dialect":
        django = ctx.profile.framework is not None and ctx.profile.framework.value == "django"
        out.config[name] = _dialect(name, var.example, django)
    elif role == "sslmode":
        boolean = (var.example or "").lower() in ("true", "false", "0", "1", "yes", "no")
        out.config[name] = (
            "true" if boolean or name.upper().endswith(("_SSL", "_TLS")) else "require"
        )
    else:
        out.wired[name] = {"source": "db", "part": role}


def _db_url_form(ctx: _Context, var: EnvVar) -> dict[str, str]:
    """scheme and query of the URL the app expects, with TLS on: libpq's sslmode=require,
    asyncpg's ssl=require, node-postgres' no-verify (RDS's CA is not in Node's trust store)."""
    shape = var.url or {}
    scheme = shape.get("scheme") or "postgresql"
    if not scheme.startswith("postgres"):
        scheme = "postgresql"  # mysql://, sqlite: the app's driver changes (see its finding)
    if "+" not in scheme and _sqlalchemy_psycopg2(ctx.profile):
        # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3: name the driver installed
        scheme = "postgresql+psycopg2"
    keep = [(k, v) for k, v in parse_qsl(shape.get("query", "")) if not k.lower().startswith("ssl")]
    if "+asyncpg" in scheme:
        tls = ("ssl", "require")
    elif ctx.node and not _prisma(ctx.profile):
        tls = ("sslmode", "no-verify")
    else:
        tls = ("sslmode", "require")
    return {"scheme": scheme, "query": urlencode([*keep, tls])}


def _sqlalchemy_psycopg2(profile: AppProfile) -> bool:
    """The app reaches PostgreSQL through SQLAlchemy with psycopg2 (and not psycopg 3): only
    SQLAlchemy reads the URL (no Django settings, whose URL libpq reads as it is)."""
    pg = [d for d in profile.databases if d.engine == "postgresql"]
    return bool(pg) and all(
        d.orm in ("sqlalchemy", "sqlmodel") and d.driver == "psycopg2" for d in pg
    )


def _prisma(profile: AppProfile) -> bool:
    return any(db.orm == "prisma" for db in profile.databases)


def _dialect(name: str, example: str | None, django: bool = False) -> str:
    """The value that selects PostgreSQL, in the form the reader takes: in a Django app the
    backend's module path (SQL_ENGINE reaches DATABASES' ENGINE; "postgres" is refused)."""
    upper = name.upper()
    value = (example or "").lower()
    if django or "django" in value:
        return "django.db.backends.postgresql"
    if upper in _DIALECT_VALUES:
        return _DIALECT_VALUES[upper]
    if value in ("mysql2", "sqlite3", "better-sqlite3", "pg"):
        return "pg"  # knex's client names
    return "postgresql" if value.startswith("postgresql") else "postgres"


def _cache(var: EnvVar, role: str, out: EnvPlan, celery_app: bool = False) -> None:
    name = var.name
    shape = var.url or {}
    if role == "url" and shape.get("scheme", "redis").startswith(("amqp", "sqs", "kafka")):
        out.questions.append(
            {
                "name": name,
                "why": f"a {shape['scheme']} broker: skylift moves Redis only; give "
                "the production broker's URL",
            }
        )
        return
    if role == "user":
        out.unset.append({"name": name, "why": "the cache's AUTH token needs no user name"})
    elif role == "tls":
        out.config[name] = "true"
    elif role == "url":
        celery = celery_app or re.search(r"CELERY|BROKER|RESULT_BACKEND", name.upper())
        query = "ssl_cert_reqs=required" if celery else ""  # kombu refuses rediss:// without it
        path = shape.get("path", "") if re.fullmatch(r"/\d+", shape.get("path", "")) else ""
        out.wired[name] = {
            "source": "cache",
            "part": "url",
            "scheme": "rediss",
            "path": path,
            "query": query,
        }
    else:
        out.wired[name] = {"source": "cache", "part": role}


def _config(ctx: _Context, var: EnvVar, out: EnvPlan) -> None:
    name, upper, example = var.name, var.name.upper(), var.example
    if upper in PRODUCTION_MODES:
        out.config[name] = _proven_mode(var) or PRODUCTION_MODES[upper]
    elif _roles.RUN_MODES.match(upper):
        if example and example.lower() not in DEV_WORDS:
            out.config[name] = example
        elif example:
            out.config[name] = "production"
        else:
            out.questions.append({"name": name, "why": "the app's run mode: its production value"})
    elif _roles.DEBUG_FLAGS.match(upper) and example and _read_with_bool(ctx, name):
        out.unset.append(
            {
                "name": name,
                "why": "read with bool(): any value turns it on (finding env-bool-of-string)",
            }
        )
    elif _roles.DEBUG_FLAGS.match(upper) and example:
        out.config[name] = _FALSE.get(
            example, example if example.lower() in ("false", "0", "no", "off") else "false"
        )
    elif upper == "NODE_OPTIONS" and example:
        _node_options(ctx, name, example, out)
    elif _roles.BIND_HOST.match(upper) and example in LOCAL_HOSTS:
        out.config[name] = "0.0.0.0"  # in a container, localhost is unreachable from the ALB
    elif _roles.MAIL_HOSTS.match(upper) and example and TEST_MAIL.match(example):
        out.questions.append(
            {
                "name": name,
                "why": f"{example} is a test mail server: give the production SMTP host (SES: email-smtp.{ctx.cfg.region}.amazonaws.com)",
            }
        )
    elif _roles.MAIL_PORTS.match(upper) and example in ("1025", "2525"):
        out.questions.append(
            {"name": name, "why": f"{example} is a test mail server's port (SES: 587)"}
        )
    elif (where := _local_target(ctx, var)) is not None:
        out.questions.append(
            {"name": name, "why": f"points at {where}: give its production address"}
        )
    elif example and _PLACEHOLDER.match(example.strip().strip("'\"")):
        out.questions.append(
            {
                "name": name,
                "why": f"the example file holds a placeholder ({example}): give its value",
            }
        )
    elif example:
        out.config[name] = example
    elif var.required:
        where = ", ".join(str(e) for e in var.required[:2])
        out.questions.append(
            {
                "name": name,
                "why": f"read with no default ({where}): unset, the app stops there with a "
                "KeyError; give its production value",
            }
        )
    else:
        out.unset.append({"name": name, "why": "no value known: the app's own default applies"})


def _node_options(ctx: _Context, name: str, value: str, out: EnvPlan) -> None:
    """A heap sized for a build machine does not fit the task: drop the flag, keep the rest."""
    m = _HEAP.search(value)
    if m and int(m.group(1)) > ctx.cfg.sizes.memory * 3 // 4:
        rest = " ".join(_HEAP.sub("", value).split())
        if rest:
            out.config[name] = rest
        else:
            out.unset.append(
                {
                    "name": name,
                    "why": f"a {m.group(1)} MB heap for the build; the task has {ctx.cfg.sizes.memory} MiB",
                }
            )
        return
    out.config[name] = value


def _read_with_bool(ctx: _Context, name: str) -> bool:
    return any(
        f.code == "env-bool-of-string" and re.search(rf"\b{re.escape(name)}\b", f.title)
        for f in ctx.profile.findings
    )


def _dev_stripped(upper: str) -> str:
    """TEST_DATABASE_URL -> DATABASE_URL, DATABASE_URL_TEST -> DATABASE_URL."""
    bare = re.sub(r"^(?:SHADOW|TEST|DEV|DEVELOPMENT|LOCAL)_", "", upper)
    return re.sub(r"_(?:TEST|SHADOW|DEV)(?=_|$)", "", bare)


def _local_hosts(value: str) -> bool:
    """`localhost 127.0.0.1 [::1]`, `localhost,127.0.0.1`: a laptop's list."""
    hosts = [h for h in re.split(r"[\s,]+", value.strip().strip("'\"")) if h]
    return all(h in LOCAL_HOSTS or h == ".localhost" for h in hosts)


def _is_local(var: EnvVar) -> bool:
    host = (var.url or {}).get("host", "")
    return host in LOCAL_HOSTS or (var.example or "") in LOCAL_HOSTS


def _app_own(upper: str, var: EnvVar) -> bool:
    """APP_URL, NEXTAUTH_URL, BASE_URL with no example: the app's own address all the same."""
    strong = re.match(r"^(?:APP|BASE|SITE|PUBLIC|NEXTAUTH|AUTH|CANONICAL|SELF)_?UR[LI]$", upper)
    return bool(strong) and not var.example


def _role_by_value(ctx: _Context, var: EnvVar) -> tuple[str | None, str | None]:
    """A name skylift does not know (CELERY_BROKER, MAIN_DSN) whose example is a URL to the
    laptop's or compose's database or cache (`redis://redis:6379/0`): the app's URL for that
    resource, wired to the one that replaces it, as the usual names are."""
    shape = var.url or {}
    scheme, host = str(shape.get("scheme") or ""), str(shape.get("host") or "")
    kind = "local" if host in LOCAL_HOSTS else ctx.dev_services.get(host)
    if scheme in ("redis", "rediss") and kind in ("local", "cache"):
        return None, "url"
    if scheme.startswith(("postgres", "mysql", "mariadb")) and kind in ("local", "database"):
        return "url", None
    return None, None


def _local_target(ctx: _Context, var: EnvVar) -> str | None:
    """A development value pointing at the laptop or a compose service: localhost:9200, minio."""
    shape = var.url or {}
    host = shape.get("host") or (var.example or "")
    host = host.split(":")[0] if not shape else host
    if host in LOCAL_HOSTS:
        return f"{host}{':' + shape['port'] if shape.get('port') else ''} (the developer's machine)"
    kind = ctx.dev_services.get(host)
    return f"{host}, the dev setup's {kind} service" if kind else None


def _proven_mode(var: EnvVar) -> str | None:
    """A production value of the app's own that its configuration proves: node-config's
    config/prod.json (and no config/production.json) is loaded only with NODE_ENV=prod."""
    example = var.example or ""
    if not example or example.lower() in DEV_WORDS:
        return None
    proof = any(
        e.file.startswith("config/") and e.file.rsplit("/", 1)[-1].split(".")[0] == example
        for e in var.evidence
    )
    return example if proof else None


def _node_env(ctx: _Context, out: EnvPlan) -> None:
    """A Node app runs with NODE_ENV=production even when it never names it: Express caches
    views and hides stack traces, libraries pick their production paths. The image skylift
    writes sets it; a Dockerfile of the app's that sets none (or `development`) gets it from
    the task definition, which overrides the image's ENV."""
    image = ctx.profile.dockerfile.value if ctx.profile.dockerfile else None
    if not ctx.node or image is None or "NODE_ENV" in out.config:
        return
    if "NODE_ENV" in ctx.cfg.env:  # the owner's decision wins
        out.config["NODE_ENV"] = ctx.cfg.env["NODE_ENV"]
        return
    if image.get("env", {}).get("NODE_ENV", "").lower() not in ("production", "prod"):
        out.config["NODE_ENV"] = "production"


def _defaults(ctx: _Context, out: EnvPlan) -> None:
    """What the app gets when it names none of it: DATABASE_URL / REDIS_URL, PGSSLMODE, and
    FLASK_APP for a `flask ...` release or one-off command."""
    p = ctx.profile
    _node_env(ctx, out)
    flask_cli = any(j.command.startswith("flask ") for j in p.jobs) or (
        p.release_command and str(p.release_command.value).startswith("flask ")
    )
    if flask_cli and "FLASK_APP" not in out.config:
        start = str(p.start_command.value) if p.start_command else ""
        target = re.search(r"\bgunicorn\b.*?\s([\w.]+:\w+)", start)
        if target:
            out.config["FLASK_APP"] = target.group(1)  # the app object gunicorn serves
        else:
            out.questions.append(
                {"name": "FLASK_APP", "why": "`flask` commands need it: the module of the app"}
            )
    if p.databases and not any(s["source"] == "db" for s in out.wired.values()):
        out.wired["DATABASE_URL"] = {
            "source": "db",
            "part": "url",
            **_db_url_form(ctx, EnvVar("DATABASE_URL", "secret")),
        }
        out.questions.append(
            {
                "name": "DATABASE_URL",
                "why": "the app reads no database variable skylift "
                "recognises: it gets DATABASE_URL; point its connection at it",
            }
        )
    if p.databases and "PGSSLMODE" not in out.wired and "PGSSLMODE" not in out.config:
        # node-postgres, libpq, pgx, lib/pq and asyncpg read it when the code sets no TLS option
        out.config["PGSSLMODE"] = "no-verify" if ctx.node else "require"
    if p.cache and not any(s["source"] == "cache" for s in out.wired.values()):
        out.wired["REDIS_URL"] = {
            "source": "cache",
            "part": "url",
            "scheme": "rediss",
            "path": "",
            "query": "",
        }
        out.questions.append(
            {
                "name": "REDIS_URL",
                "why": "the app reads no cache variable skylift recognises: it "
                "gets REDIS_URL; point its Redis client at it",
            }
        )
