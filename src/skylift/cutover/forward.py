"""While the old host and AWS both take traffic (DNS caches, the stepped weights), only one
database may take writes: after the database cutover the old host's database is frozen, so the
old host must send its requests on to AWS — to the design's front (the load balancer, or
CloudFront, or the API Gateway domain: never around CloudFront, whose load balancer accepts
only CloudFront's addresses). Which way depends on the host:

- a VPS with nginx in front (an nginx/ folder or a *.conf with proxy_pass): a `location /`
  that proxies to the front (as the domain: Host and SNI), replacing the one that proxies to
  the local app;
- Heroku: its router cannot send requests to another host, so the old dynos are given the new
  database instead (`heroku config:set DATABASE_URL=...`, the value referenced, never printed);
- any other host: a one-line TCP forwarder (socat) on the app's port, in place of the app.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_SERVER = re.compile(r"\bserver\s*\{")


@dataclass
class Forwarder:
    kind: str  # nginx | heroku | socat
    why: str
    commands: list[str]  # what to run on (or for) the old host, in order
    undo: list[str]  # what a rollback runs there before the old database takes writes again
    file: str | None = None  # the snippet skylift wrote (nginx)
    text: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def nginx_configs(root: Path) -> list[Path]:
    """The app's nginx site files that proxy to it (what the scan reads too)."""
    found = []
    for path in sorted(root.rglob("*.conf")) + sorted((root / "nginx").glob("*")):
        if ".skylift" in path.parts or "node_modules" in path.parts or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "proxy_pass" in text and _SERVER.search(text) and path not in found:
            found.append(path)
    return found


def nginx_snippet(domain: str | None, lb_dns: str, https: bool,
                  front: str = "the load balancer") -> str:  # fmt: skip
    scheme = "https" if https else "http"
    host = domain or "$host"
    lines = [
        "# skylift cutover: the database moved to AWS; this host forwards every request to",
        f"# {front} ({lb_dns}) until DNS points there everywhere. Replace the `location /` block",
        "# that proxies to the local app by this one, then: sudo nginx -t && sudo nginx -s reload",
        "location / {",
        f"    proxy_pass {scheme}://{lb_dns};",
        f"    proxy_set_header Host {host};",
        "    proxy_set_header X-Real-IP $remote_addr;",
        "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "    proxy_set_header X-Forwarded-Proto $scheme;",
    ]
    if https:
        lines += ["    proxy_ssl_server_name on;", f"    proxy_ssl_name {host};"]
    return "\n".join([*lines, "}", ""])


def decide(host: str, nginx_site: str | None) -> tuple[str, str]:
    """Which forwarder the old host gets, and why (the plan document says the same)."""
    if host == "heroku":
        return "heroku", (
            "Heroku's router cannot send requests to another host, so the old dynos keep "
            "serving and are given the new database (DATABASE_URL): one database takes "
            "writes, whichever stack answers"
        )
    if nginx_site:
        return "nginx", (
            f"the old host runs nginx in front of the app ({nginx_site}): nginx forwards to the "
            "load balancer after a config reload, no request dropped, and the old app stops "
            "taking writes its frozen database would refuse"
        )
    return "socat", (
        "no reverse proxy was found in front of the app: a one-line TCP forwarder on the app's "
        "port sends every connection to the load balancer once the app is stopped"
    )


def choose(root: Path, *, host: str, app: str, port: int, domain: str | None, lb_dns: str,
           https: bool, out_dir: Path, front: str = "the load balancer") -> Forwarder:  # fmt: skip
    """The forwarder the plan chose for this app, its files written under `out_dir`."""
    configs = nginx_configs(root) if host != "heroku" else []
    site = str(configs[0].relative_to(root)) if configs else None
    kind, why = decide(host, site)
    if kind == "heroku":
        return _heroku(app, why)
    if kind == "nginx":
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "old-host-nginx.conf"
        text = nginx_snippet(domain, lb_dns, https, front)
        path.write_text(text, encoding="utf-8")
        reload = "sudo nginx -t && sudo nginx -s reload"
        return Forwarder(
            "nginx", why,
            [f"copy {path} over the `location /` block of {site} on the old host", reload],
            [f"put back the `location /` block of {site} (proxy_pass to the app)", reload],
            file=str(path), text=text,
        )  # fmt: skip
    line = f"socat TCP-LISTEN:{port},fork,reuseaddr TCP:{lb_dns}:{443 if https else 80}"
    return Forwarder(
        "socat", why,
        [f"stop the app on the old host (it would write to its frozen database), then: {line}"],
        ["stop the socat forwarder, start the app again"],
        text=line,
    )  # fmt: skip


def _heroku(app: str, why: str) -> Forwarder:
    set_url = f'heroku config:set -a {app} DATABASE_URL="$SKYLIFT_TARGET_DATABASE_URL"'
    return Forwarder(
        "heroku",
        why,
        [set_url],
        [
            f'heroku config:set -a {app} DATABASE_URL="$OLD_DATABASE_URL" (the value `heroku '
            "config:get DATABASE_URL` printed before the cutover, kept outside any file)"
        ],
        text=set_url,
        notes=[
            "SKYLIFT_TARGET_DATABASE_URL is the new database's URL in your shell (RDS's master "
            "password is in Secrets Manager: output db_password_secret_arn); it is referenced, "
            "never written by skylift",
            "the dynos must reach RDS during the cutover (RDS is private: a Heroku Private Space "
            "peering, or an RDS proxy reachable with TLS)",
        ],
    )
