"""A Node app runs in production with NODE_ENV=production, whether or not it names it: never
empty, never `development`; only its own configuration (or skylift.toml) can say otherwise."""

from __future__ import annotations

from pathlib import Path

from tests.plan.test_env_wiring import ecs_tf, plan
from tests.scan.conftest import package_json

PKG = package_json({"express": "4"}, scripts={"start": "node index.js"})
BARE = 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "index.js"]\n'
FILES = {"package.json": PKG, "index.js": "require('express')().listen(3000)\n"}


def test_a_dockerfile_without_node_env_gets_it_from_the_task(tmp_path: Path) -> None:
    bp = plan(tmp_path, {**FILES, "Dockerfile": BARE})
    assert bp.config_env["NODE_ENV"] == "production"
    assert '{ name = "NODE_ENV", value = "production" }' in ecs_tf(tmp_path / "app", bp)


def test_a_dockerfile_that_sets_development_is_overridden(tmp_path: Path) -> None:
    dev = BARE.replace("WORKDIR", "ARG MODE=development\nENV NODE_ENV=${MODE}\nWORKDIR")
    bp = plan(tmp_path, {**FILES, "Dockerfile": dev})
    assert bp.config_env["NODE_ENV"] == "production"


def test_an_image_that_sets_production_is_left_as_it_is(tmp_path: Path) -> None:
    prod = BARE.replace("WORKDIR", "ENV NODE_ENV=production PORT=3000\nWORKDIR")
    bp = plan(tmp_path, {**FILES, "Dockerfile": prod})
    assert "NODE_ENV" not in bp.config_env


def test_node_config_s_own_production_file_names_the_value(tmp_path: Path) -> None:
    files = {
        **FILES,
        "package.json": package_json({"express": "4", "config": "3"}),
        "config/default.json": "{}",
        "config/prod.json": "{}",
        "config/development.json": "{}",
        ".env.example": "NODE_ENV=development\n",
        "Dockerfile": BARE,
    }
    assert plan(tmp_path, files).config_env["NODE_ENV"] == "prod"


def test_skylift_toml_wins(tmp_path: Path) -> None:
    bp = plan(tmp_path, {**FILES, "Dockerfile": BARE}, env={"NODE_ENV": "staging"})
    assert bp.config_env["NODE_ENV"] == "staging"
