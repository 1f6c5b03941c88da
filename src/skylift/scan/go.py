"""Go apps: go.mod (version, modules), and the places Go code states its port and schedules."""

from __future__ import annotations

import re

from skylift.scan._facts import Draft
from skylift.scan._repo import Repo
from skylift.scan.model import Evidence, Fact, Job

FRAMEWORKS = [
    ("github.com/gin-gonic/gin", "gin"),
    ("github.com/labstack/echo/v4", "echo"),
    ("github.com/labstack/echo", "echo"),
    ("github.com/gofiber/fiber/v2", "fiber"),
    ("github.com/gofiber/fiber", "fiber"),
    ("github.com/go-chi/chi/v5", "chi"),
    ("github.com/go-chi/chi", "chi"),
    ("github.com/gorilla/mux", "gorilla-mux"),
]
DRIVERS = {
    "github.com/lib/pq": ("postgresql", "lib/pq"),
    "github.com/jackc/pgx/v5": ("postgresql", "pgx"),
    "github.com/jackc/pgx/v4": ("postgresql", "pgx"),
    "gorm.io/driver/postgres": ("postgresql", "pgx"),
    "github.com/go-sql-driver/mysql": ("mysql", "go-sql-driver/mysql"),
    "gorm.io/driver/mysql": ("mysql", "go-sql-driver/mysql"),
    "github.com/mattn/go-sqlite3": ("sqlite", "go-sqlite3"),
    "modernc.org/sqlite": ("sqlite", "modernc.org/sqlite"),
    "gorm.io/driver/sqlite": ("sqlite", "go-sqlite3"),
}
ORMS = {
    "gorm.io/gorm": "gorm",
    "github.com/jmoiron/sqlx": "sqlx",
    "entgo.io/ent": "ent",
    "github.com/uptrace/bun": "bun",
}
MIGRATION_TOOLS = {
    "github.com/golang-migrate/migrate/v4": "golang-migrate",
    "github.com/pressly/goose/v3": "goose",
    "github.com/rubenv/sql-migrate": "sql-migrate",
    "ariga.io/atlas": "atlas",
}
CACHES = {
    "github.com/redis/go-redis/v9": "go-redis",
    "github.com/go-redis/redis/v8": "go-redis",
    "github.com/go-redis/redis": "go-redis",
    "github.com/gomodule/redigo": "redigo",
}
SERVICES = {
    "github.com/aws/aws-sdk-go-v2/service/s3": "s3",
    "github.com/aws/aws-sdk-go-v2/service/ses": "ses",
    "github.com/aws/aws-sdk-go-v2/service/sesv2": "ses",
    "github.com/gorilla/websocket": "websockets",
    "nhooyr.io/websocket": "websockets",
    "github.com/hibiken/asynq": "queue",
    "gopkg.in/gomail.v2": "smtp",
    "github.com/go-gomail/gomail": "smtp",
    "github.com/jordan-wright/email": "smtp",
    "github.com/wneessen/go-mail": "smtp",
    "github.com/xhit/go-simple-mail/v2": "smtp",
    "github.com/resend/resend-go/v2": "email",
    "github.com/sendgrid/sendgrid-go": "email",
    "github.com/99designs/gqlgen": "graphql",
    "github.com/swaggo/swag": "swagger",
}
OUTBOUND = {
    "github.com/stripe/stripe-go": "stripe",
    "github.com/sashabaranov/go-openai": "openai",
    "github.com/google/go-github": "github",
    "github.com/twilio/twilio-go": "twilio",
    "github.com/getsentry/sentry-go": "sentry",
}
SERVER_CMDS = {"server", "api", "web", "app", "http", "main", "serve", "backend", "service"}
TOOL_DIRS = re.compile(
    r"(?:^|/)(?:migrat\w*|seed\w*|tools?|scripts?|examples?|hack|gen\w*|test\w*|bench\w*)(?:/|$)"
)
_MAIN = re.compile(r"^package main\b", re.M)
_FUNC_MAIN = re.compile(r"^func main\(\)", re.M)
_AUTOMIGRATE = re.compile(r"\.AutoMigrate\(")
_REQUIRE = re.compile(r"^[ \t]*(?:require[ \t]+)?([\w.\-]+/[\w.\-/~]+)[ \t]+v[\w.\-+]+", re.M)
_PORT_DEFAULT = re.compile(r"(?:port|addr)\s*:?=\s*\"?:?(\d{2,5})\"", re.I)
_RUN_LITERAL = re.compile(r"\.(?:Run|ListenAndServe|Listen|Start)\(\s*\"[\w.]*:(\d{2,5})\"")


def detect(draft: Draft) -> bool:
    return draft.repo.has("go.mod")


def scan(draft: Draft) -> None:
    src = draft.repo.read("go.mod")
    assert src is not None
    draft.language = "go"
    p = draft.profile
    if m := re.search(r"^module\s+(\S+)", src.text, re.M):
        p.name = m.group(1).rstrip("/").rsplit("/", 1)[-1]
    for m in _REQUIRE.finditer(src.text):
        draft.deps.setdefault(m.group(1), src.evidence(offset=m.start(1)))
    if m := re.search(r"^go\s+(\d+\.\d+)", src.text, re.M):
        p.runtime = Fact(
            {"language": "go", "version": m.group(1)}, [src.evidence(offset=m.start())], "high"
        )
    else:
        p.runtime = Fact({"language": "go", "version": "1.22"}, [src.evidence()], "low")
    p.framework = next(
        (Fact(name, [draft.deps[mod]], "high") for mod, name in FRAMEWORKS if _dep(draft, mod)),
        Fact("net/http", [src.evidence()], "low"),
    )
    _databases(draft)
    indirect = _indirect(draft)
    for mod, client in CACHES.items():
        if (ev := _used_dep(draft, mod, indirect)) and p.cache is None:
            p.cache = Fact({"engine": "redis", "client": client}, [ev], "high")
    for mod, service in SERVICES.items():
        if ev := _used_dep(draft, mod, indirect):
            draft.service(service, ev)
    for mod, api in OUTBOUND.items():
        if ev := _used_dep(draft, mod, indirect):
            draft.outbound(api, ev)
    for code, m in draft.repo.grep(_PORT_DEFAULT, (".go",)):
        draft.ports.add(int(m.group(1)), code.evidence(offset=m.start()), 3)
    for code, m in draft.repo.grep(_RUN_LITERAL, (".go",)):
        draft.ports.add(int(m.group(1)), code.evidence(offset=m.start()), 3)
    package, ev = main_package(draft.repo)
    draft.builds.add(f"go build -o app {package}", ev or src.evidence(), 1)
    _tools(draft, package)
    _golang_migrate_at_start(draft)
    for code, m in draft.repo.grep(_AUTOMIGRATE, (".go",)):
        if not TOOL_DIRS.search(code.path):  # the server migrates its schema at start
            _migrates_at_start(draft, "gorm AutoMigrate", code.evidence(offset=m.start()))
            break


def _migrates_at_start(draft: Draft, how: str, where: Evidence) -> None:
    """The server's own start migrates: a release job that runs in process."""
    draft.job(Job("migrations", f"in-process ({how})", None, "release", [where]))


_MIGRATE_UP = re.compile(r"\bmigrate\.New(?:WithDatabaseInstance|WithSourceInstance)?\(")
_BUILD_TAG = re.compile(r"^//go:build\s+(\w+)\s*$", re.M)


def _golang_migrate_at_start(draft: Draft) -> None:
    """The server's own code runs golang-migrate's `Up()` (in an init() or main, behind a
    build tag the Dockerfile passes): every task migrates as it starts, and a release step
    of its own would run the migrations twice, from a tool the image may not hold."""
    docker = draft.dockerfile()
    for code, m in draft.repo.grep(_MIGRATE_UP, (".go",)):
        if TOOL_DIRS.search(code.path) or ".Up()" not in code.text:
            continue
        tag = _BUILD_TAG.search(code.text)
        if tag and not (docker and re.search(rf"-tags[= ]\S*\b{tag.group(1)}\b", docker.text)):
            continue  # compiled only with a tag the image's build does not pass
        _migrates_at_start(
            draft, "the image's start: golang-migrate Up()", code.evidence(offset=m.start())
        )
        return


def main_package(repo: Repo) -> tuple[str, Evidence | None]:
    """The server's main package: cmd/<server-like>, else the root, else the shallowest one
    that is not a tool (a migrator, a seeder). `go build ./...` writes no binary for a module
    of several packages."""
    mains = []
    for rel in repo.files:
        src = repo.read(rel) if rel.endswith(".go") and not rel.endswith("_test.go") else None
        found = _FUNC_MAIN.search(src.text) if src and _MAIN.search(src.text) else None
        if src and found:
            folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
            mains.append((folder, Evidence(rel, src.line_at(found.start()))))

    def rank(item: tuple[str, Evidence]) -> tuple[int, int, str]:
        folder = item[0]
        name = folder.rsplit("/", 1)[-1]
        if folder.startswith("cmd/") and name in SERVER_CMDS:
            return (0, folder.count("/"), folder)
        if folder == "":
            return (1, 0, folder)
        return (3 if TOOL_DIRS.search(folder) else 2, folder.count("/"), folder)

    if not mains:
        return ".", None
    folder, ev = min(mains, key=rank)
    return ("./" + folder if folder else "."), ev


def _tools(draft: Draft, server: str) -> None:
    """Other main packages (cmd/seed, migrate/): tools people run by hand (seeders, importers)."""
    seen = set()
    for rel in draft.repo.files:
        m = re.match(r"^((?:cmd/)?([\w-]+))/main\.go$", rel)
        if not m or "./" + m.group(1) == server or m.group(1) in seen or m.group(2) in SERVER_CMDS:
            continue
        if m.group(1).startswith("cmd/") or TOOL_DIRS.search(m.group(1)):
            seen.add(m.group(1))
            command = f"go run ./{m.group(1)}"
            draft.job(Job(m.group(2), command, None, "one-off", [Evidence(rel)]))
            if "migrat" in m.group(2):
                draft.releases.add(command, Evidence(rel), 1)
    if (ev := _dep(draft, "github.com/rubenv/sql-migrate")) or draft.repo.has("dbconfig.yml"):
        config = draft.repo.read("dbconfig.yml")
        env = "production" if config and re.search(r"^production:", config.text, re.M) else None
        command = "sql-migrate up" + (f" -env={env}" if env else "")
        where = config.evidence() if config else ev
        draft.releases.add(command, where, 2)
        draft.job(Job("migrate", command, None, "one-off", [where] if where else []))


def _dep(draft: Draft, module: str) -> Evidence | None:
    """Evidence for a module, matching versioned paths (`.../stripe-go/v76`) too."""
    if module in draft.deps:
        return draft.deps[module]
    return next((ev for dep, ev in draft.deps.items() if dep.startswith(module + "/v")), None)


def _indirect(draft: Draft) -> set[str]:
    src = draft.repo.read("go.mod")
    return {m.group(1) for m in _INDIRECT.finditer(src.text)} if src else set()


def _used_dep(draft: Draft, module: str, indirect: set[str]) -> Evidence | None:
    """A module go.mod marks `// indirect` is another module's dependency (the AWS SDK a test
    container library pulls in, go-github under golangci-lint's `tool` line): it is the app's
    service only when the app's own code imports it."""
    ev = _dep(draft, module)
    if ev is None:
        return None
    listed = {dep for dep in indirect if dep == module or dep.startswith(module + "/v")}
    if not listed:
        return ev
    code = draft.repo.code((".go",))
    return ev if any(f'"{dep}' in c.text for dep in listed for c in code) else None


_INDIRECT = re.compile(
    r"^[ \t]*(?:require[ \t]+)?([\w.\-]+/[\w.\-/~]+)[ \t]+v\S+[ \t]*// indirect", re.M
)
_GORM_DIALECT = re.compile(r"\"github\.com/jinzhu/gorm/dialects/(mysql|postgres|sqlite|mssql)\"")
_DIALECT_DRIVERS = {
    "mysql": "github.com/go-sql-driver/mysql",
    "postgres": "github.com/lib/pq",
    "sqlite": "github.com/mattn/go-sqlite3",
}


def _used_drivers(draft: Draft) -> set[str]:
    """Drivers go.mod marks `// indirect` count only when the code imports them: GORM v1 pulls
    in every dialect's driver, and only the dialect the app imports is its database."""
    indirect = _indirect(draft)
    imported = {
        _DIALECT_DRIVERS[m.group(1)]
        for _, m in draft.repo.grep(_GORM_DIALECT, (".go",))
        if m.group(1) in _DIALECT_DRIVERS
    }
    for mod in DRIVERS:
        if mod in indirect and any(f'"{mod}' in c.text for c in draft.repo.code((".go",))):
            imported.add(mod)
    return {m for m in DRIVERS if m not in indirect} | imported


def _databases(draft: Draft) -> None:
    used = _used_drivers(draft)
    for mod, (engine, driver) in DRIVERS.items():
        if mod not in used:
            continue
        if ev := _dep(draft, mod):
            db = draft.database(engine, ev)
            # lib/pq named explicitly wins over the driver GORM brings along
            if db.driver is None or mod == "github.com/lib/pq":
                db.driver = driver
    for mod, orm in ORMS.items():
        if ev := _dep(draft, mod):
            for db in draft.profile.databases:
                db.orm = db.orm or orm
                if ev not in db.evidence:
                    db.evidence.append(ev)
    for mod, tool in MIGRATION_TOOLS.items():
        if _dep(draft, mod):
            for db in draft.profile.databases:
                db.migration_tool = db.migration_tool or tool
    if _dep(draft, "github.com/pgvector/pgvector-go"):
        for db in draft.profile.databases:
            if db.engine == "postgresql" and "vector" not in db.extensions:
                db.extensions.append("vector")
