"""Secrets go from .env to SSM SecureString; reports carry names, never values."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from skylift.cloud import moto_server, secrets


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    state = tmp_path_factory.mktemp("moto")
    server = moto_server.start(state)

    class _Session:
        def client(self, service: str) -> object:
            return boto3.client(
                service,
                endpoint_url=server.url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )

    yield _Session()
    moto_server.stop(state)


def test_read_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# c\nexport A=1\nB=\"two words\"\nC='x#y'\nD=val # note\n\nbroken\n")
    assert secrets.read_env_file(env) == {"A": "1", "B": "two words", "C": "x#y", "D": "val"}


def test_read_env_file_follows_dotenv_rules(tmp_path: Path) -> None:
    """What a hand-rolled parser got wrong: a `#` inside quotes, a PEM key over several lines,
    escapes inside double quotes, and `${VAR}` expansion as dotenv and compose do it."""
    env = tmp_path / ".env"
    env.write_text(
        'PEPPER="x # y" # the comment\n'
        'PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"\n'
        'ESCAPED="line1\\nline2 \\"q\\""\n'
        "LITERAL='a\\nb $HOME'\n"
        "USER=app\nURL=postgres://${USER}@db/x\nNOVALUE\n"
    )
    assert secrets.read_env_file(env) == {
        "PEPPER": "x # y",
        "PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
        "ESCAPED": 'line1\nline2 "q"',
        "LITERAL": "a\\nb $HOME",
        "USER": "app",
        "URL": "postgres://app@db/x",
    }


def test_store_is_idempotent_and_names_only(session: object, tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("JWT_SECRET=hunter2-value\nAPI_KEY=k-123\n")
    first = secrets.store(session, "/app/prod", ["JWT_SECRET", "API_KEY", "SMTP_PASS"], env)
    assert first.stored == ["API_KEY", "JWT_SECRET"] and first.missing == ["SMTP_PASS"]
    assert "hunter2" not in repr(first)
    ssm = session.client("ssm")  # type: ignore[attr-defined]
    param = ssm.get_parameter(Name="/app/prod/JWT_SECRET", WithDecryption=True)["Parameter"]
    assert (param["Type"], param["Value"]) == ("SecureString", "hunter2-value")
    again = secrets.store(session, "/app/prod", ["JWT_SECRET", "API_KEY"], env)
    assert again.stored == [] and again.unchanged == ["API_KEY", "JWT_SECRET"]


def test_prompt_for_missing(session: object, tmp_path: Path) -> None:
    report = secrets.store(
        session, "/p/dev", ["TOKEN"], tmp_path / "none.env", ask=lambda name: f"typed-{name}"
    )
    assert report.stored == ["TOKEN"]
