"""tsconfig.json as tsc reads it: the start command runs the file tsc really writes, and
imports through `baseUrl` / `paths` name the app's own files."""

from __future__ import annotations

import json

from skylift.scan import _tsconfig
from skylift.scan._repo import Repo
from tests.scan.conftest import package_json, write

PKG = package_json(
    {"express": "4", "pg": "8"},
    dev={"typescript": "5"},
    scripts={"build": "tsc", "start": "node dist/index.js"},
)
TSCONFIG = """{
  // no rootDir: tsc's root is the common folder of what it compiles
  "compilerOptions": {"outDir": "./dist", "baseUrl": ".", "paths": {"@/*": ["src/*"]},},
  "include": ["src/**/*", "scripts/*.ts"]
}"""
APP = {
    "package.json": PKG,
    "tsconfig.json": TSCONFIG,
    "src/index.ts": "import system from '@/routes/system'\nconst app = express()\n"
    "app.use('/api/system', system)\napp.listen(process.env.PORT || 3000)\n",
    "src/routes/system.ts": "const r = Router()\nr.get('/health', (q, s) => s.send('ok'))\n"
    "export default r\n",
    "scripts/seed.ts": "console.log('seed')\n",
}


def test_a_file_outside_src_moves_the_output_to_dist_src(scan_files) -> None:
    p = scan_files(APP)
    assert p.start_command.value == "node dist/src/index.js"
    (f,) = [f for f in p.findings if f.code == "ts-out-path"]
    assert "tsc writes dist/src/index.js" in f.title
    assert "tsconfig.json:1" in [str(e) for e in f.evidence]


def test_with_root_dir_the_start_command_stays(scan_files) -> None:
    config = json.dumps(
        {"compilerOptions": {"outDir": "dist", "rootDir": "src"}, "include": ["src"]}
    )
    p = scan_files({**APP, "tsconfig.json": config, "scripts/seed.ts": ""})
    assert p.start_command.value == "node dist/index.js"
    assert "ts-out-path" not in [f.code for f in p.findings]


def test_an_extended_config_and_the_build_s_own_project(scan_files) -> None:
    pkg = package_json(
        {"express": "4"},
        dev={"typescript": "5"},
        scripts={"build": "tsc -p tsconfig.build.json", "start": "node build/main.js"},
    )
    files = {
        "package.json": pkg,
        "tsconfig.base.json": '{"compilerOptions": {"outDir": "build"}}',
        "tsconfig.build.json": '{"extends": "./tsconfig.base", "include": ["src", "config.ts"]}',
        "src/main.ts": "app.listen(3000)\n",
        "config.ts": "export default {}\n",
    }
    assert scan_files(files).start_command.value == "node build/src/main.js"


def test_paths_and_base_url_resolve_to_the_app_s_files(tmp_path) -> None:
    root = write(tmp_path / "app", {**APP, "src/config/db.ts": "", "src/lib/db/index.ts": ""})
    repo = Repo.walk(root)
    cfg = _tsconfig.load(repo)
    assert _tsconfig.resolve(repo, cfg, "src/index.ts", "@/lib/db") == "src/lib/db/index.ts"
    assert _tsconfig.resolve(repo, cfg, "src/index.ts", "src/config/db") == "src/config/db.ts"
    assert _tsconfig.resolve(repo, cfg, "src/a.ts", "./config/db.js") == "src/config/db.ts"
    assert _tsconfig.resolve(repo, cfg, "src/index.ts", "express") is None


def test_a_router_imported_through_an_alias_keeps_its_mount_prefix(scan_files) -> None:
    assert scan_files(APP).health_path.value == "/api/system/health"


def test_an_alias_named_like_a_driver_is_not_the_driver(scan_files) -> None:
    pkg = package_json({"express": "4", "mysql2": "3", "pg": "8"}, dev={"typescript": "5"})
    files = {
        "package.json": pkg,
        "tsconfig.json": '{"compilerOptions": {"baseUrl": "src"}}',
        "src/mysql2/legacy.ts": "export const x = 1\n",
        "src/index.ts": "import { x } from 'mysql2/legacy'\n"
        "new DataSource({ type: 'postgres', url: process.env.DATABASE_URL })\n",
        "package-lock.json": "{}",
    }
    engines = [db.engine for db in scan_files(files).databases]
    assert "mysql" not in engines


def test_cache_options_imported_through_an_alias_are_read(scan_files) -> None:
    pkg = package_json({"express": "4", "ioredis": "5"}, dev={"typescript": "5"})
    files = {
        "package.json": pkg,
        "tsconfig.json": TSCONFIG,
        "src/config/redis.ts": "export const redisOptions = {\n  host: process.env.REDIS_HOST,\n"
        "  port: Number(process.env.REDIS_PORT),\n}\n",
        "src/cache.ts": "import Redis from 'ioredis'\nimport { redisOptions } from '@/config/redis'\n"
        "export const cache = new Redis(redisOptions)\n",
        "src/index.ts": "app.listen(process.env.PORT || 3000)\n",
    }
    (f,) = [f for f in scan_files(files).findings if f.code == "cache-tls"]
    assert [str(e) for e in f.evidence] == ["src/cache.ts:3"]
