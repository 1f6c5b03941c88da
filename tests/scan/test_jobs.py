"""Commands besides the web server: migrations (also the ones the app runs itself), seeds,
README commands, worker roles chosen by an env var, celery beat."""

from __future__ import annotations

import json

import pytest

from tests.scan.conftest import package_json


def jobs(p) -> list[tuple[str, str, str]]:
    return sorted((j.kind, j.name, j.command) for j in p.jobs)


def test_typeorm_migrations_run_at_start(node_app) -> None:
    config = "export default new DataSource({ type: 'postgres', migrationsRun: true });\n"
    p = node_app({"typeorm": "0.3", "pg": "8", "express": "4"}, {"src/data-source.ts": config})
    assert ("release", "migrations", "in-process (typeorm migrationsRun)") in jobs(p)
    assert p.databases[0].migration_tool == "typeorm"


def test_release_scripts_judged_by_what_they_run(node_app) -> None:
    p = node_app(
        {"@prisma/client": "5", "express": "4"},
        scripts={
            "db:up": "prisma migrate deploy",
            "migrate": "prisma migrate dev",  # writes migrations: never a release
            "migrate:reset": "prisma migrate reset --force",
        },
    )
    assert (p.release_command.value, p.release_command.confidence) == ("npm run db:up", "high")
    assert not any("migrate:reset" in c or c == "npm run migrate" for _, _, c in jobs(p))


def test_prisma_migrations_folder_and_seed_without_a_script(scan_files) -> None:
    p = scan_files(
        {
            "package.json": package_json(
                {"@prisma/client": "5", "express": "4"}, prisma={"seed": "tsx prisma/seed.ts"}
            ),
            "prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n}\n',
            "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
            "prisma/seed.ts": "main()\n",
        }
    )
    assert p.release_command.value == "npx prisma migrate deploy"
    assert ("one-off", "seed", "npx prisma db seed") in jobs(p)


def test_seed_file_with_no_script(node_app) -> None:
    p = node_app({"express": "4"}, {"scripts/seed.js": "console.log(1)\n"})
    assert jobs(p) == [("one-off", "seed", "node scripts/seed.js")]


def test_readme_commands(node_app) -> None:
    readme = (
        "# Shop\n\n```sh\n$ psql -d shop < db/schema.sql\nnpm run migrate:dev\n"
        "heroku run node scripts/backfill.js -a shop\nalembic upgrade head\n```\n"
    )
    p = node_app(
        {"express": "4"}, {"README.md": readme}, scripts={"migrate:dev": "prisma migrate dev"}
    )
    assert jobs(p) == [
        ("one-off", "alembic", "alembic upgrade head"),
        ("one-off", "backfill", "node scripts/backfill.js"),
        ("one-off", "load schema.sql", "psql -d shop < db/schema.sql"),
    ]


def test_role_selected_by_an_env_var_is_a_worker(node_app) -> None:
    main = "if (process.env.APP_TYPE === 'worker') { startWorker() } else { app.listen(3000) }\n"
    p = node_app({"express": "4"}, {"src/index.js": main}, scripts={"start": "node src/index.js"})
    (worker,) = [j for j in p.jobs if j.kind == "worker"]
    assert (worker.name, worker.command, worker.env) == (
        "worker",
        "node src/index.js",
        {"APP_TYPE": "worker"},
    )


def test_compose_worker_services(scan_files) -> None:
    compose = (
        "services:\n  web:\n    build: .\n    ports: ['8000:8000']\n"
        "  worker:\n    build: .\n    command: celery -A shop worker -l info\n"
        "  jobs:\n    build: .\n    environment:\n      PROCESS_TYPE: worker\n"
        "  db:\n    image: postgres:16\n"
    )
    p = scan_files(
        {
            "requirements.txt": "django\ncelery\n",
            "manage.py": "",
            "docker-compose.yml": compose,
            "Procfile": "web: gunicorn shop.wsgi\n",
        }
    )
    workers = {(j.name, j.command, tuple(j.env.items())) for j in p.jobs if j.kind == "worker"}
    assert workers == {
        ("worker", "celery -A shop worker -l info", ()),
        ("jobs", "gunicorn shop.wsgi", (("PROCESS_TYPE", "worker"),)),
    }
    assert [f.value["kind"] for f in p.dev_services] == ["database"]


def test_celery_beat_is_a_schedule_run_by_one_beat_process(scan_files) -> None:
    code = (
        "from celery import Celery\nfrom celery.schedules import crontab\n"
        "celery = Celery('shop')\n"
        "celery.conf.beat_schedule = {\n"
        "    'nightly-report': {'task': 'shop.tasks.report', 'schedule': crontab(minute=0, hour=2)},\n"
        "    'poll': {'task': 'shop.tasks.poll', 'schedule': timedelta(minutes=5)},\n}\n"
    )
    p = scan_files({"requirements.txt": "flask\ncelery\nredis\n", "shop/worker.py": code})
    crons = sorted((j.name, j.schedule, j.scheduled_by) for j in p.jobs if j.kind == "cron")
    assert crons == [
        ("nightly-report", "0 2 * * *", "celery beat"),
        ("poll", "*/5 * * * *", "celery beat"),
    ]
    (beat,) = [j for j in p.jobs if j.kind == "worker"]
    assert beat.command == "celery -A shop.worker:celery beat --loglevel=info"


def test_beat_in_the_procfile_is_not_added_twice(scan_files) -> None:
    code = "beat_schedule = {'x': {'task': 't', 'schedule': 60.0}}\n"
    p = scan_files(
        {
            "requirements.txt": "flask\ncelery\n",
            "tasks.py": code,
            "Procfile": "web: gunicorn app:app\nbeat: celery -A app beat\n",
        }
    )
    assert [(j.name, j.command) for j in p.jobs if j.kind == "worker"] == [
        ("beat", "celery -A app beat")
    ]


def test_alembic_and_flask_migrate(scan_files) -> None:
    p = scan_files(
        {"requirements.txt": "fastapi\nalembic\npsycopg\n", "alembic.ini": "[alembic]\n"}
    )
    assert (p.release_command.value, p.release_command.confidence) == (
        "alembic upgrade head",
        "medium",
    )


def test_flask_migrate(scan_files) -> None:
    p = scan_files(
        {"requirements.txt": "flask\nflask-migrate\n", "migrations/alembic.ini": "[alembic]\n"}
    )
    assert p.release_command.value == "flask db upgrade"


def test_go_migrations_sql_migrate_and_automigrate(scan_files) -> None:
    mod = "module shop\n\ngo 1.22\n\nrequire github.com/rubenv/sql-migrate v1.6.0\n"
    p = scan_files(
        {
            "go.mod": mod,
            "dbconfig.yml": "development:\n  dialect: postgres\nproduction:\n  dialect: postgres\n",
            "main.go": "package main\n\nfunc main() {\n\tdb.AutoMigrate(&User{})\n}\n",
            "migrate/main.go": "package main\n\nfunc main() {}\n",
        }
    )
    assert ("one-off", "migrate", "go run ./migrate") in jobs(p)
    assert ("release", "migrations", "in-process (gorm AutoMigrate)") in jobs(p)
    assert p.release_command.value == "sql-migrate up -env=production"
    assert p.build_command.value == "go build -o app ."


def test_go_server_package_among_several_mains(scan_files) -> None:
    main = "package main\n\nfunc main() {}\n"
    p = scan_files(
        {
            "go.mod": "module shop\n\ngo 1.22\n",
            "cmd/migrate/main.go": main,
            "cmd/api/main.go": main,
            "internal/x.go": "package internal\n",
        }
    )
    assert p.build_command.value == "go build -o app ./cmd/api"
    assert jobs(p) == [("one-off", "migrate", "go run ./cmd/migrate")]


def test_start_script_that_builds_first(node_app) -> None:
    p = node_app({"express": "4"}, scripts={"start": "tsc && node dist/index.js"})
    assert (p.start_command.value, p.build_command.value) == ("node dist/index.js", "tsc")


def test_dev_server_as_start_is_a_finding(node_app) -> None:
    p = node_app({"express": "4"}, scripts={"start": "nodemon src/index.js"})
    (f,) = [f for f in p.findings if f.code == "dev-start-command"]
    assert str(f.evidence[0]) == "package.json:5"


def test_json_of_a_profile_with_jobs_round_trips(node_app) -> None:
    p = node_app({"express": "4"}, {"scripts/seed.js": ""})
    assert json.loads(json.dumps(p.as_dict()))["jobs"][0]["env"] == {}


def test_the_start_script_s_pre_hook_is_the_build(node_app) -> None:
    p = node_app(
        {"@nestjs/core": "10"}, scripts={"prestart:prod": "tsc", "start:prod": "node dist/main.js"}
    )
    assert (p.start_command.value, p.build_command.value) == (
        "node dist/main.js",
        "npm run prestart:prod",
    )


def test_compose_copies_of_procfile_workers_and_dev_watchers_are_not_workers(scan_files) -> None:
    """A Heroku app's Procfile lists what production runs; its compose file runs the same worker
    through a script of its own and the assets' rebuild-on-save `yarn dev`, neither a worker."""
    compose = (
        "services:\n  django:\n    build: .\n    ports: ['80:8000']\n"
        "    command: /start-django\n"
        "  celeryworker:\n    build: .\n    command: /start-celeryworker\n"
        "  assets:\n    build:\n      context: .\n      dockerfile: assets.dockerfile\n"
        "    command: yarn dev\n"
    )
    p = scan_files(
        {
            "requirements.txt": "django\ncelery\n",
            "manage.py": "",
            "package.json": '{"private": true, "scripts": {"dev": "webpack --watch"}}\n',
            "docker-compose.yml": compose,
            "Procfile": "web: gunicorn shop.wsgi\nworker: celery -A shop worker -l INFO\n",
        }
    )
    assert p.runtime is not None and p.runtime.value["language"] == "python"
    workers = [(j.name, j.command) for j in p.jobs if j.kind == "worker"]
    assert workers == [("worker", "celery -A shop worker -l INFO")]


def test_assets_watcher_in_compose_is_not_a_worker_without_a_procfile(scan_files) -> None:
    compose = (
        "services:\n  web:\n    build: .\n    ports: ['8000:8000']\n"
        "  assets:\n    build: .\n    command: npm run watch\n"
        "  worker:\n    build: .\n    command: rq worker\n"
    )
    p = scan_files({"requirements.txt": "flask\nrq\n", "docker-compose.yml": compose})
    assert [j.name for j in p.jobs if j.kind == "worker"] == ["worker"]


@pytest.mark.parametrize(("requirements", "found"), [("", True), ("django-celery-beat\n", False)])
def test_a_beat_whose_scheduler_package_is_missing_is_a_blocker(
    scan_files, requirements, found
) -> None:
    """The Procfile's beat names django_celery_beat's DatabaseScheduler; without the package it
    dies at start with ModuleNotFoundError and nothing scheduled runs."""
    procfile = (
        "web: gunicorn shop.wsgi\n"
        "beat: celery -A shop beat --scheduler django_celery_beat.schedulers:DatabaseScheduler\n"
    )
    p = scan_files(
        {
            "requirements.txt": "django\ncelery\n" + requirements,
            "manage.py": "",
            "Procfile": procfile,
        }
    )
    hit = next((f for f in p.findings if f.code == "scheduler-not-installed"), None)
    assert (hit is not None) == found
    if hit:
        assert hit.severity == "blocker" and [str(e) for e in hit.evidence] == ["Procfile:2"]


def test_readme_commands_after_a_virtualenv_prompt(scan_files) -> None:
    """`(env)$ heroku run python create_db.py`: the prompt is the reader's shell, not the command."""
    readme = "Then create the tables:\n\n```sh\n(env)$ heroku run python create_db.py\n```\n"
    p = scan_files({"requirements.txt": "flask\n", "README.md": readme, "create_db.py": ""})
    assert ("one-off", "create_db", "python create_db.py") in jobs(p)
