"""Connections the new host refuses: RDS forces TLS (rds.force_ssl) and the cache takes TLS and
its AUTH token only. Where the app reads a URL, the plan hands it one that carries TLS; where the
code turns TLS off, or builds a cache client from a host and port, the change is a finding."""

from __future__ import annotations

import re

from skylift.scan import _tsconfig
from skylift.scan._facts import Draft
from skylift.scan._repo import SourceFile
from skylift.scan.code import call_text
from skylift.scan.model import Evidence

DB_TLS_OFF = re.compile(
    r"sslmode\s*[=:]\s*['\"]?disable\b|\bssl\s*[:=]\s*(?:false|False)\b|['\"]ssl['\"]\s*:\s*false\b|"
    r"\bsslmode\s*=\s*['\"]?disable|PGSSLMODE\s*=\s*['\"]?disable"
)
_DB_CONTEXT = re.compile(
    r"postgres|typeorm|sequelize|knex|\bpg\b|sqlalchemy|gorm|sqlx|psycopg|DATABASE|DB_", re.I
)
CACHE_CLIENTS = {
    "node": re.compile(
        r"new\s+(?:Redis|IORedis|Queue|Worker|Bull)\s*\(|\bcreateClient\s*\(|\bconnection\s*:\s*\{"
    ),
    "python": re.compile(r"\b(?:redis\.)?(?:Strict)?Redis\s*\(|ConnectionPool\s*\("),
    "go": re.compile(r"redis\.NewClient\s*\(|redis\.NewClusterClient\s*\(|redis\.Dial\s*\("),
}
_HOST_ARG = re.compile(r"\bhost\b|Addr\s*:|\bport\b|\"tcp\"|\(\s*\d{4}")
_TLS_ARG = re.compile(
    r"\btls\b|TLSConfig|DialUseTLS|\bssl\s*=\s*True|rediss:|\bsocket\s*:\s*\{[^}]*tls"
)
_URL_ARG = re.compile(r"(?:URL|URI|url|uri)\b|from_url|ParseURL|redis://|rediss://")
_AUTH_ARG = re.compile(r"password|Password|DialPassword|auth", re.I)


def scan(draft: Draft) -> None:
    if draft.profile.databases:
        _db(draft)
        if draft.language == "node":
            _node_pg_verify(draft)
            _literal_db_host(draft)
    if draft.profile.cache:
        _cache(draft)
        if draft.language == "node":
            _bull_url(draft)
        _environ_rediss(draft)


def _db(draft: Draft) -> None:
    evidence = [
        src.evidence(offset=m.start())
        for src, m in draft.repo.grep(DB_TLS_OFF, draft.code_exts)
        if (_DB_CONTEXT.search(src.text) or "sslmode" in m.group(0))
        and "redis" not in src.line_text(src.line_at(m.start())).lower()
    ]
    if evidence:
        draft.finding(
            "db-tls-off",
            "The code turns TLS off for the database; RDS refuses plain-text connections",
            "remove `sslmode=disable` / `ssl: false` (or read them from the environment): the "
            "task sets PGSSLMODE and hands URLs with sslmode=require; node-postgres needs "
            "`ssl: { rejectUnauthorized: false }` or the RDS CA bundle",
            evidence,
        )


# node-postgres verifies the server's certificate when `ssl` is true: RDS's CA is not in Node's
# trust store, so the connection fails unless the code gives the RDS bundle (`ca:`)
NODE_PG_VERIFY = re.compile(
    r"\bssl\s*:\s*(?:true\b|process\.env\.\w+\s*===?\s*['\"]true['\"]|\{[^}]*rejectUnauthorized\s*:\s*true)"
)
_NODE_PG_CONTEXT = re.compile(r"\bpg\b|Pool|Client|typeorm|sequelize|knex|postgres", re.I)


def _node_pg_verify(draft: Draft) -> None:
    evidence = [
        src.evidence(offset=m.start())
        for src, m in draft.repo.grep(NODE_PG_VERIFY, draft.code_exts)
        if _NODE_PG_CONTEXT.search(src.text)
        and not re.search(r"\bca\s*:", src.text[m.start() : m.start() + 300])
        and "redis" not in src.line_text(src.line_at(m.start())).lower()
    ]
    if not evidence:
        evidence = _boolean_switch(draft)
    if evidence:
        draft.finding(
            "db-tls-verify-node",
            "node-postgres checks the database's certificate against Node's trust store, which "
            "has no RDS CA: the connection to RDS fails",
            "use `ssl: { rejectUnauthorized: false }` (TLS without the CA check; the task's "
            "DATABASE_URL carries sslmode=no-verify, PGSSLMODE=no-verify), or give the RDS "
            "bundle: `ssl: { ca: fs.readFileSync('global-bundle.pem') }`",
            evidence,
        )


def _boolean_switch(draft: Draft) -> list[Evidence]:
    """DB_SSL=true read into node-postgres' `ssl` (`ssl: booleanEnv('DB_SSL')`): the task sets
    it true for RDS, and `ssl: true` verifies against Node's trust store. Nothing in the code
    turns the check off or gives a CA, so the connection fails."""
    from skylift.scan._roles import db_role

    if not any(db.driver == "pg" for db in draft.profile.databases):
        return []
    code = [src for src in draft.repo.code(draft.code_exts) if _NODE_PG_CONTEXT.search(src.text)]
    if any(re.search(r"rejectUnauthorized|\bca\s*:", src.text) for src in code):
        return []
    switches = [
        v
        for v in draft.env_vars()
        if db_role(v.name) == "sslmode"
        and (
            v.name.upper().endswith(("_SSL", "_TLS"))
            or (v.example or "").lower() in ("true", "false", "0", "1")
        )
    ]
    out: list[Evidence] = []
    for v in switches:  # where the code reads it (a helper: `booleanEnv('DB_SSL')`), else its file
        named = re.compile(rf"['\"`]{re.escape(v.name)}['\"`]")
        out += [src.evidence(offset=m.start()) for src in code for m in named.finditer(src.text)][
            :2
        ] or v.evidence[:1]
    return out


def _options_elsewhere(draft: Draft, src: SourceFile, call: str) -> str:
    """`new Redis(redisOptions)` whose options live in another file, imported relatively or
    through tsconfig's paths/baseUrl (`@/config/redis`): that object's text."""
    m = re.fullmatch(r"\(\s*(\w+)\s*\)", call.strip())
    if m is None or draft.language != "node":
        return call
    cfg = _tsconfig.load(draft.repo)
    return _tsconfig.imported_value(draft.repo, cfg, src.path, src.text, m.group(1)) or call


def _cache(draft: Draft) -> None:
    pattern = CACHE_CLIENTS.get(draft.language)
    if pattern is None:
        return
    no_tls: list[Evidence] = []
    no_auth: list[Evidence] = []
    for src, m in draft.repo.grep(pattern, draft.code_exts):
        call = call_text(
            src.text, src.text.find("(", m.start()) if "(" in m.group(0) else m.end() - 1
        )
        if "redis" not in src.text.lower() and "bull" not in src.text.lower():
            continue  # a Queue or createClient of some other library
        call = _options_elsewhere(draft, src, call)
        if _URL_ARG.search(call) or not _HOST_ARG.search(call):
            continue  # built from a URL: rediss:// carries TLS and the token
        ev = src.evidence(offset=m.start())
        if not _TLS_ARG.search(call):
            no_tls.append(ev)
        if not _AUTH_ARG.search(call):
            no_auth.append(ev)
    fixes = {
        "node": "add `tls: {}` and `password: process.env.REDIS_PASSWORD` to the options (ioredis, "
        "bull/bullmq `redis:`/`connection:`; node-redis: `socket: { tls: true }`), or pass REDIS_URL",
        "python": "pass `ssl=True` and `password=os.environ['REDIS_PASSWORD']`, or use "
        "`redis.from_url(os.environ['REDIS_URL'])`",
        "go": "set `TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}` and `Password:` in "
        "redis.Options (redigo: `redis.DialUseTLS(true)`, `redis.DialPassword(...)`), or ParseURL(REDIS_URL)",
    }
    if no_tls or no_auth:
        draft.finding(
            "cache-tls",
            "The cache client connects without TLS or without the AUTH token the new cache requires",
            fixes[draft.language],
            [*no_tls, *no_auth],
        )


# bull (3.x and 4.x alike) reads a URL's host, port, password and db and drops its scheme:
# `rediss://` turns no TLS on, so the queue talks plain text to a cache that takes TLS only
_BULL_IMPORT = re.compile(r"""require\(\s*['"]bull['"]\s*\)|from\s+['"]bull['"]""")
_BULL_QUEUE = re.compile(r"\b(?:new\s+)?(?:Queue|Bull)\s*\(")


def _bull_url(draft: Draft) -> None:
    evidence = []
    for src, m in draft.repo.grep(_BULL_QUEUE, draft.code_exts):
        if not _BULL_IMPORT.search(src.text):
            continue
        call = call_text(src.text, src.text.find("(", m.start()))
        second = re.match(r"\(\s*[^,{]+,\s*([^,{)]+)", call)  # a URL, not an options object
        if second and _URL_ARG.search(second.group(1)) and not _TLS_ARG.search(call):
            evidence.append(src.evidence(offset=m.start()))
    if evidence:
        draft.finding(
            "bull-url-no-tls",
            "bull takes only the host, port and password from a Redis URL: rediss:// turns no "
            "TLS on, and the cache takes TLS only, so the queue never connects",
            "give TLS in the options: `new Queue(name, process.env.REDIS_URL, { redis: { tls: {} } })` "
            "(bull 3.20 and later merge them with the URL's; older bull replaces the URL's, so "
            "upgrade bull or pass `redis: { host, port, password, tls: {} }`)",
            evidence,
        )


# an ORM's connection options with the host written in (`host: 'db'`, the compose service):
# no variable of the task's reaches it, so the app connects to a name that does not exist on AWS
_ORM_OPTIONS = re.compile(
    r"""\b(?:type|dialect|client)\s*:\s*['"](?:postgres|postgresql|pg|mysql2?|mariadb)['"]"""
)
_LITERAL_HOST = re.compile(r"""\b(host|database|db)\s*:\s*['"`]([\w.-]+)['"`]""", re.I)
# a driver's connection settings kept as an object of their own (`module.exports = { HOST:
# "localhost", USER: "root", PASSWORD: ..., DB: "testdb" }`, handed to mysql.createPool)
_CONNECTION_OBJECT = re.compile(
    r"""\bhost\s*:\s*['"`][\w.-]+['"`]\s*,\s*(?:\w+\s*:[^,\n]*,\s*){0,3}user(?:name)?\s*:""",
    re.I,
)


def _literal_db_host(draft: Draft) -> None:
    evidence: list[Evidence] = []
    hosts = []
    if not any(db.engine in ("postgresql", "mysql") for db in draft.profile.databases):
        return
    anchors = [*draft.repo.grep(_ORM_OPTIONS, draft.code_exts)]
    anchors += draft.repo.grep(_CONNECTION_OBJECT, draft.code_exts)
    for src, m in anchors:
        window = src.text[max(0, m.start() - 300) : m.start() + 400]
        for h in _LITERAL_HOST.finditer(window):
            ev = src.evidence(offset=max(0, m.start() - 300) + h.start())
            if ev not in evidence:
                evidence.append(ev)
                hosts.append(f"{h.group(1)} '{h.group(2)}'")
    if evidence:
        draft.finding(
            "db-host-literal",
            f"The database's address is written in the code ({', '.join(sorted(set(hosts)))}):"
            " none of the task's variables reaches it; RDS has another host name, and its "
            "database is named by db_name (infra/variables.tf)",
            "read them from the environment (`host: process.env.DB_HOST`, `database: "
            "process.env.DB_NAME`, or `url: process.env.DATABASE_URL`), then rerun `skylift "
            "plan`: the task wires each name to RDS",
            evidence,
        )


_ENVIRON_CACHE = re.compile(r"\benv\.cache(?:_url)?\s*\(")
_OLD_ENVIRON = re.compile(r"django-environ\s*==\s*0\.[0-4]\.", re.I)


def _environ_rediss(draft: Draft) -> None:
    """django-environ before 0.5 knows `redis://` only: `env.cache("REDIS_URL")` given the
    cache's `rediss://` (TLS, which ElastiCache requires here) stops the settings import with
    KeyError: 'rediss', in the web task, the worker and the release alike."""
    pin = draft.deps.get("django-environ")
    if pin is None or not _OLD_ENVIRON.search(pin.excerpt or ""):
        return
    calls = [src.evidence(offset=m.start()) for src, m in draft.repo.grep(_ENVIRON_CACHE, (".py",))]
    if calls:
        draft.finding(
            "cache-url-rediss-old-environ",
            "django-environ below 0.5 cannot read the cache's rediss:// URL (KeyError: 'rediss')",
            "raise the pin to django-environ>=0.5 (0.5 added the rediss scheme; its API is the "
            "same for env.cache, env.db and env.list)",
            [pin, *calls],
            severity="blocker",
        )
