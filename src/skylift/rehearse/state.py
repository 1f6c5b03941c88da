"""What runs in the rehearsal, kept in `.skylift/up/local/app/state.json` (names, pids, ports,
fingerprints; never a value of the environment) so that a second `up` can reuse a healthy app
and `skylift down` / `skylift status` find everything."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from skylift.workdir import make_dirs


@dataclass
class Service:
    name: str
    kind: str  # web | worker | schedule | release
    container: str
    state: str  # running | exited | stopped | failed | unhealthy | healthy
    exit_code: int | None = None
    pid: int | None = None
    log: str = ""
    fingerprint: str = ""  # image id + argv + environment (hashed): restart when it changes
    rewritten: list[str] = field(default_factory=list)
    memory: str = ""
    user: str = ""
    notes: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)  # a one-off task's last log lines


@dataclass
class AppState:
    engine: str = ""
    prefix: str = ""  # of the containers' names: skylift-<app>-<hash of the app's path>
    image: str = ""
    image_id: str = ""
    url: str = ""
    health_path: str = "/"
    healthy: bool = False
    lb: dict[str, Any] = field(default_factory=dict)  # pid, port, upstream, status file
    findings: list[str] = field(default_factory=list)  # the plan's open code changes
    services: list[Service] = field(default_factory=list)

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def put(self, svc: Service) -> None:
        self.services = [s for s in self.services if s.name != svc.name] + [svc]


def folder(state_dir: Path) -> Path:
    return state_dir / "app"


def load(state_dir: Path) -> AppState:
    path = folder(state_dir) / "state.json"
    if not path.is_file():
        return AppState()
    data = json.loads(path.read_text())
    services = [Service(**s) for s in data.pop("services", [])]
    return AppState(**data, services=services)


def save(state_dir: Path, st: AppState) -> None:
    make_dirs(folder(state_dir))
    path = folder(state_dir) / "state.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(st), indent=1))
    tmp.replace(path)
