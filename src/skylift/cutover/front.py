"""What the generated design serves the app's traffic from: the name the cutover aliases (or
CNAMEs) the domain to, its hosted zone, and the health check made through it.

- compute = "fargate", no edge: the load balancer (alias with EvaluateTargetHealth: Route 53
  leaves it out while its targets are unhealthy);
- compute = "fargate" with CloudFront in front (plan/_edge.py, cdn.tf): the distribution's
  domain name in CloudFront's fixed zone Z2FDTNDATAQYW2. The load balancer accepts only
  CloudFront's addresses then, so neither the domain nor the old host's forwarder may point
  at it; and Route 53 cannot evaluate a distribution's health (the alias says false);
- compute = "lambda": the API Gateway custom domain's regional target name and its zone
  (apigw.tf); there is no load balancer at all.

The health check goes through the front the way a user's request will once DNS points there:
a connection to the front's name, TLS with the domain as SNI and Host (`curl --connect-to`),
so a distribution or API that does not answer for the domain stops the cutover before a
single user is sent there.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from typing import Any

from skylift.errors import CutoverStopped

CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"  # every CloudFront distribution's alias zone
LABELS = {"alb": "the load balancer", "cloudfront": "the CloudFront distribution",
          "apigw": "the API Gateway custom domain"}  # fmt: skip


@dataclass(frozen=True)
class Front:
    dns_name: str
    zone_id: str  # the alias target's hosted zone
    kind: str = "alb"  # alb | cloudfront | apigw
    health_path: str = "/"
    https: bool | None = None  # None: the app's scheme (the load balancer serves HTTP too)
    port: int | None = None  # where it answers; None: 443 with HTTPS, else 80

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, self.kind)

    @property
    def evaluate_health(self) -> bool:
        """Route 53 can evaluate a load balancer's targets, not a distribution or an API."""
        return self.kind == "alb"

    def secure(self, app_https: bool) -> bool:
        """CloudFront redirects HTTP to HTTPS and API Gateway answers HTTPS only."""
        return self.https if self.https is not None else (self.kind != "alb" or app_https)


@dataclass(frozen=True)
class Probe:
    url: str
    status: int | None
    error: str = ""

    @property
    def healthy(self) -> bool:
        return self.status is not None and 200 <= self.status < 400


def resolves(name: str) -> bool:
    try:
        socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    return True


def probe(front: Front, domain: str | None, app_https: bool, timeout: float = 10.0) -> Probe:
    """GET the health path through the front, as the domain (SNI and Host)."""
    https = front.secure(app_https)
    port = front.port or (443 if https else 80)
    host = domain or front.dns_name
    url = f"{'https' if https else 'http'}://{host}{front.health_path} via {front.dns_name}:{port}"
    try:
        with socket.create_connection((front.dns_name, port), timeout=timeout) as raw:
            sock: socket.socket = raw
            if https:
                sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
            request = (f"GET {front.health_path} HTTP/1.1\r\nHost: {host}\r\n"
                       "User-Agent: skylift-cutover\r\nConnection: close\r\n\r\n")  # fmt: skip
            sock.sendall(request.encode())
            line = sock.makefile("rb").readline(1024).decode("latin-1")
    except (OSError, ssl.SSLError) as exc:
        return Probe(url, None, str(exc)[:200])
    parts = line.split()
    if len(parts) < 2 or not parts[1].isdigit():
        return Probe(url, None, f"not an HTTP answer: {line.strip()[:80]!r}")
    return Probe(url, int(parts[1]))


def check(front: Front | None, domain: str | None, app_https: bool, *, local: bool,
          fix: str) -> dict[str, Any]:  # fmt: skip
    """The health path through the front, as the domain: what users get once DNS points
    there; a failing answer stops the cutover. The embedded AWS's fronts have no address:
    not checked there, and said so."""
    if front is None:
        return {}
    where = {"kind": front.kind, "dns_name": front.dns_name}
    if local and not resolves(front.dns_name):
        return {**where, "note": f"{front.label} of the embedded AWS has no address: not checked through it"}  # fmt: skip
    found = probe(front, domain, app_https)
    if not found.healthy:
        raise CutoverStopped(f"{domain or front.dns_name} does not answer through {front.label}"
                             f" ({found.status or found.error}): GET {found.url}",
                             f"users switched to {front.label} would get that answer", fix)  # fmt: skip
    return {**where, "url": found.url, "status": found.status}
