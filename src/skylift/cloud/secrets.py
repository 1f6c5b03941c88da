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
    """KEY=value lines of a .env file (export prefix, quotes and comments allowed)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(errors="replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if value[:1] in ("'", '"') and value.endswith(value[0]) and len(value) > 1:
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


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
