"""Each container's environment, from one source: its task definition on the embedded AWS
(environment as given, secrets resolved from SSM / Secrets Manager as ECS resolves them),
with only the endpoints this machine must move (endpoints.py) and, when the container port
is taken on this machine (every task shares the host's network here, not so on Fargate),
PORT. Every change is reported by name; the values never are."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skylift.cloud._net import free_port
from skylift.rehearse import taskdefs
from skylift.rehearse.endpoints import Rewrite

CA_PATH = "/etc/ssl/certs/ca-certificates.crt"  # where Debian, Alpine and Go look for CAs
# variables an image may set to a CA file of its own: the rehearsal's CA is added there too
CA_VARIABLES = ("SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@dataclass
class Environments:
    ssm: Any
    secretsmanager: Any
    rewrite: Rewrite
    ports: dict[int, int] = field(default_factory=dict)  # container port -> port used here
    bundle: Path | None = None  # the system's CAs + the rehearsal's (certs.bundle)
    added: dict[str, str] = field(default_factory=dict)  # set by the rehearsal, reported
    dotenv: dict[str, str] = field(default_factory=dict)  # build arguments, from .env
    _cache: dict[str, tuple[dict[str, str], list[str]]] = field(default_factory=dict)

    def trust(self, bundle: Path | None) -> None:
        """The cache's TLS certificate is signed by the rehearsal's CA: the containers trust it
        as they trust Amazon's on AWS (the system bundle + that CA, mounted read-only)."""
        if bundle is None:
            return
        self.bundle = bundle
        self.added["NODE_EXTRA_CA_CERTS"] = CA_PATH  # Node reads its own CA list, not the system's

    def volumes(self, image_env: dict[str, str]) -> list[tuple[str, str]]:
        """(host file, container path): the CA bundle where the image looks for CAs."""
        if self.bundle is None:
            return []
        paths = {CA_PATH} | {
            image_env[n] for n in CA_VARIABLES if image_env.get(n, "").startswith("/")
        }
        return [(str(self.bundle), p) for p in sorted(paths)]

    def use_port(self, container_port: int, known: int | None) -> None:
        if known:
            self.ports[container_port] = known
        elif not _free(container_port):
            self.ports[container_port] = free_port()

    def port_of(self, c: taskdefs.Container) -> int | None:
        return self.ports.get(c.port or 0, c.port) if c.port else None

    def for_container(
        self, c: taskdefs.Container, image_env: dict[str, str]
    ) -> tuple[dict[str, str], list[str]]:
        """(environment, names of the values the rehearsal changed or added)."""
        if c.name in self._cache:
            return self._cache[c.name]
        env = {**c.environment, **taskdefs.resolve_secrets(c, self.ssm, self.secretsmanager)}
        env, changed = self.rewrite.apply(env)
        for old, new in self.ports.items():
            if env.get("PORT") == str(old) and old != new:
                env["PORT"] = str(new)
                changed.append("PORT")
        for name, value in self.added.items():
            if name not in env and name not in image_env:
                env[name] = value
                changed.append(name)
        self._cache[c.name] = (env, sorted(set(changed)))
        return self._cache[c.name]


def _free(port: int) -> bool:
    for host in ("0.0.0.0", "127.0.0.1"):
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                return False
    return True


def read_dotenv(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for line in path.read_text(errors="replace").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.removeprefix("export ").split("=", 1)
            out[key.strip()] = value.strip().strip("'\"")
    return out
