"""The load balancer stand-in: a small HTTP reverse proxy on a free port of 127.0.0.1 in front
of the web service, health-checking it as the target group does (path, matcher, timeout,
healthy and unhealthy thresholds; the interval shortened for the rehearsal).

It runs as its own background process (`python -m skylift.rehearse.lb CONFIG`) until
`skylift down`, and writes its judgement to a status file after every check:
{"state": "initial" | "healthy" | "unhealthy", "checks": [{"at", "status" | "error"}...]}.
Like an ALB whose targets are all unhealthy, it still forwards requests (fail open). It reaches
the app at the machine's own address, not 127.0.0.1, as the ALB reaches a task at its ENI's
address: an app that listens on localhost only fails here as it would on Fargate.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}
KEEP_CHECKS = 20


def matches(matcher: str, status: int) -> bool:
    """An ALB matcher: "200", "200,302", "200-399"."""
    for part in matcher.replace(" ", "").split(","):
        low, _, high = part.partition("-")
        if low.isdigit() and int(low) <= status <= int(high or low):
            return True
    return False


class Judge:
    """The target group's state machine: `healthy` consecutive passes make a target healthy,
    `unhealthy` consecutive failures unhealthy."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        self.state = "initial"
        self.passes = self.fails = 0
        self.checks: list[dict[str, Any]] = []

    def reset(self) -> None:
        """A new target: its judgement starts over (SIGHUP from `skylift up`)."""
        self.state, self.passes, self.fails, self.checks = "initial", 0, 0, []
        self.write()

    def check(self) -> None:
        h = self.cfg["health"]
        entry: dict[str, Any] = {"at": time.strftime("%H:%M:%S")}
        ok = False
        try:
            conn = http.client.HTTPConnection(
                self.cfg["upstream_host"], self.cfg["upstream"], timeout=h["timeout"]
            )
            conn.request("GET", h["path"], headers={"User-Agent": "ELB-HealthChecker/2.0"})
            status = conn.getresponse().status
            conn.close()
            entry["status"] = status
            ok = matches(h["matcher"], status)
        except (OSError, http.client.HTTPException) as exc:
            entry["error"] = type(exc).__name__ + (f": {exc}" if str(exc) else "")
        self.passes, self.fails = (self.passes + 1, 0) if ok else (0, self.fails + 1)
        if self.passes >= h["healthy"]:
            self.state = "healthy"
        elif self.fails >= h["unhealthy"]:
            self.state = "unhealthy"
        self.checks = [*self.checks, entry][-KEEP_CHECKS:]
        self.write()

    def write(self) -> None:
        path = Path(self.cfg["status"])
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"state": self.state, "checks": self.checks, "pid": os.getpid()}))
        tmp.replace(path)


def handler(host: str, upstream: int, listen: int) -> type[BaseHTTPRequestHandler]:
    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            headers["X-Forwarded-For"] = self.client_address[0]
            headers["X-Forwarded-Proto"] = "http"
            headers["X-Forwarded-Port"] = str(listen)
            try:
                conn = http.client.HTTPConnection(host, upstream, timeout=60)
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                self._reply(502, b"502 Bad Gateway\n", [("Content-Type", "text/plain")])
                return
            kept = [
                (k, v) for k, v in resp.getheaders() if k.lower() not in HOP | {"content-length"}
            ]
            self._reply(resp.status, data, kept)
            conn.close()

        def _reply(self, status: int, data: bytes, headers: list[tuple[str, str]]) -> None:
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write(f"{self.log_date_time_string()} {format % args}\n")

    return Proxy


def serve(cfg: dict[str, Any]) -> None:
    judge = Judge(cfg)
    judge.write()
    signal.signal(signal.SIGHUP, lambda *_: judge.reset())
    server = ThreadingHTTPServer(
        ("127.0.0.1", cfg["listen"]), handler(cfg["upstream_host"], cfg["upstream"], cfg["listen"])
    )

    def loop() -> None:
        while True:
            judge.check()
            time.sleep(cfg["health"]["interval"])

    threading.Thread(target=loop, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    serve(json.loads(Path(sys.argv[1]).read_text()))
