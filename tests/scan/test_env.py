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
