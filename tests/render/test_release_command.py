"""The release (migration) command and the workers' commands run as the task would run them: in
exec form when they need no shell, so an image without one (distroless, scratch) runs a binary it
holds; a command it cannot run is not wired into the deploy, and the workflow says why."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from skylift.config import resolve
from skylift.plan import derive
from skylift.render import render_files
from skylift.render._context import command_argv
from skylift.scan import scan
from tests.scan.conftest import write

GO_MOD = "module example.com/shop\n\ngo 1.22\n\nrequire github.com/lib/pq v1.10.9\n"
MAIN = 'package main\nimport _ "github.com/lib/pq"\nfunc main() { os.Getenv("DATABASE_URL") }\n'


def _render(tmp_path: Path, files: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    root = write(tmp_path / "app", files)
    profile = scan(root)
    cfg = resolve(
        derive.slug(profile.name), {}, {}, lambda t, c: derive.derived_defaults(profile, t, c)
    )
    return render_files(root, derive.build(profile, cfg), budget_usd=50, github_repository="a/b")


def _override(workflow: str) -> list[str] | None:
    m = re.search(r"--overrides '(\{.*\})'", workflow)
    return json.loads(m.group(1))["containerOverrides"][0]["command"] if m else None


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("make migrate", ["make", "migrate"]),
        ("npx prisma migrate deploy", ["npx", "prisma", "migrate", "deploy"]),
        ("python manage.py migrate --noinput", ["python", "manage.py", "migrate", "--noinput"]),
        ("npm run build && npm run migrate", ["sh", "-c", "npm run build && npm run migrate"]),
        ("psql $DATABASE_URL < schema.sql", ["sh", "-c", "psql $DATABASE_URL < schema.sql"]),
        ("FLASK_APP=app flask db upgrade", ["sh", "-c", "FLASK_APP=app flask db upgrade"]),
    ],
)
def test_commands_run_in_exec_form_unless_they_need_a_shell(command: str, argv: list[str]) -> None:
    assert command_argv(command) == argv


def test_a_shell_less_image_runs_only_a_binary_it_holds() -> None:
    held = ["/server", "/migrate", "/app/"]
    assert command_argv("/migrate up", held) == ["/migrate", "up"]
    assert command_argv("./server migrate", held) == ["./server", "migrate"]
    assert command_argv("make migrate", held) is None  # no make in distroless
    assert command_argv("/server && echo done", held) is None  # no shell either


def test_release_on_a_distroless_image_is_not_run_through_sh(tmp_path: Path) -> None:
    dockerfile = (
        "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\n"
        "RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server\n"
        "FROM gcr.io/distroless/static-debian12\nCOPY --from=build /out/server /server\n"
        'ENTRYPOINT ["/server"]\n'
    )
    files, notes = _render(
        tmp_path,
        {
            "go.mod": GO_MOD,
            "cmd/server/main.go": MAIN,
            "Dockerfile": dockerfile,
            "Makefile": 'migrate:\n\tmigrate -path migrations -database "$(DATABASE_URL)" up\n',
            "migrations/000001_init.up.sql": "CREATE TABLE t (id int);\n",
        },
    )
    workflow = files[".github/workflows/deploy.yml"]
    assert _override(workflow) is None
    assert '"sh","-c"' not in workflow and "Release command not run: `make migrate`" in workflow
    assert any("make migrate" in n and "no shell" in n for n in notes)


def test_release_on_an_image_with_a_shell_runs_in_exec_form(tmp_path: Path) -> None:
    dockerfile = (
        "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/server ./cmd/server\n"
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y make\n"
        "COPY --from=build /out/server /server\nCOPY . /app\nWORKDIR /app\n"
        'ENTRYPOINT ["/server"]\n'
    )
    files, _ = _render(
        tmp_path,
        {
            "go.mod": GO_MOD,
            "cmd/server/main.go": MAIN,
            "Dockerfile": dockerfile,
            "Makefile": 'migrate:\n\tmigrate -path migrations -database "$(DATABASE_URL)" up\n',
            "migrations/000001_init.up.sql": "CREATE TABLE t (id int);\n",
        },
    )
    assert _override(files[".github/workflows/deploy.yml"]) == ["make", "migrate"]


def test_each_worker_has_its_own_task_definition_and_command(tmp_path: Path) -> None:
    files, _ = _render(
        tmp_path,
        {
            "package.json": json.dumps(
                {"name": "q", "dependencies": {"express": "4", "pg": "8", "bull": "4"}}
            ),
            "Procfile": "web: node server.js\nworker: node worker.js --queue=mail\n"
            "clock: node clock.js && echo done\n",
            "server.js": "process.env.DATABASE_URL\n",
        },
    )
    workers = files["infra/workers.tf"]
    families = re.findall(r'family\s+= "\$\{local.name\}-(\w+)"', workers)
    assert sorted(families) == ["clock", "worker"]
    assert 'command                = ["node", "worker.js", "--queue=mail"]' in workers
    assert 'command                = ["sh", "-c", "node clock.js && echo done"]' in workers
    used = re.findall(r"task_definition\s+= aws_ecs_task_definition\.(\w+)\.arn", workers)
    assert sorted(used) == ["worker_clock", "worker_worker"]
