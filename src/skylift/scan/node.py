"""Node.js apps: package.json (dependencies, devDependencies, engines, scripts), .nvmrc, and the
framework-specific places a Node app states its port, routes and database."""

from __future__ import annotations

import json
import re
from typing import Any

from skylift.errors import RepoError
from skylift.scan import _tsconfig, routes
from skylift.scan._facts import Draft
from skylift.scan._repo import SourceFile
from skylift.scan.model import Evidence, Fact, Job

# Most specific first: a NestJS or Next.js app also depends on express underneath.
FRAMEWORKS = [
    ("@nestjs/core", "nestjs"),
    ("next", "nextjs"),
    ("fastify", "fastify"),
    ("@hapi/hapi", "hapi"),
    ("koa", "koa"),
    ("express", "express"),
]
DRIVERS = {
    "better-sqlite3": "sqlite",
    "sqlite3": "sqlite",
    "sqlite": "sqlite",
    "@libsql/client": "sqlite",
    "pg": "postgresql",
    "postgres": "postgresql",
    "pg-promise": "postgresql",
    "@neondatabase/serverless": "postgresql",
    "mysql2": "mysql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mongodb": "mongodb",
}
ORMS = {
    "@prisma/client": "prisma",
    "prisma": "prisma",
    "drizzle-orm": "drizzle",
    "typeorm": "typeorm",
    "sequelize": "sequelize",
    "knex": "knex",
    "@mikro-orm/core": "mikro-orm",
    "mongoose": "mongoose",
    "kysely": "kysely",
}
MIGRATION_TOOLS = [
    ("prisma", "prisma migrate"),
    ("drizzle-kit", "drizzle-kit"),
    ("sequelize-cli", "sequelize-cli"),
    ("node-pg-migrate", "node-pg-migrate"),
    ("db-migrate", "db-migrate"),
    ("umzug", "umzug"),
]
# the queues after the clients (a client named in package.json is the one reported): bull,
# bullmq and bee-queue keep their jobs in Redis, so an app with one needs a cache even when no
# client is a direct dependency
CACHES = {
    "ioredis": "redis",
    "redis": "redis",
    "@redis/client": "redis",
    "memcached": "memcached",
    "bull": "redis",
    "bullmq": "redis",
    "bee-queue": "redis",
    "@nestjs/bull": "redis",
    "@nestjs/bullmq": "redis",
}
SERVICES = {
    "@aws-sdk/client-s3": "s3",
    "multer-s3": "s3",
    "@aws-sdk/client-ses": "ses",
    "@aws-sdk/client-sesv2": "ses",
    "nodemailer": "smtp",
    "emailjs": "smtp",
    "resend": "email",
    "@sendgrid/mail": "email",
    "postmark": "email",
    "mailgun.js": "email",
    "graphql-ws": "websockets",
    "subscriptions-transport-ws": "websockets",
    "graphql-subscriptions": "websockets",
    "graphql-redis-subscriptions": "websockets",
    "ws": "websockets",
    "socket.io": "websockets",
    "@nestjs/websockets": "websockets",
    "@nestjs/platform-socket.io": "websockets",
    "bull": "queue",
    "bullmq": "queue",
    "bee-queue": "queue",
    "amqplib": "queue",
    "kafkajs": "queue",
    "@aws-sdk/client-sqs": "queue",
}
OUTBOUND = {
    "stripe": "stripe",
    "openai": "openai",
    "@anthropic-ai/sdk": "anthropic",
    "@octokit/rest": "github",
    "octokit": "github",
    "twilio": "twilio",
    "@sendgrid/mail": "sendgrid",
    "mailgun.js": "mailgun",
    "postmark": "postmark",
    "resend": "resend",
    "rollbar": "rollbar",
    "@sentry/node": "sentry",
    "firebase-admin": "firebase",
    "googleapis": "google",
    "@slack/web-api": "slack",
}
# script bodies that apply migrations (not the ones that write new migration files)
RELEASE_BODY = re.compile(
    r"\b(?:prisma migrate deploy|typeorm(?:-ts-node-\w+)?\b[^&|;]*\bmigration:run|"
    r"sequelize(?:-cli)?\b[^&|;]*\bdb:migrate(?!:undo)|knex\b[^&|;]*\bmigrate:latest|"
    r"node-pg-migrate\b[^&|;]*\bup|db-migrate\b[^&|;]*\bup|drizzle-kit (?:migrate|push)|"
    r"mikro-orm\b[^&|;]*\bmigration:up)\b"
)
DEV_BODY = re.compile(
    r"\bprisma migrate (?:dev|reset)|migration:(?:generate|create|revert)|migrate:make"
)
_BUILD_STEP = re.compile(
    r"^(?:tsc\b[^&]*|(?:npm run|yarn|pnpm)(?: run)? build\b[^&]*|nest build\b[^&]*|next build\b[^&]*|"
    r"prisma generate\b[^&]*|npx prisma generate\b[^&]*)$"
)
_SUBSCRIPTIONS = re.compile(
    r"\binstallSubscriptionHandlers\s*:\s*true|\bsubscriptions\s*:\s*\{|@Subscription\("
)
ONE_OFF = re.compile(
    r"^(migrat|seed|db:|heroku:|generate|console|cli|import|export|backfill|script|task)", re.I
)
DEV_ONLY = re.compile(
    r"(migration:(generate|create|revert)|:dev|:watch|:debug|test|lint|format)", re.I
)

_TYPEORM_TYPE = re.compile(r"\btype\s*:\s*['\"](postgres|mysql|mariadb|sqlite|better-sqlite3)['\"]")
_SEQUELIZE_DIALECT = re.compile(r"\bdialect\s*:\s*['\"](postgres|mysql|mariadb|sqlite)['\"]")
_KNEX_CLIENT = re.compile(r"\bclient\s*:\s*['\"](pg|postgres|mysql2?|sqlite3|better-sqlite3)['\"]")
_PRISMA_PROVIDER = re.compile(
    r"provider\s*=\s*\"(postgresql|mysql|sqlite|cockroachdb|sqlserver|mongodb)\""
)
_DRIZZLE_DIALECT = re.compile(r"dialect\s*:\s*['\"](postgresql|mysql|sqlite|turso)['\"]")
_ENGINE_NAMES = {
    "postgres": "postgresql",
    "pg": "postgresql",
    "mariadb": "mysql",
    "mysql2": "mysql",
    "sqlite3": "sqlite",
    "better-sqlite3": "sqlite",
    "turso": "sqlite",
}
_SYNC_CALLS = re.compile(r"\.prepare\(|\.exec\(\s*[`'\"]|\.pragma\(")
_PORT_FALLBACK = re.compile(r"process\.env\.PORT\s*(?:\|\||\?\?)\s*['\"]?(\d{2,5})\b")
_LISTEN_LITERAL = re.compile(r"\.listen\(\s*(\d{2,5})\b")
_NEXT_PORT = re.compile(r"next (?:start|dev)\b.*?(?:-p|--port)\s+(\d{2,5})")


def detect(draft: Draft) -> bool:
    return draft.repo.has("package.json")


def scan(draft: Draft) -> None:
    src = draft.repo.read("package.json")
    assert src is not None
    pkg = _load(src)
    p = draft.profile
    draft.language = "node"
    if isinstance(pkg.get("name"), str):
        p.name = pkg["name"]
    for section in ("dependencies", "devDependencies", "optionalDependencies"):
        deps = pkg.get(section)
        for dep in deps if isinstance(deps, dict) else {}:
            draft.deps.setdefault(dep, src.evidence(_key_line(src, dep, section)))
    p.runtime = _runtime(draft, pkg, src)
    p.framework = _framework(draft)
    _commands(draft, pkg, src)
    _databases(draft)
    _prisma(draft)
    _cache_services(draft)
    _ports(draft, pkg, src)
    _health(draft)
    _stale_lockfile(draft, pkg, src)
    _node_config_env(draft)
    _auth_js(draft, pkg)


_CONFIG_FILE = re.compile(r"^config/([\w-]+)\.(?:json5?|ya?ml|js|cjs|mjs|ts|toml)$")
_PRODUCTION_LIKE = ("prod", "prd", "live")


def _node_config_env(draft: Draft) -> None:
    """node-config loads config/<NODE_ENV>.json: an app whose production settings are in
    config/prod.json (and no config/production.json) needs NODE_ENV=prod, and says so."""
    if "config" not in draft.deps:
        return
    stems = {m.group(1): f for f in draft.repo.files if (m := _CONFIG_FILE.match(f))}
    prod = next((s for s in _PRODUCTION_LIKE if s in stems), None)
    if "production" in stems or prod is None:
        return
    draft.env("NODE_ENV", "config", Evidence(stems[prod]), example=prod)
    draft.env_read("NODE_ENV")


_DEP_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies")
_AUTH_JS = ("@auth/core", "@auth/express", "@auth/sveltekit", "@auth/qwik", "@auth/solid-start")


def _auth_js(draft: Draft, pkg: dict[str, Any]) -> None:
    """Auth.js (next-auth 5, @auth/*) trusts the request's Host header only on Vercel, on
    Cloudflare Pages, outside production or with AUTH_URL or AUTH_TRUST_HOST set: behind the
    load balancer with NODE_ENV=production every sign-in and session call fails with
    `UntrustedHost`. The app reads AUTH_TRUST_HOST through the library; it gets `true`."""
    versions = {
        name: str(spec)
        for section in _DEP_SECTIONS
        if isinstance(pkg.get(section), dict)
        for name, spec in pkg[section].items()
    }
    v5 = re.match(r"^\D*5\b", versions.get("next-auth", "")) is not None
    dep = "next-auth" if v5 else next((d for d in _AUTH_JS if d in versions), None)
    if dep is None or any(
        True for _ in draft.repo.grep(re.compile(r"\btrustHost\s*:"), draft.code_exts)
    ):
        return
    draft.env("AUTH_TRUST_HOST", "config", draft.deps[dep], "true")


def _stale_lockfile(draft: Draft, pkg: dict[str, Any], src: SourceFile) -> None:
    """A lockfile that does not hold what package.json asks for: the image's install (`npm ci`,
    `yarn install --frozen-lockfile`) refuses it, as CI's would. Yarn 1's lockfile names each
    `name@range` it resolved; npm's (v2+) repeats package.json's ranges under `packages[""]`."""
    if pkg.get("workspaces"):
        return  # the ranges of every workspace count: not judged here
    wanted = {
        (name, section): spec
        for section in _DEP_SECTIONS
        if isinstance(pkg.get(section), dict)
        for name, spec in pkg[section].items()
        if isinstance(spec, str)
    }
    yarn, npm = draft.repo.read("yarn.lock"), draft.repo.read("package-lock.json")
    if yarn is not None and "__metadata:" not in yarn.text:  # yarn 1 (berry's is another form)
        heads = {
            part.strip().strip('"')
            for line in yarn.text.splitlines()
            if line.endswith(":") and line[:1] not in ("", " ", "#")
            for part in line[:-1].split(",")
        }
        stale = [key for key, spec in wanted.items() if f"{key[0]}@{spec}" not in heads]
        lock, fix = "yarn.lock", "yarn install"
    elif npm is not None:
        try:
            root = (json.loads(npm.text).get("packages") or {}).get("")
        except (json.JSONDecodeError, AttributeError):
            return
        if not isinstance(root, dict):
            return  # lockfileVersion 1 keeps no copy of package.json's ranges
        locked = {(n, sec): v for sec in _DEP_SECTIONS for n, v in (root.get(sec) or {}).items()}
        stale = [key for key, spec in wanted.items() if locked.get(key) != spec]
        lock, fix = "package-lock.json", "npm install"
        if not stale:
            _npm_missing_entries(draft, npm)
    else:
        return
    if stale:
        names = ", ".join(f"{n} {wanted[(n, sec)]}" for n, sec in stale[:5])
        more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
        draft.finding(
            "stale-lockfile",
            f"{lock} is out of date with package.json",
            f"{lock} does not hold {names}{more}: the image's install (`npm ci`, `yarn install "
            f"--frozen-lockfile`) refuses it, as CI's would. Run `{fix}` and commit {lock}",
            [src.evidence(_key_line(src, n, sec)) for n, sec in stale[:3]],
        )


def _default_start(draft: Draft, pkg: dict[str, Any], src: SourceFile) -> None:
    """No start script: `npm start` runs `node server.js` when the file exists (npm's own
    default), else package.json's `main` is the entry point; a guessed `node index.js` that
    the repository does not hold stops every task with MODULE_NOT_FOUND."""
    main = pkg.get("main")
    for file in ("server.js", main if isinstance(main, str) else None):
        if file and draft.repo.has(file.removeprefix("./")):
            line = _key_line(src, "main", None) if file == main else None
            draft.starts.add(f"node {file.removeprefix('./')}", src.evidence(line), 1)
            return


def _npm_missing_entries(draft: Draft, npm: SourceFile) -> None:
    """A package-lock.json whose entries name packages it holds no entry for (esbuild's
    `@esbuild/linux-x64`, pruned by an npm that kept only the laptop's platform): `npm ci`
    stops with "Missing: … from lock file" although package.json's ranges all match."""
    packages = json.loads(npm.text).get("packages") or {}
    missing: dict[str, str] = {}  # dependency -> the entry that names it
    for path, entry in packages.items():
        if not path or not isinstance(entry, dict) or entry.get("link"):
            continue
        needs = {**(entry.get("dependencies") or {}), **(entry.get("optionalDependencies") or {})}
        for dep in needs:
            if not any(f"{base}node_modules/{dep}" in packages for base in _lock_bases(path)):
                missing.setdefault(dep, path)
    if missing:
        first = next(iter(missing.values()))
        names = ", ".join(list(missing)[:4]) + (
            f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        )
        draft.finding(
            "stale-lockfile",
            "package-lock.json is out of date with the packages it locks",
            f"package-lock.json holds no entry for {names}, which its own entries need (first "
            f"{first.rsplit('node_modules/', 1)[-1]}): `npm ci` in the image refuses it, as CI's "
            "would. Run `npm install` (on Linux, or with a current npm) and commit package-lock.json",
            [npm.evidence(offset=max(0, npm.text.find(f'"{first}"')))],
        )


def _lock_bases(path: str) -> list[str]:
    """Where npm looks for a dependency of the entry at `path`: its own node_modules, then
    each parent's, then the root's."""
    parts = path.split("node_modules/")
    bases = []
    for i in range(len(parts), 0, -1):
        head = "node_modules/".join(parts[:i])
        bases.append(head + "/" if head and not head.endswith("/") else head)
    return [b if b.endswith("/") or not b else b + "/" for b in bases]


def _load(src: SourceFile) -> dict[str, Any]:
    try:
        data = json.loads(src.text)
    except json.JSONDecodeError as exc:
        raise RepoError(
            f"{src.path} is not valid JSON (line {exc.lineno}, column {exc.colno})",
            exc.msg,
            f"fix {src.path}:{exc.lineno} (npm would refuse it too), then rerun skylift scan",
        ) from None
    if not isinstance(data, dict):
        raise RepoError(f"{src.path} is not a JSON object", "", f"fix {src.path}")
    return data


def _key_line(src: SourceFile, key: str, section: str | None = None) -> int | None:
    """Line of `"key":` in package.json, looked for after `"section":` when given."""
    start = 0
    if section:
        m = re.search(rf'"{re.escape(section)}"\s*:', src.text)
        if not m:
            return None
        start = m.end()
    m = re.compile(rf'"{re.escape(key)}"\s*:').search(src.text, start)
    return src.line_at(m.start()) if m else None


def _runtime(draft: Draft, pkg: dict[str, Any], src: SourceFile) -> Fact:
    engines = pkg.get("engines")
    for name in (".nvmrc", ".node-version"):
        f = draft.repo.read(name)
        if f and (v := _major(f.text.strip())):
            return Fact({"language": "node", "version": v}, [f.evidence(1)], "high")
    if isinstance(engines, dict) and isinstance(engines.get("node"), str):
        v = _major(engines["node"])
        if v:
            exact = not re.match(r"\s*>=?\s*\d+[\d.x]*\s*$", engines["node"])  # ">=18" is a floor
            ev = src.evidence(_key_line(src, "node", "engines"))
            value: dict[str, Any] = {"language": "node", "version": v}
            if not exact:
                value["floor"] = True
            return Fact(value, [ev], "high" if exact else "medium")
    docker = draft.dockerfile() or draft.repo.first_named("Dockerfile")
    if docker and (m := re.search(r"^FROM\s+node:(\d+)", docker.text, re.M)):
        return Fact(
            {"language": "node", "version": m.group(1)},
            [docker.evidence(offset=m.start())],
            "medium",
        )
    return Fact({"language": "node", "version": "20"}, [src.evidence()], "low")


def _major(spec: str) -> str | None:
    m = re.search(r"(\d+)", spec.lstrip("v"))
    return m.group(1) if m else None


def _framework(draft: Draft) -> Fact | None:
    for dep, name in FRAMEWORKS:
        if dep in draft.deps:
            return Fact(name, [draft.deps[dep]], "high")
    return None


def _runner(draft: Draft, pkg: dict[str, Any]) -> str:
    engines = pkg.get("engines")
    manager = str(pkg.get("packageManager", ""))
    if (
        draft.repo.has("yarn.lock")
        or manager.startswith("yarn")
        or (isinstance(engines, dict) and "yarn" in engines)
    ):
        return "yarn"
    if draft.repo.has("pnpm-lock.yaml") or manager.startswith("pnpm"):
        return "pnpm"
    return "npm run"


def _commands(draft: Draft, pkg: dict[str, Any], src: SourceFile) -> None:
    scripts = pkg.get("scripts") or {}
    if not isinstance(scripts, dict):
        return
    run = _runner(draft, pkg)

    def ev(name: str) -> Evidence:
        return src.evidence(_key_line(src, name, "scripts"))

    if "build" in scripts:
        draft.builds.add(f"{run} build", ev("build"), 3)
    if "heroku-postbuild" in scripts:
        # Heroku runs heroku-postbuild instead of build; usually it just calls build
        calls_build = re.search(
            r"\b(npm run|yarn|pnpm)( run)? build\b", str(scripts["heroku-postbuild"])
        )
        value = f"{run} build" if calls_build and "build" in scripts else f"{run} heroku-postbuild"
        draft.builds.add(value, ev("heroku-postbuild"), 1)
    for name, weight in (("start:prod", 3), ("start", 2)):
        if isinstance(scripts.get(name), str):
            start, built = split_build(scripts[name])
            draft.starts.add(start, ev(name), weight)
            if built:  # `tsc && node dist/index.js`: the image builds once, the task only starts
                draft.builds.add(built, ev(name), 2)
            if isinstance(scripts.get(f"pre{name}"), str):  # npm's pre-hook builds it
                draft.builds.add(f"{run} pre{name}", ev(f"pre{name}"), 2)
            break
    else:
        _default_start(draft, pkg, src)
    for name, command in scripts.items():
        if not isinstance(command, str) or name in (
            "build",
            "start",
            "start:prod",
            "heroku-postbuild",
        ):
            continue
        if DEV_BODY.search(command):
            continue  # writes or resets migrations on a laptop: never run in production
        if name in ("worker", "queue") or name.startswith("worker:"):
            draft.job(Job(name, command, None, "worker", [ev(name)]))
        elif ONE_OFF.match(name) and not DEV_ONLY.search(name):
            # a one-off by its name only: medium
            draft.job(Job(name, f"{run} {name}", None, "one-off", [ev(name)], "medium"))
        if RELEASE_BODY.search(command):
            draft.releases.add(f"{run} {name}", ev(name), 3)
        elif re.match(r"^(db:)?migrat(e|ion:run|ions?)$", name) or name == "migrate:deploy":
            draft.releases.add(f"{run} {name}", ev(name), 1)


def split_build(command: str) -> tuple[str, str | None]:
    """`tsc && node dist/x.js` -> ("node dist/x.js", "tsc"): build steps chained before a start."""
    parts = [p.strip() for p in command.split("&&")]
    built = []
    while len(parts) > 1 and _BUILD_STEP.match(parts[0]):
        built.append(parts.pop(0))
    return " && ".join(parts), (" && ".join(built) or None)


def _orm_engines(draft: Draft) -> list[tuple[str, Evidence]]:
    """Engines named in ORM configuration: TypeORM `type:`, Sequelize `dialect:`, Knex, Drizzle, Prisma."""
    found = [
        (_ENGINE_NAMES.get(m.group(1), m.group(1)), src.evidence(offset=m.start()))
        for pattern in (_TYPEORM_TYPE, _SEQUELIZE_DIALECT, _KNEX_CLIENT, _DRIZZLE_DIALECT)
        for src, m in draft.repo.grep(pattern, draft.code_exts)
    ]
    prisma = draft.repo.first_named("schema.prisma")
    if prisma and (pm := _PRISMA_PROVIDER.search(prisma.text)):
        engine = _ENGINE_NAMES.get(pm.group(1), pm.group(1))
        found.append((engine, prisma.evidence(offset=pm.start())))
    return found


_PRISMA_EXTENSIONS = re.compile(r"^\s*extensions\s*=\s*\[([^\]]*)\]", re.M)


def scripts(draft: Draft) -> dict[str, str]:
    """package.json's scripts (name -> command)."""
    src = draft.repo.read("package.json")
    try:
        scripts = json.loads(src.text).get("scripts") if src else None
    except (ValueError, AttributeError):
        return {}
    return (
        {k: v for k, v in scripts.items() if isinstance(v, str)}
        if isinstance(scripts, dict)
        else {}
    )


def _prisma(draft: Draft) -> None:
    """Prisma's migrations folder (applied with `prisma migrate deploy`) and its extensions."""
    prisma = draft.repo.first_named("schema.prisma")
    if prisma is None:
        return
    folder = prisma.path.rsplit("/", 1)[0] if "/" in prisma.path else ""
    lock = f"{folder}/migrations/migration_lock.toml".lstrip("/")
    scripted = any("prisma migrate deploy" in c for c in scripts(draft).values())
    if draft.repo.has(lock) and not scripted:
        draft.releases.add("npx prisma migrate deploy", Evidence(lock), 2)
        draft.job(Job("migrate", "npx prisma migrate deploy", None, "one-off", [Evidence(lock)]))
    _prisma_accelerate(draft)
    if m := _PRISMA_EXTENSIONS.search(prisma.text):
        ev = prisma.evidence(offset=m.start())
        for item in m.group(1).split(","):
            mapped = re.search(r"map\s*:\s*\"([^\"]+)\"", item)
            name = mapped.group(1) if mapped else item.strip().split("(")[0].strip()
            for db in draft.profile.databases:
                if db.engine == "postgresql" and name and name not in db.extensions:
                    db.extensions.append(name)
                    db.evidence.append(ev)


_ACCELERATE = re.compile(r"['\"]@prisma/client/edge['\"]|\bwithAccelerate\(")


def _prisma_accelerate(draft: Draft) -> None:
    """A Prisma client for Accelerate (`@prisma/client/edge`, `withAccelerate()`, `prisma
    generate --no-engine`) holds no query engine: it sends every query to a `prisma://` URL
    through Prisma's cloud, and refuses the postgresql:// URL of RDS, which that cloud could
    not reach in a private subnet anyway."""
    where = [
        src.evidence(offset=m.start()) for src, m in draft.repo.grep(_ACCELERATE, draft.code_exts)
    ]
    pkg = draft.repo.read("package.json")
    if pkg is not None and (m := re.search(r"prisma generate[^\"]*--no-engine", pkg.text)):
        where.append(pkg.evidence(offset=m.start()))
    if where:
        draft.finding(
            "prisma-accelerate-client",
            "The Prisma client is Accelerate's: it accepts only a prisma:// URL, not RDS's",
            "import PrismaClient from '@prisma/client' (not '@prisma/client/edge'), drop "
            "`.$extends(withAccelerate())` and `--no-engine` from `prisma generate`: the client "
            "then carries its query engine and connects to DATABASE_URL; every query fails "
            "until then",
            where[:4],
            "blocker",
        )


def _databases(draft: Draft) -> None:
    configured = _orm_engines(draft)
    engines = {engine for engine, _ev in configured}
    for dep, engine in DRIVERS.items():
        if dep not in draft.deps:
            continue
        if engines and engine not in engines and not _imported(draft, dep):
            continue  # a leftover driver: the ORM's config names another engine, no code loads it
        db = draft.database(engine, draft.deps[dep])
        db.driver = db.driver or dep
    for engine, ev in configured:
        draft.database(engine, ev)
    for dep, orm in ORMS.items():
        if dep in draft.deps:
            for db in draft.profile.databases:
                db.orm = db.orm or orm
                if draft.deps[dep] not in db.evidence:
                    db.evidence.append(draft.deps[dep])
    for dep, tool in MIGRATION_TOOLS:
        if dep in draft.deps:
            for db in draft.profile.databases:
                db.migration_tool = db.migration_tool or tool
    if "typeorm" in draft.deps and any(
        "typeorm" in j.command or "migration:run" in j.command for j in draft.profile.jobs
    ):
        for db in draft.profile.databases:
            db.migration_tool = db.migration_tool or "typeorm"
    if "pgvector" in draft.deps:
        for db in draft.profile.databases:
            if db.engine == "postgresql" and "vector" not in db.extensions:
                db.extensions.append("vector")
    _db_findings(draft, [ev for engine, ev in configured if engine in ("mysql", "sqlite")])


def _imported(draft: Draft, dep: str) -> bool:
    loads = re.compile(
        rf"""(?:require\(|import\(|from\s)\s*['"]({re.escape(dep)}(?:/[^'"]*)?)['"]"""
    )
    # `import pool from 'mysql/pool'` under a tsconfig baseUrl or alias is the app's own file
    tsconfig = _tsconfig.load(draft.repo)
    return any(
        _tsconfig.resolve(draft.repo, tsconfig, src.path, m.group(1)) is None
        for src, m in draft.repo.grep(loads, draft.code_exts)
    )


def _db_findings(draft: Draft, orm_config: list[Evidence]) -> None:
    if orm_config:
        draft.finding(
            "orm-dialect",
            "The ORM is configured for MySQL/SQLite",
            "set the dialect to postgres (Sequelize `dialect: 'postgres'`, TypeORM `type: "
            "'postgres'`, Knex `client: 'pg'`, Prisma `provider = \"postgresql\"`), add the `pg` "
            "package, and read the connection from DATABASE_URL with TLS on (RDS)",
            orm_config,
        )
    if "better-sqlite3" in draft.deps:
        calls = [
            src.evidence(offset=m.start())
            for src, m in draft.repo.grep(_SYNC_CALLS, draft.code_exts)
        ]
        draft.finding(
            "sync-db-client",
            f"better-sqlite3 is synchronous; node-postgres is not ({len(calls)} call sites)",
            "replace `db.prepare(sql).get/all/run(...)` with `await pool.query(sql, [...])` from "
            "`pg`, make the calling route handlers async, and use `$1, $2` placeholders",
            [draft.deps["better-sqlite3"], *calls],
        )


def _cache_services(draft: Draft) -> None:
    for dep, engine in CACHES.items():
        if dep in draft.deps and draft.profile.cache is None:
            draft.profile.cache = Fact({"engine": engine, "client": dep}, [draft.deps[dep]], "high")
    for dep, service in SERVICES.items():
        if dep in draft.deps:
            draft.service(service, draft.deps[dep])
    for dep, api in OUTBOUND.items():
        if dep in draft.deps:
            draft.outbound(api, draft.deps[dep])
    if draft.has_dep("@nestjs/graphql", "apollo-server", "apollo-server-express", "graphql-yoga"):
        for src, m in draft.repo.grep(_SUBSCRIPTIONS, draft.code_exts):
            draft.service("websockets", src.evidence(offset=m.start()))  # GraphQL subscriptions
            break


def _ports(draft: Draft, pkg: dict[str, Any], src: SourceFile) -> None:
    for code, m in draft.repo.grep(_PORT_FALLBACK, draft.code_exts):
        draft.ports.add(int(m.group(1)), code.evidence(offset=m.start()), 3)
    for code, m in draft.repo.grep(_LISTEN_LITERAL, draft.code_exts):
        draft.ports.add(int(m.group(1)), code.evidence(offset=m.start()), 3)
    scripts = pkg.get("scripts")
    for name, command in (scripts if isinstance(scripts, dict) else {}).items():
        if isinstance(command, str) and (nm := _NEXT_PORT.search(command)):
            draft.ports.add(int(nm.group(1)), src.evidence(_key_line(src, name, "scripts")), 3)
    if draft.profile.framework and draft.profile.framework.value == "nextjs":
        draft.ports.add(3000, draft.profile.framework.evidence[0], 1)  # next's default


def _health(draft: Draft) -> None:
    """NestJS controllers and Next.js route files; Express-style routes are in code.py."""
    for src, m in draft.repo.grep(
        re.compile(
            r"@Controller\(\s*['\"]/?((?:[\w-]+/)*(?:health|healthz|ping|status)[\w-]*)['\"]"
        ),
        draft.code_exts,
    ):
        draft.profile.health_path = draft.profile.health_path or Fact(
            routes.nest_path(draft, m.group(1)), [src.evidence(offset=m.start())], "high"
        )
    for rel in draft.repo.files:
        route = re.match(
            r"^(?:src/)?(?:app|pages)/(api/(?:[\w-]+/)*(?:health|healthz|ping|status))(?:/route)?\.(?:ts|js|tsx|jsx)$",
            rel,
        )
        if route and draft.profile.health_path is None:
            draft.profile.health_path = Fact("/" + route.group(1), [Evidence(rel)], "high")
