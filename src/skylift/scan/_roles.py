"""What an environment variable carries, read from its name: a part of the database connection,
of the cache connection, the app's own address, or a setting that matters only on a laptop.

The plan wires each role to the AWS resource that replaces the old one (`plan/_env.py`); the scan
uses the same table to tell which URLs a container must compose at start.
"""

from __future__ import annotations

import re

# POSTGRES_SERVER, PGHOST, MYSQL_HOST, TYPEORM_HOST, DATABASE_HOSTNAME, DB_ADDR ...
_DB = r"(?:DB|DATABASE|POSTGRES(?:QL)?|PG|MYSQL|MARIADB|TYPEORM|RDS|SQL)"
_CACHE = r"(?:REDIS|VALKEY|KEYDB|CACHE|\w+_REDIS)"
DB_ROLES: list[tuple[str, re.Pattern[str]]] = [
    (
        "url",
        re.compile(
            rf"^(?:{_DB}_?(?:URL|URI|DSN|CONNECTION_STRING|CONNECTION_URL|CONNECTION_URI|CONN_STR)|"
            r"SQLALCHEMY_DATABASE_UR[LI]|DIRECT_URL|DIRECT_DATABASE_URL|POSTGRES_PRISMA_URL|"
            r"POSTGRES_URL_NON_POOLING|HEROKU_POSTGRESQL_\w+_URL|[A-Z]+_DATABASE_URL)$"
        ),
    ),
    ("host", re.compile(rf"^{_DB}_?(?:HOST|HOSTNAME|SERVER|ADDR|ADDRESS)$")),
    ("port", re.compile(rf"^{_DB}_?PORT$")),
    (
        "name",
        re.compile(rf"^(?:{_DB}_?(?:NAME|DATABASE|DBNAME|DB)|PGDATABASE)$"),
    ),
    ("user", re.compile(rf"^{_DB}_?(?:USER|USERNAME|LOGIN)$")),
    ("password", re.compile(rf"^{_DB}_?(?:PASSWORD|PASS|PASSWD|PWD)$")),
    (
        "dialect",
        re.compile(rf"^{_DB}_?(?:CONNECTION|DIALECT|TYPE|CLIENT|DRIVER|ENGINE)$"),
    ),
    ("sslmode", re.compile(rf"^{_DB}_?(?:SSL|SSLMODE|SSL_MODE|TLS|USE_SSL)$")),
    ("file", re.compile(r"^(?:DB|DATABASE|SQLITE)_?(?:PATH|FILE|FILENAME|STORAGE|DIR)$")),
]
# dev-only databases: Prisma's shadow database, a test database
DEV_DATABASES = re.compile(r"^(?:SHADOW|TEST|DEV|DEVELOPMENT|LOCAL)_|_(?:TEST|SHADOW|DEV)(?:_|$)")
CACHE_ROLES: list[tuple[str, re.Pattern[str]]] = [
    (
        "url",
        re.compile(
            rf"^(?:{_CACHE}(?:_TLS)?_UR[LI]|REDISCLOUD_URL|REDISTOGO_URL|KV_URL|"
            r"CELERY_BROKER_URL|CELERY_RESULT_BACKEND|BROKER_URL|RESULT_BACKEND|RQ_REDIS_URL)$"
        ),
    ),
    ("host", re.compile(rf"^{_CACHE}_(?:HOST|HOSTNAME|SERVER)$")),
    ("port", re.compile(rf"^{_CACHE}_PORT$")),
    ("addr", re.compile(rf"^{_CACHE}_(?:ADDR|ADDRESS|ENDPOINT)$")),
    ("password", re.compile(rf"^{_CACHE}_(?:PASSWORD|PASS|AUTH|AUTH_TOKEN|TOKEN)$")),
    ("tls", re.compile(rf"^{_CACHE}_(?:TLS|SSL|USE_TLS|USE_SSL|TLS_ENABLED)$")),
    ("user", re.compile(rf"^{_CACHE}_(?:USER|USERNAME)$")),
]
# the app's own public address: set to its domain (or the load balancer's name) in production
APP_URL = re.compile(
    r"^(?:NEXT_PUBLIC_|VITE_|REACT_APP_|PUBLIC_)?(?:APP|BASE|SITE|PUBLIC|SERVER|WEB|HOST|HOSTNAME|"
    r"NEXTAUTH|AUTH|ORIGIN|CANONICAL|ROOT|SELF|APPLICATION|API|BACKEND|SERVICE)_?(?:URL|URI|ORIGIN)$"
)
# `ports: ["${DB_HOST_PORT}:5432"]`: the port a laptop publishes a compose service on
HOST_SIDE_PORT = re.compile(r"^\w+_(?:HOST|EXTERNAL|PUBLISHED|EXPOSED|LOCAL)_PORT$")
# the host names the app answers to (Django refuses any other Host header with a 400)
APP_HOSTS = re.compile(r"^(?:DJANGO_)?ALLOWED_HOSTS?$")
# a local value for these names points at another program (a frontend, a second service)
OTHER_URL = re.compile(r"^(?:\w+_)?(?:FRONTEND|CLIENT|UI|DASHBOARD|ADMIN|WEBAPP|CORS)\w*$")
# read by the build (bundlers inline them), never by the running server
BUILD_TIME = re.compile(
    r"^(?:NEXT_PUBLIC_|VITE_|REACT_APP_|EXPO_PUBLIC_|GATSBY_|NUXT_PUBLIC_|PUBLIC_)|"
    r"^(?:NEXT_TELEMETRY_DISABLED|GENERATE_SOURCEMAP|ANALYZE|CI|DOCKER_BUILDKIT|SKIP_ENV_VALIDATION|"
    r"TURBO_\w+|NPM_CONFIG_\w+|YARN_\w+|COMPOSE_\w+)$"
)
# where the process runs: development values become the production one
RUN_MODES = re.compile(
    r"^(?:NODE_ENV|APP_ENV|ENV|ENVIRONMENT|APP_ENVIRONMENT|FLASK_ENV|GO_ENV|GIN_MODE|RAILS_ENV|"
    r"RACK_ENV|PYTHON_ENV|STAGE|APP_STAGE|DJANGO_ENV|MODE|APP_MODE|RUN_MODE|DEPLOY_ENV)$"
)
DEBUG_FLAGS = re.compile(r"^(?:\w+_)?DEBUG$")
MAIL_HOSTS = re.compile(r"^(?:\w+_)?(?:SMTP|MAIL|EMAIL)_?(?:HOST|SERVER|HOSTNAME)$")
MAIL_PORTS = re.compile(r"^(?:\w+_)?(?:SMTP|MAIL|EMAIL)_?PORT$")
# the app's own listen address
BIND_HOST = re.compile(
    r"^(?:HOST|BIND|BIND_HOST|BIND_ADDR|LISTEN_HOST|APP_HOST|SERVER_HOST|HTTP_HOST)$"
)
PORT_NAMES = re.compile(
    r"^(?:PORT|APP_PORT|SERVER_PORT|HTTP_PORT|LISTEN_PORT|FLASK_RUN_PORT|WEB_PORT)$"
)


def db_role(name: str) -> str | None:
    """'url', 'host', 'port', 'name', 'user', 'password', 'dialect', 'sslmode' or 'file'."""
    upper = name.upper()
    if DEV_DATABASES.search(upper) or upper.startswith(("REDIS", "CACHE")):
        return None
    return next((role for role, pattern in DB_ROLES if pattern.match(upper)), None)


def cache_role(name: str) -> str | None:
    """'url', 'host', 'port', 'addr', 'password', 'tls' or 'user'."""
    upper = name.upper()
    return next((role for role, pattern in CACHE_ROLES if pattern.match(upper)), None)
