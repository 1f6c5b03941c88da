"""The commands an app needs besides its web server, whatever its language: migrations (and
the ones the app runs itself at start), seed scripts, commands its README documents, worker
roles selected by an environment variable, and celery beat's schedule."""

from __future__ import annotations

import json
import posixpath
import re

from skylift.scan import node, python
from skylift.scan._facts import Draft
from skylift.scan.model import Evidence, Job

READMES = ("README.md", "README", "readme.md", "README.rst", "README.markdown")
# a migration command as a README or Makefile writes it: the ones that change the schema
MIGRATE_COMMANDS = re.compile(
    r"\b(?:alembic upgrade \w+|flask db upgrade|python3? manage\.py migrate|prisma migrate deploy|"
    r"typeorm(?:-ts-node-\w+)? migration:run|sequelize(?:-cli)? db:migrate|knex migrate:latest|"
    r"node-pg-migrate up|drizzle-kit (?:migrate|push)|sql-migrate up|goose\b[^\n]*\bup|"
    r"migrate -path\b[^\n]*\bup|go run \S*migrat\S*|(?:npm run|yarn|pnpm) (?:db:)?migrat\w*(?::\w+)?|"
    r"make (?:db-)?migrate(?:-up)?)(?![\w:-])"
)
# a command as READMEs show it: after a prompt (`$ `, `> `), a virtualenv's `(env)$ ` too
_README_LINE = re.compile(r"^\s*(?:\([\w.-]+\)\s*)?(?:\$\s+|>\s+)?(.+?)\s*$", re.M)
_HEROKU_RUN = re.compile(r"^heroku run(?::detached)?\s+(.+?)(?:\s+(?:-a|--app)\s+\S+)?$")
_SCHEMA_LOAD = re.compile(r"^(?:psql|mysql)\b[^\n]*(?:<\s*|-f\s+)(\S+\.sql)\b")
_SCRIPT_CALL = re.compile(r"^(?:yarn|npm run|pnpm)\s+([\w:.-]+)$")
_MIGRATIONS_RUN = re.compile(r"\bmigrationsRun['\"]?\s*:\s*true\b")
_ROLE_TEST = re.compile(
    r"(?:process\.env\.(\w+)|process\.env\[['\"](\w+)['\"]\]|os\.Getenv\(\"(\w+)\"\)|"
    r"os\.(?:environ\.get|getenv)\(\s*['\"](\w+)['\"][^)]*\)|os\.environ\[['\"](\w+)['\"]\])"
    r"\s*(?:===?|!==?)\s*['\"](worker|consumer|queue|jobs|scheduler|cron)['\"]"
)
_SEED_FILE = re.compile(
    r"^(?:(?:src/|app/)?(?:prisma|db|database|scripts?|seeds?)/)?seed(?:er)?s?\.(?:js|mjs|cjs|ts|py)$"
)


def scan(draft: Draft) -> None:
    if draft.language == "python":
        python.celery_beat(draft)  # after the Procfile and compose: they may run beat already
        python.scheduler_installed(draft)
    _readme(draft)
    _migrations_at_start(draft)
    _role_workers(draft)
    _seeds(draft)
    if draft.language == "node":
        _knexfile_without_production(draft)


def one_off(draft: Draft, command: str, ev: Evidence, confidence: str = "medium") -> None:
    """A one-off command; a migration one is also a candidate for the release step. A package
    script is judged by what it runs: `npm run migrate:dev` writes migrations on a laptop."""
    script = _SCRIPT_CALL.match(command)
    name = script.group(1) if script else command_name(command)
    body = node.scripts(draft).get(name, "") if script else command
    if script and (node.DEV_BODY.search(body) or node.DEV_ONLY.search(name)):
        return
    draft.job(Job(name, command, None, "one-off", [ev], confidence))  # type: ignore[arg-type]
    if MIGRATE_COMMANDS.search(body) or (script and node.RELEASE_BODY.search(body)):
        draft.releases.add(command, ev, 1)


def command_name(command: str) -> str:
    """`node scripts/backfill.js --all` -> 'backfill'; `rake db:seed` -> 'rake'."""
    files = [w for w in command.split() if "/" in w or "." in w.strip(".")]
    return files[0].rstrip("/").rsplit("/", 1)[-1].split(".")[0] if files else command.split()[0]


def _readme(draft: Draft) -> None:
    """Commands the README tells people to run: `heroku run ...`, migrations, loading a schema."""
    for rel in draft.repo.named(*READMES)[:3]:
        src = draft.repo.read(rel)
        if src is None:
            continue
        for m in _README_LINE.finditer(src.text):
            line = m.group(1).strip("`")
            ev = src.evidence(offset=m.start())
            if heroku := _HEROKU_RUN.match(line):
                one_off(draft, heroku.group(1).strip(), ev, "high")
            elif schema := _SCHEMA_LOAD.match(line):
                name = f"load {posixpath.basename(schema.group(1))}"
                draft.job(Job(name, line, None, "one-off", [ev], "medium"))
            elif (mig := MIGRATE_COMMANDS.search(line)) and mig.start() == 0 and len(line) < 120:
                one_off(draft, line, ev)


def _migrations_in_the_image_start(draft: Draft) -> bool:
    """The user's Dockerfile starts with `<migrate> && <start>` (CMD or ENTRYPOINT): every task
    migrates before it serves, so a release step of its own would only run it twice."""
    from skylift.scan import dockerfile

    src = draft.dockerfile()
    cmd = dockerfile.start(dockerfile.parse(src.text)) if src else None
    mig = MIGRATE_COMMANDS.search(dockerfile.command_words(cmd.args)) if cmd and src else None
    if src is None or cmd is None or mig is None:
        return False
    draft.job(
        Job(
            "migrations",
            f"in-process (the image's start: {mig.group(0)})",
            None,
            "release",
            [src.evidence(cmd.line)],
        )
    )
    return True


def _migrations_at_start(draft: Draft) -> None:
    """TypeORM `migrationsRun: true`: the app migrates its schema itself when it starts."""
    if _migrations_in_the_image_start(draft):
        return
    sources = [*draft.repo.code(draft.code_exts)]
    for name in ("ormconfig.json", "ormconfig.js", "ormconfig.ts"):
        if (src := draft.repo.read(name)) is not None:
            sources.append(src)
    for src in sources:
        if m := _MIGRATIONS_RUN.search(src.text):
            ev = src.evidence(offset=m.start())
            draft.job(
                Job("migrations", "in-process (typeorm migrationsRun)", None, "release", [ev])
            )
            for db in draft.profile.databases:
                db.migration_tool = db.migration_tool or "typeorm"
            return


def _role_workers(draft: Draft) -> None:
    """`if (process.env.APP_TYPE === 'worker')`: the same image started as a worker by an env var."""
    for src, m in draft.repo.grep(_ROLE_TEST, draft.code_exts):
        var = next(g for g in m.groups()[:-1] if g)
        role = m.group(6)
        ev = src.evidence(offset=m.start())
        draft.job(Job(role, "", None, "worker", [ev], env={var: role}))


def _seeds(draft: Draft) -> None:
    pkg = draft.repo.read("package.json")
    if pkg is not None:
        try:
            data = json.loads(pkg.text)
        except ValueError:
            data = {}
        seed = (data.get("prisma") or {}).get("seed") if isinstance(data, dict) else None
        if "seed" in node.scripts(draft):
            return  # `npm run seed` is already a one-off
        if isinstance(seed, str):
            ev = pkg.evidence(offset=pkg.text.find('"seed"'))
            draft.job(Job("seed", "npx prisma db seed", None, "one-off", [ev]))
            return
    known = " ".join(j.command for j in draft.profile.jobs)
    for rel in draft.repo.files:
        if not _SEED_FILE.match(rel) or rel in known:
            continue
        command = _run_file(draft, rel)
        if command:
            draft.job(Job("seed", command, None, "one-off", [Evidence(rel)], "medium"))


def _run_file(draft: Draft, rel: str) -> str | None:
    if rel.endswith(".py"):
        return f"python {rel}"
    if draft.language != "node":
        return None
    if rel.endswith(".ts"):
        runner = draft.has_dep("tsx", "ts-node") or "tsx"
        return f"npx {runner} {rel}"
    return f"node {rel}"


KNEXFILES = tuple(f"knexfile.{ext}" for ext in ("js", "ts", "cjs", "mjs"))
_KNEX_ENV_KEY = re.compile(r"^\s*['\"]?(development|staging|test|local)['\"]?\s*:\s*\{", re.M)
_KNEX_PRODUCTION = re.compile(r"^\s*['\"]?production['\"]?\s*:|\[\s*process\.env\.NODE_ENV", re.M)


def _knexfile_without_production(draft: Draft) -> None:
    """knex's CLI picks the knexfile's section named by NODE_ENV, and uses the whole file when
    there is none: with NODE_ENV=production (the task's) and only `development:`, `knex
    migrate:latest` stops with "Required configuration option 'client' is missing"."""
    if not _production_node_env(draft):
        return  # NODE_ENV unset: the CLI takes `development`, which is there
    for rel in KNEXFILES:
        src = draft.repo.read(rel)
        if src is None:
            continue
        first = _KNEX_ENV_KEY.search(src.text)
        if first and not _KNEX_PRODUCTION.search(src.text):
            draft.finding(
                "knexfile-no-production",
                f"{rel} has a `{first.group(1)}` section and no `production` one: with "
                "NODE_ENV=production (the image's or the task's) the knex CLI finds no client "
                "and every migration stops",
                "add a `production` section (the same connection, read from the environment), "
                "or run the CLI with `--env development`",
                [src.evidence(offset=first.start(1))],
            )


def _production_node_env(draft: Draft) -> bool:
    """NODE_ENV is production on AWS: skylift's image sets it (no Dockerfile of the app's), the
    app's Dockerfile does, or the app names NODE_ENV (the task then sets it to production)."""
    src = draft.dockerfile()
    if src is None or re.search(r"\bNODE_ENV[= ]+['\"]?production\b", src.text):
        return True
    return any(v.name == "NODE_ENV" for v in draft.env_vars())
