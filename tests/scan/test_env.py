"""Environment variables: where they are declared and read, secret or config, never a secret's value."""

from __future__ import annotations

import json

import pytest

from skylift.scan.env import classify

PKG = json.dumps({"name": "app", "dependencies": {"express": "4"}})


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("JWT_SECRET", "secret"),
        ("DB_PASSWORD", "secret"),
        ("SMTP_PASS", "secret"),
        ("GITHUB_TOKENS", "secret"),
        ("OPENAI_API_KEY", "secret"),
        ("DATABASE_URL", "secret"),
        ("AWS_ACCESS_KEY_ID", "secret"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("STRIPE_PUBLISHABLE_KEY", "config"),
        ("NEXT_PUBLIC_APP_NAME", "config"),
        ("GITHUB_CLIENT_ID", "config"),
        ("PORT", "config"),
        ("DB_HOST", "config"),
        ("FRONTEND_URL", "config"),
    ],
)
def test_classify(name, kind) -> None:
    assert classify(name) == kind


def test_env_example_lines_and_values(scan_files) -> None:
    p = scan_files(
        {
            "package.json": PKG,
            ".env.example": "# comment\nPORT=3000\nJWT_SECRET=supersecretvalue\nEMPTY=\n",
        }
    )
    got = {e.name: (e.kind, e.example, str(e.evidence[0])) for e in p.env}
    assert got == {
        "PORT": ("config", "3000", ".env.example:2"),
        "JWT_SECRET": ("secret", None, ".env.example:3"),
        "EMPTY": ("config", None, ".env.example:4"),
    }


def test_secret_values_never_reach_the_profile(scan_files) -> None:
    p = scan_files(
        {
            "package.json": PKG,
            ".env.sample": "DATABASE_URL=postgres://u:hunter2hunter2@db:5432/x\n",
            ".env": "API_TOKEN=tok_live_abcdef123456\n",
            "server.js": "const k = process.env.API_TOKEN || 'tok_fallback_9876543';\n",
        }
    )
    dumped = json.dumps(p.as_dict())
    for value in ("hunter2hunter2", "tok_live_abcdef123456", "tok_fallback_9876543"):
        assert value not in dumped


def test_code_references_with_lines(scan_files) -> None:
    p = scan_files(
        {
            "package.json": PKG,
            "a.js": "x\nconst u = process.env.REDIS_HOST;\nconst k = process.env['S3_BUCKET'];\n",
        }
    )
    assert [(e.name, str(e.evidence[0])) for e in p.env] == [
        ("REDIS_HOST", "a.js:2"),
        ("S3_BUCKET", "a.js:3"),
    ]


def test_compose_environment_of_the_app_service_only(scan_files) -> None:
    compose = "services:\n  api:\n    build: .\n    environment:\n      - LOG_LEVEL=debug\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: pw\n"
    p = scan_files({"package.json": PKG, "docker-compose.yml": compose})
    assert [(e.name, e.example) for e in p.env] == [("LOG_LEVEL", "debug")]


def test_unrecognised_name_is_config_with_medium_confidence(scan_files) -> None:
    p = scan_files({"package.json": PKG, ".env.example": "FLUX_CAPACITOR=1.21\nLOG_LEVEL=info\n"})
    assert [(e.name, e.kind, e.confidence) for e in p.env] == [
        ("FLUX_CAPACITOR", "config", "medium"),
        ("LOG_LEVEL", "config", "high"),
    ]


def test_env_files_follow_dotenv_rules(scan_files) -> None:
    """A `#` inside quotes and a quoted multi-line value: dotenv's rules, not line splitting."""
    p = scan_files(
        {
            "package.json": PKG,
            ".env.example": 'GREETING="hello # world" # a comment\n'
            'CERT="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"\n'
            "AFTER=1\n",
        }
    )
    got = {e.name: (e.example, str(e.evidence[0])) for e in p.env}
    assert got["GREETING"] == ("hello # world", ".env.example:1")
    assert got["AFTER"] == ("1", ".env.example:5")  # the PEM's lines are not variables
    assert "MIIB" not in got


def test_unusual_env_file_names_and_their_port(scan_files) -> None:
    p = scan_files(
        {
            "package.json": PKG,
            "config/app.env": "APP_PORT=4100\nLOG_LEVEL=info\n",
            ".env.development": "FEATURE_X=on\n",
            "env.mjs": "export const env = {}\n",  # code, not an env file
        }
    )
    assert {e.name for e in p.env} == {"APP_PORT", "LOG_LEVEL", "FEATURE_X"}
    assert (p.port.value, str(p.port.evidence[0])) == (4100, "config/app.env:1")


def test_a_random_key_under_a_plain_name_is_a_secret(scan_files) -> None:
    p = scan_files(
        {
            "package.json": PKG,
            ".env.example": "PEPPER=x\nHASH_SALT_VALUE=9fQ2xLk8Zr4mWq7TbN3v\nTHEME=dark-blue\n",
        }
    )
    got = {e.name: (e.kind, e.example) for e in p.env}
    assert got == {
        "PEPPER": ("secret", None),
        "HASH_SALT_VALUE": ("secret", None),
        "THEME": ("config", "dark-blue"),
    }


@pytest.mark.parametrize(
    "name",
    ["ACCESS_TOKEN_EXPIRE_MINUTES", "JWT_TOKEN_PREFIX", "PASSWORD_MIN_LENGTH", "SECRET_HEADER"],
)
def test_labels_about_secrets_are_config(name) -> None:
    assert classify(name) == "config"


def test_pydantic_settings_fields_are_env_vars(scan_files) -> None:
    settings = (
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n\n"
        "class Base(BaseSettings):\n"
        "    model_config = SettingsConfigDict(env_prefix='SHOP_')\n"
        "    database_url: str\n\n"
        "class Settings(Base):\n"
        "    redis_addr: str = 'localhost:6379'\n"
        "    api_key: str = Field(..., validation_alias='PAYMENTS_KEY')\n\n"
        "    @property\n"
        "    def dsn(self) -> str:\n"
        "        x: int = 1\n"
        "        return self.database_url\n"
    )
    p = scan_files({"requirements.txt": "fastapi\npydantic-settings\n", "shop/config.py": settings})
    got = {e.name: (e.kind, str(e.evidence[0]), e.read_in_code) for e in p.env}
    assert got == {
        "SHOP_DATABASE_URL": ("secret", "shop/config.py:5", True),
        "SHOP_REDIS_ADDR": ("config", "shop/config.py:8", True),
        "PAYMENTS_KEY": ("secret", "shop/config.py:9", True),
    }


def test_nest_config_service_keys_and_joi_schema(node_app) -> None:
    main = (
        "const host = this.configService.get<string>('database_host');\n"
        "const port = config.getOrThrow('PORT');\n"
        "const nested = config.get('mail.from');\n"
        "export const schema = Joi.object({\n  JWT_SECRET: Joi.string().required(),\n});\n"
    )
    p = node_app({"@nestjs/core": "10", "@nestjs/config": "3"}, {"src/main.ts": main})
    assert {e.name for e in p.env} == {"database_host", "PORT", "JWT_SECRET"}


def test_nest_config_namespaces_are_not_env_vars(node_app) -> None:
    main = (
        "ConfigModule.forRoot({ load: [config] });\n"
        "const cors = this.configService.get<CorsConfig>('cors');\n"
        "const url = this.configService.get('DATABASE_URL');\n"
    )
    p = node_app({"@nestjs/core": "10", "@nestjs/config": "3"}, {"src/app.module.ts": main})
    assert {e.name for e in p.env} == {"DATABASE_URL"}


def test_go_struct_tags_and_viper_keys(scan_files) -> None:
    code = (
        "package config\n\ntype Config struct {\n"
        '\tAddr string `env:"LISTEN_ADDR" envDefault:":8080"`\n'
        '\tRedis string `envconfig:"REDIS_ADDR"`\n}\n'
        'var token = viper.GetString("API_TOKEN")\nvar x = viper.GetString("db.host")\n'
    )
    p = scan_files({"go.mod": "module x\n\ngo 1.22\n", "config/config.go": code})
    assert {e.name for e in p.env} == {"LISTEN_ADDR", "REDIS_ADDR", "API_TOKEN"}


def test_a_wsgi_environ_key_is_not_an_env_var(scan_files) -> None:
    code = "import os\nauth = request.environ.get('HTTP_AUTHORIZATION')\nk = os.environ.get('SECRET_KEY')\n"
    p = scan_files({"requirements.txt": "flask\n", "app.py": code})
    assert [e.name for e in p.env] == ["SECRET_KEY"]


def test_example_url_shape_keeps_no_credentials(scan_files) -> None:
    p = scan_files(
        {
            "package.json": PKG,
            ".env.example": "DATABASE_URL=postgresql+asyncpg://app:hunter2@localhost:5432/shop?sslmode=disable&password=x\n",
            "prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n',
        }
    )
    (var,) = p.env
    assert var.url == {
        "scheme": "postgresql+asyncpg",
        "host": "localhost",
        "port": "5432",
        "path": "/shop",
        "query": "sslmode=disable",
    }
    assert var.read_in_code  # Prisma's schema reads it
    assert "hunter2" not in json.dumps(p.as_dict())


def test_env_file_references_expand_from_the_file_only(scan_files, monkeypatch) -> None:
    monkeypatch.setenv("HOST_SECRET", "from-skylift-s-own-environment")
    p = scan_files(
        {
            "package.json": PKG,
            ".env.example": "DB_SCHEMA=blog\nDB_HOST=localhost\n"
            "DATABASE_URL=postgresql://u:p@${DB_HOST}:5432/x?schema=${DB_SCHEMA}&sslmode=prefer\n"
            "LABEL=${HOST_SECRET:-none}\nRAW='${DB_HOST}'\n",
        }
    )
    got = {e.name: e for e in p.env}
    assert got["DATABASE_URL"].url == {
        "scheme": "postgresql",
        "host": "localhost",
        "port": "5432",
        "path": "/x",
        "query": "schema=blog&sslmode=prefer",
    }
    assert got["LABEL"].example == "none"
    assert got["RAW"].example == "${DB_HOST}"
