"""Where the app runs today and how it starts: Procfile, app.json, compose, nginx, fly, Docker, make."""

from __future__ import annotations

import json

import pytest

PKG = json.dumps({"name": "app", "dependencies": {"express": "4"}})


def test_heroku_from_procfile_and_app_json(scan_files) -> None:
    p = scan_files(
        {
            "package.json": PKG,
            "Procfile": "web: node server.js\nrelease: npm run migrate\nworker: node worker.js\n",
            "app.json": json.dumps(
                {
                    "name": "x",
                    "addons": ["heroku-postgresql:mini"],
                    "env": {"API_TOKEN": {"required": True}},
                }
            ),
        }
    )
    assert (p.current_host.value, p.current_host.confidence) == ("heroku", "high")
    assert (p.start_command.value, str(p.start_command.evidence[0])) == (
        "node server.js",
        "Procfile:1",
    )
    assert p.release_command.value == "npm run migrate"
    assert sorted((j.kind, j.name) for j in p.jobs) == [
        ("release", "release"),
        ("worker", "worker"),
    ]
    assert [d.engine for d in p.databases] == ["postgresql"]
    assert [(e.name, e.kind) for e in p.env] == [
        ("API_TOKEN", "secret"),
        ("DATABASE_URL", "secret"),
    ]


def test_expo_app_json_is_not_heroku(scan_files) -> None:
    p = scan_files({"package.json": PKG, "app.json": json.dumps({"expo": {"name": "x"}})})
    assert p.current_host.value == "local"


def test_compose_with_nginx_is_a_vps(scan_files) -> None:
    compose = 'services:\n  api:\n    build: .\n    ports:\n      - "8000:3000"\n'
    nginx = "server {\n  server_name api.example.org;\n  location / { proxy_pass http://127.0.0.1:8000; }\n}\n"
    p = scan_files(
        {"package.json": PKG, "docker-compose.yml": compose, "deploy/nginx/site.conf": nginx}
    )
    assert (p.current_host.value, p.current_host.confidence) == ("vps-compose", "high")
    assert p.domain.value == "api.example.org"
    assert p.port.value == 3000  # the container's port, not the host's


def test_compose_with_only_databases_is_a_laptop(scan_files) -> None:
    compose = "services:\n  db:\n    image: postgres:16\n  cache:\n    image: redis:7\n"
    assert (
        scan_files({"package.json": PKG, "docker-compose.yml": compose}).current_host.value
        == "local"
    )


def test_fly(scan_files) -> None:
    p = scan_files(
        {"package.json": PKG, "fly.toml": 'app = "x"\n[http_service]\n  internal_port = 8080\n'}
    )
    assert (p.current_host.value, p.port.value) == ("fly", 8080)


def test_dockerfile_cmd_and_expose(scan_files) -> None:
    docker = 'FROM node:20-alpine AS build\nRUN npm ci\nFROM node:20-alpine\nEXPOSE 5000\nCMD ["node", "dist/main.js"]\n'
    p = scan_files({"package.json": PKG, "Dockerfile": docker})
    assert (p.start_command.value, p.port.value) == ("node dist/main.js", 5000)
    assert str(p.start_command.evidence[0]) == "Dockerfile:5"


def test_makefile_targets(scan_files) -> None:
    gomod = "module x\n\ngo 1.22\n"
    make = "build:\n\tgo build -o bin/app .\n\nmigrate:\n\tmigrate -path migrations -database $(DB) up\n"
    p = scan_files({"go.mod": gomod, "Makefile": make})
    assert (p.build_command.value, p.release_command.value) == ("make build", "make migrate")


def test_plain_local_when_nothing_says_otherwise(scan_files) -> None:
    p = scan_files({"package.json": PKG})
    assert (p.current_host.value, p.current_host.confidence) == ("local", "low")


def test_compose_long_port_syntax(scan_files) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    ports:\n      - target: 3000\n        published: 80\n"
    )
    p = scan_files({"package.json": PKG, "docker-compose.yml": compose})
    assert (p.port.value, str(p.port.evidence[0])) == (3000, "docker-compose.yml:5")


def test_host_folders_mounted_into_the_app(scan_files) -> None:
    compose = "services:\n  api:\n    build: .\n    volumes:\n      - ./data:/app/data\n      - node_modules:/app/node_modules\n"
    p = scan_files({"package.json": PKG, "docker-compose.yml": compose})
    f = next(f for f in p.findings if f.code == "host-volumes")
    assert ("./data" in f.title, [str(e) for e in f.evidence]) == (True, ["docker-compose.yml:5"])


def test_heroku_run_lines_in_the_readme_are_one_off_commands(scan_files) -> None:
    pkg = json.dumps(
        {"name": "a", "dependencies": {"express": "4"}, "scripts": {"seed": "node seed.js"}}
    )
    readme = (
        "# a\n\n```\nheroku run yarn seed -a my-app\nheroku run node scripts/backfill.js\n```\n"
    )
    p = scan_files({"package.json": pkg, "README.md": readme})
    jobs = {j.command: (j.name, j.confidence, [str(e) for e in j.evidence]) for j in p.jobs}
    assert jobs["node scripts/backfill.js"] == ("backfill", "high", ["README.md:5"])
    assert jobs["yarn seed"][0] == "seed"


@pytest.mark.parametrize(
    ("names", "domain"),
    [
        ("app.lvh.me", None),  # resolves to 127.0.0.1
        ("api.localhost shop.test", None),
        ("10.0.0.5", None),
        ("dev.nip.io www.shop.example.org", "www.shop.example.org"),
    ],
)
def test_nginx_names_of_the_laptop_are_no_domain(scan_files, names, domain) -> None:
    nginx = (
        f"server {{\n  server_name {names};\n  location / {{ proxy_pass http://app:8000; }}\n}}\n"
    )
    p = scan_files({"package.json": PKG, "nginx/nginx.conf": nginx})
    assert (p.domain.value if p.domain else None) == domain


def test_compose_s_uvicorn_reload_is_the_laptop_s(scan_files) -> None:
    compose = (
        "services:\n  web:\n    build: .\n"
        "    command: uvicorn app.main:app --reload --reload-dir app --workers 1 --port 8000\n"
    )
    p = scan_files({"requirements.txt": "fastapi\nuvicorn\n", "docker-compose.yml": compose})
    assert p.start_command.value == "uvicorn app.main:app --workers 1 --port 8000"
    assert "dev-start-command" not in [f.code for f in p.findings]
