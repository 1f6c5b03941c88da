"""Routes a load balancer can check, and connections the new host would refuse (TLS, AUTH)."""

from __future__ import annotations

import pytest


def test_routes_across_frameworks(node_app, scan_files) -> None:
    p = node_app(
        {"express": "4"},
        {
            "src/app.js": "app.get('/', h)\napp.get('/users/:id', h)\napp.get('/about', h)\n",
            "src/index.js": "const api = require('./api')\napp.use('/api', api)\n",
            "src/api.js": "router.get('/version', h)\n",
        },
    )
    assert [r.value for r in p.routes] == ["/", "/about", "/api/version"]


def test_routers_with_unknown_prefixes_are_left_out(scan_files) -> None:
    p = scan_files(
        {
            "requirements.txt": "fastapi\n",
            "app/main.py": "app = FastAPI()\n@app.get('/')\ndef root(): ...\n",
            "app/api/items.py": "router = APIRouter()\n@router.get('/items')\ndef items(): ...\n",
        }
    )
    assert [r.value for r in p.routes] == ["/"]


def test_nest_routes_with_global_prefix(node_app) -> None:
    p = node_app(
        {"@nestjs/core": "10"},
        {
            "src/main.ts": "app.setGlobalPrefix('api')\n",
            "src/tags.controller.ts": "@Controller('tags')\nexport class T {\n  @Get()\n  all() {}\n  @Get(':id')\n  one() {}\n}\n",
        },
    )
    assert [r.value for r in p.routes] == ["/api/tags"]


@pytest.mark.parametrize(
    "exclude",
    [
        "['health']",
        "['/health', 'status']",
        "[{ path: 'health', method: RequestMethod.GET }]",
        "[{ path: 'health', method: RequestMethod.ALL }, { path: 'metrics', method: RequestMethod.GET }]",
    ],
)
def test_nest_global_prefix_exclude_is_honoured(node_app, exclude: str) -> None:
    p = node_app(
        {"@nestjs/core": "10", "@nestjs/common": "10"},
        {
            "src/main.ts": f"app.setGlobalPrefix('api', {{ exclude: {exclude} }});\n",
            "src/health.controller.ts": "@Controller('health')\nexport class H {\n  @Get()\n  ok() {}\n}\n",
            "src/docs.controller.ts": "@Controller('docs')\nexport class D {\n  @Get()\n  all() {}\n}\n",
        },
    )
    assert p.health_path is not None and p.health_path.value == "/health"
    assert [r.value for r in p.routes] == ["/health", "/api/docs"]


def test_nest_health_under_the_global_prefix(node_app) -> None:
    p = node_app(
        {"@nestjs/core": "10"},
        {
            "src/main.ts": "app.setGlobalPrefix('v1', { exclude: ['docs'] });\n",
            "src/health.controller.ts": "@Controller('health')\nexport class H {\n  @Get()\n  ok() {}\n}\n",
        },
    )
    assert p.health_path is not None and p.health_path.value == "/v1/health"


def test_next_root_page(node_app) -> None:
    p = node_app({"next": "14"}, {"app/(marketing)/page.tsx": "export default function P() {}\n"})
    assert [r.value for r in p.routes] == ["/"]


def test_code_that_turns_db_tls_off(scan_files) -> None:
    code = (
        'package db\n\nimport "fmt"\n\n'
        'var dsn = fmt.Sprintf("host=%s user=%s dbname=%s sslmode=disable", h, u, n)\n'
    )
    p = scan_files(
        {"go.mod": "module x\n\ngo 1.22\n\nrequire github.com/lib/pq v1.10.9\n", "db/db.go": code}
    )
    (f,) = [f for f in p.findings if f.code == "db-tls-off"]
    assert [str(e) for e in f.evidence] == ["db/db.go:5"]


def test_cache_clients_built_from_host_and_port(node_app) -> None:
    code = (
        "const a = new Redis({ host: process.env.REDIS_HOST, port: 6379 });\n"
        "const b = new Redis(process.env.REDIS_URL);\n"
        "const q = new Queue('mail', { redis: { host: h, port: p, password: pw, tls: {} } });\n"
        "const c = new Redis({ host: h, tls: {} });\n"
    )
    p = node_app({"ioredis": "5", "bull": "4", "express": "4"}, {"src/cache.js": code})
    (f,) = [f for f in p.findings if f.code == "cache-tls"]
    assert [str(e) for e in f.evidence] == ["src/cache.js:1", "src/cache.js:4"]


def test_python_redis_without_ssl(scan_files) -> None:
    code = "import redis\nr = redis.Redis(host='localhost', port=6379)\nok = redis.from_url(url)\n"
    p = scan_files({"requirements.txt": "flask\nredis\n", "app.py": code})
    (f,) = [f for f in p.findings if f.code == "cache-tls"]
    assert [str(e) for e in f.evidence] == ["app.py:2"]


def test_gin_router_group_functions_are_left_out(scan_files) -> None:
    code = (
        'package articles\n\nfunc Register(router *gin.RouterGroup) {\n\trouter.GET("/", List)\n}\n'
    )
    p = scan_files({"go.mod": "module x\n\ngo 1.22\n", "articles/routers.go": code})
    assert p.routes == []


@pytest.mark.parametrize(
    ("code", "found"),
    [
        ("new Pool({ connectionString: process.env.DATABASE_URL, ssl: true })", True),
        ("new Pool({ host: process.env.DB_HOST, ssl: process.env.DB_SSL === 'true' })", True),
        ("new Pool({ ssl: { rejectUnauthorized: true } })", True),
        ("new Pool({ ssl: { rejectUnauthorized: true, ca: fs.readFileSync('rds.pem') } })", False),
        ("new Pool({ ssl: { rejectUnauthorized: false } })", False),
        ("new Pool({ connectionString: process.env.DATABASE_URL })", False),
    ],
)
def test_node_postgres_verifying_a_certificate_node_cannot_check(node_app, code, found) -> None:
    p = node_app(
        {"pg": "8", "express": "4"}, {"src/db.js": f"const {{ Pool }} = require('pg');\n{code}\n"}
    )
    got = [str(e) for f in p.findings if f.code == "db-tls-verify-node" for e in f.evidence]
    assert got == (["src/db.js:2"] if found else [])


@pytest.mark.parametrize(
    ("code", "found"),
    [
        ("const ssl = booleanEnv('DB_SSL', false)\nnew Pool({ host, ssl })", True),
        (
            "const ssl = booleanEnv('DB_SSL', false)\nnew Pool({ ssl: ssl && { rejectUnauthorized: false } })",
            False,
        ),
    ],
)
def test_a_boolean_tls_switch_read_into_node_postgres(node_app, code, found) -> None:
    """The task sets DB_SSL=true for RDS; read through a helper into `ssl`, node-postgres then
    verifies the certificate against a trust store without RDS's CA."""
    p = node_app(
        {"pg": "8", "express": "4"},
        {
            "src/db.js": f"const {{ Pool }} = require('pg');\n{code}\n",
            ".env.example": "DB_SSL=false\n",
        },
    )
    got = [str(e) for f in p.findings if f.code == "db-tls-verify-node" for e in f.evidence]
    assert got == (["src/db.js:2"] if found else [])


def test_bull_given_a_url_gets_no_tls_from_rediss(node_app) -> None:
    code = (
        "let Queue = require('bull');\n"
        "let REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';\n"
        "let work = new Queue('work', REDIS_URL);\n"
        "let mail = new Queue('mail', REDIS_URL, { redis: { tls: {} } });\n"
        "let jobs = new Queue('jobs', { redis: redisOpts(REDIS_URL) });\n"
    )
    p = node_app({"bull": "3.7.0", "express": "4"}, {"worker.js": code})
    (f,) = [f for f in p.findings if f.code == "bull-url-no-tls"]
    assert [str(e) for e in f.evidence] == ["worker.js:3"]
    assert "{ redis: { tls: {} } }" in f.suggestion


def test_bullmq_and_ioredis_urls_carry_tls(node_app) -> None:
    code = (
        "const { Queue } = require('bullmq');\n"
        "const q = new Queue('work', { connection: new IORedis(process.env.REDIS_URL) });\n"
    )
    p = node_app({"bullmq": "5", "ioredis": "5"}, {"worker.js": code})
    assert not [f for f in p.findings if f.code == "bull-url-no-tls"]


@pytest.mark.parametrize(
    ("options", "found"),
    [
        ("type: 'postgres',\n  host: 'db',\n  port: 5432,", ["db/typeorm.ts:3"]),
        (
            "type: 'postgres',\n  host: process.env.DB_HOST,\n  database: 'mydatabase',",
            ["db/typeorm.ts:4"],
        ),
        ("type: 'postgres',\n  host: process.env.DB_HOST || 'localhost',", []),
        ("type: 'postgres',\n  url: process.env.DATABASE_URL,", []),
    ],
)
def test_a_database_host_written_in_the_orm_options(
    node_app, options: str, found: list[str]
) -> None:
    """`host: 'db'` (the compose service): the task's DB_HOST never reaches the app."""
    code = f"export default TypeOrmModule.forRoot({{\n  {options}\n}});\n"
    p = node_app({"@nestjs/typeorm": "10", "typeorm": "0.3", "pg": "8"}, {"db/typeorm.ts": code})
    hits = [f for f in p.findings if f.code == "db-host-literal"]
    assert [str(e) for f in hits for e in f.evidence] == found


@pytest.mark.parametrize(("pin", "found"), [("0.4.5", True), ("0.5.0", False)])
def test_django_environ_too_old_for_rediss_is_a_blocker(scan_files, pin, found) -> None:
    """django-environ 0.4 maps cache schemes without `rediss`: `env.cache('REDIS_URL')` given
    the TLS URL stops the settings import with KeyError: 'rediss'."""
    p = scan_files(
        {
            "requirements.txt": f"django\nredis==3.5.3\ndjango-redis\ndjango-environ=={pin}\n",
            "manage.py": "",
            "shop/settings.py": "import environ\nenv = environ.Env()\n"
            "CACHES = {'default': env.cache('REDIS_URL')}\n",
        }
    )
    hit = next((f for f in p.findings if f.code == "cache-url-rediss-old-environ"), None)
    assert (hit is not None) == found
    if hit:
        assert hit.severity == "blocker"
        assert {str(e) for e in hit.evidence} == {"requirements.txt:4", "shop/settings.py:3"}


def test_a_driver_s_connection_settings_written_in_a_module_of_their_own(node_app) -> None:
    """`module.exports = { HOST: "localhost", USER: ..., DB: "shop" }` for mysql.createPool:
    no variable of the task's reaches the driver."""
    config = 'module.exports = {\n  HOST: "localhost",\n  USER: "root",\n  DB: "shop"\n};\n'
    pool = "const c = require('./config');\nmysql.createPool({ host: c.HOST, user: c.USER });\n"
    p = node_app({"express": "4", "mysql": "2"}, {"config/db.js": config, "db.js": pool})
    hits = [f for f in p.findings if f.code == "db-host-literal"]
    assert [str(e) for f in hits for e in f.evidence] == ["config/db.js:2", "config/db.js:4"]
    assert "HOST 'localhost'" in hits[0].title and "DB 'shop'" in hits[0].title
