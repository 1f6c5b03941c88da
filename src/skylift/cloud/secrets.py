"""The app's secrets, from its .env (or a prompt) straight into SSM Parameter Store.

Values go from the file to the SSM API and nowhere else: not into Terraform (the task definition
references parameters by ARN), not into logs, reports or the journal, which record names only.
"""

from __future__ import annotations

import secrets as _random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from skylift.errors import InfraError

REDIS_TOKEN = "REDIS_AUTH_TOKEN"


@dataclass
class SecretsReport:
    stored: list[str] = field(default_factory=list)  # written (new or changed)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # expected, found nowhere

    @property
    def names(self) -> list[str]:
        return sorted(self.stored + self.unchanged)


def read_env_file(path: Path) -> dict[str, str]:
    """A .env file read by dotenv's rules (python-dotenv): quotes, `# comments` outside them,
    `export`, multi-line quoted values (PEM keys), `\\n` and `\\"` escapes, `${VAR}` expansion.
    A name without `=` has no value and is left out."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", errors="replace") as fh:
        values = dotenv_values(stream=fh, interpolate=True)
    return {k: v for k, v in values.items() if v is not None}


def _put(ssm: Any, name: str, value: str, report: SecretsReport, label: str) -> None:
    try:
        current = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        current = None
    if current == value:
        report.unchanged.append(label)
        return
    ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True, Tier="Standard")
    report.stored.append(label)


def store(
    session: Any,
    prefix: str,
    names: Iterable[str],
    env_file: Path,
    ask: Callable[[str], str | None] | None = None,
) -> SecretsReport:
    """Store each named secret under `prefix` (e.g. /app/prod) as an SSM SecureString."""
    values = read_env_file(env_file)
    ssm = session.client("ssm")
    report = SecretsReport()
    try:
        for name in sorted(set(names)):
            value = values.get(name)
            if value is None and ask is not None:
                value = ask(name)
            if not value:
                report.missing.append(name)
                continue
            _put(ssm, f"{prefix}/{name}", value, report, name)
    except Exception as exc:  # botocore errors: say which step, never which value
        raise InfraError(
            "storing the app's secrets in SSM failed",
            type(exc).__name__ + ": " + str(exc)[:300],
            "check the credentials and rerun",
        ) from None
    return report


def ensure_redis_token(
    session: Any, prefix: str, replication_group: str | None, report: SecretsReport
) -> None:
    """Create the cache's AUTH token once, keep it in SSM, and set it on the cache directly
    (the ElastiCache API, not Terraform: the token never enters Terraform state)."""
    ssm = session.client("ssm")
    name = f"{prefix}/{REDIS_TOKEN}"
    try:
        ssm.get_parameter(Name=name, WithDecryption=False)
        report.unchanged.append(REDIS_TOKEN)
        return
    except ssm.exceptions.ParameterNotFound:
        pass
    token = _random.token_urlsafe(48)[:64]  # ElastiCache: 16-128 printable chars, no @"/
    ssm.put_parameter(Name=name, Value=token, Type="SecureString", Tier="Standard")
    report.stored.append(REDIS_TOKEN)
    if replication_group:
        session.client("elasticache").modify_replication_group(
            ReplicationGroupId=replication_group,
            AuthToken=token,
            AuthTokenUpdateStrategy="ROTATE",
            ApplyImmediately=True,
        )
