"""The two places a task's environment must differ on this machine: the database endpoint
(moto's RDS has an address nothing listens on: the embedded PostgreSQL holding the migrated
data stands in for it) and the cache endpoint (a local redis-server on a free port). Only the
host and port are rewritten, in every value that carries them; user, password, database name,
scheme and query stay as the task definition says. The names rewritten are reported."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Endpoint:
    host: str
    port: int


@dataclass
class Rewrite:
    """from -> to, per kind ('db', 'cache')."""

    moves: dict[str, tuple[Endpoint, Endpoint]] = field(default_factory=dict)

    def add(self, kind: str, old: Endpoint, new: Endpoint) -> None:
        self.moves[kind] = (old, new)

    def apply(self, env: dict[str, str]) -> tuple[dict[str, str], list[str]]:
        """(the environment with the endpoints moved, the names of the values changed)."""
        out, changed = dict(env), []
        for name, value in env.items():
            new = value
            for kind, (old, to) in self.moves.items():
                new = _move(name, new, kind, old, to)
            if new != value:
                out[name] = new
                changed.append(name)
        return out, sorted(changed)


_PORT_NAME = {
    "db": re.compile(r"(?:^|_)(?:DB|DATABASE|PG|POSTGRES(?:QL)?|RDS|SQL)\w*PORT$|^PGPORT$"),
    "cache": re.compile(r"(?:^|_)(?:CACHE|REDIS|VALKEY|ELASTICACHE)\w*PORT$"),
}
_HOST_NAME = {
    "db": re.compile(
        r"(?:DB|DATABASE|PG|POSTGRES(?:QL)?|RDS|SQL)\w*(?:HOST|ADDR|ADDRESS|ENDPOINT)$"
    ),
    "cache": re.compile(r"(?:CACHE|REDIS|VALKEY|ELASTICACHE)\w*(?:HOST|ADDR|ADDRESS|ENDPOINT)$"),
}


def _move(name: str, value: str, kind: str, old: Endpoint, to: Endpoint) -> str:
    upper = name.upper()
    if value == str(old.port) and _PORT_NAME[kind].search(upper):
        return str(to.port)
    pair = f"{old.host}:{old.port}"
    if pair in value:  # a URL or host:port: both parts at once
        return value.replace(pair, f"{to.host}:{to.port}")
    if (
        value == old.host
        and (old.host != to.host)
        and (_HOST_NAME[kind].search(upper) or old.host not in ("127.0.0.1", "localhost"))
    ):
        return to.host
    if old.host not in ("127.0.0.1", "localhost") and f"@{old.host}/" in value:
        return value.replace(f"@{old.host}/", f"@{to.host}:{to.port}/")  # URL without a port
    return value
