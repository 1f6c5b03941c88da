"""The nginx forwarder skylift writes for the old host, run by a real nginx: every request, a
write included, reaches the load balancer (here a local HTTP server standing in for it) with
the domain as its Host, the client's address forwarded, the body intact."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from skylift.cloud._net import free_port
from skylift.cutover.forward import nginx_snippet

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (apt-get install nginx-light)"
)


class _Balancer(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append({"method": self.command, "path": self.path, "host": self.headers["Host"],
                          "forwarded_for": self.headers.get("X-Forwarded-For"), "body": body})  # fmt: skip
        self.send_response(201 if self.command == "POST" else 200)
        self.end_headers()
        self.wfile.write(b"answered by the load balancer")

    do_GET = do_POST = _answer

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def balancer() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Balancer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def old_host(tmp_path: Path, balancer: int) -> Iterator[int]:
    """The old host's nginx with skylift's `location /` in place of the app's."""
    port = free_port()
    snippet = nginx_snippet("app.example.com", f"127.0.0.1:{balancer}", https=False)
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""daemon off; user root; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;
events {{}}
http {{
  access_log off; client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
  fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
  server {{
    listen 127.0.0.1:{port};
    server_name app.example.com;
{snippet}
  }}
}}
""")
    assert subprocess.run([str(NGINX), "-t", "-c", str(conf), "-p", str(tmp_path)],
                          capture_output=True, text=True).returncode == 0  # fmt: skip
    proc = subprocess.Popen([str(NGINX), "-c", str(conf), "-p", str(tmp_path)])
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(10)


def test_the_old_hosts_nginx_forwards_every_request_to_the_load_balancer(old_host: int) -> None:
    _Balancer.seen.clear()
    get = urllib.request.Request(f"http://127.0.0.1:{old_host}/items?household=3",
                                 headers={"Host": "app.example.com"})  # fmt: skip
    with urllib.request.urlopen(get, timeout=5) as resp:
        assert resp.read() == b"answered by the load balancer"
    write = urllib.request.Request(f"http://127.0.0.1:{old_host}/items", method="POST",
                                   data=b'{"name": "milk"}',
                                   headers={"Host": "app.example.com",
                                            "Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(write, timeout=5) as resp:
        assert resp.status == 201
    requests = [s for s in _Balancer.seen if s["path"] != "/"]
    assert [(s["method"], s["path"]) for s in requests] == [
        ("GET", "/items?household=3"), ("POST", "/items")]  # fmt: skip
    assert all(s["host"] == "app.example.com" and s["forwarded_for"] for s in requests)
    assert requests[1]["body"] == b'{"name": "milk"}'
