"""The shop's web server: /health checks the database and the cache; /products reads the
migrated data; /events shows what the release step, the worker and the schedule wrote."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app import _pg, _redis


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        try:
            if self.path == "/health":
                db = _pg.connect()
                db.query("SELECT 1")
                db.close()
                _redis.connect().call("PING")
                self._send(200, {"status": "ok"})
            elif self.path == "/products":
                db = _pg.connect()
                rows = db.query("SELECT id, name, price_cents FROM products ORDER BY id")
                db.close()
                self._send(
                    200, [{"id": int(i), "name": n, "price_cents": int(p)} for i, n, p in rows]
                )
            elif self.path == "/events":
                db = _pg.connect()
                kinds = [k for (k,) in db.query("SELECT kind FROM events ORDER BY id")]
                db.close()
                seen = _redis.connect().call("GET", "shop:worker")
                self._send(200, {"events": kinds, "worker_in_cache": seen})
            elif self.path == "/":
                self._send(200, {"greeting": os.environ.get("SHOP_GREETING", "")})
            else:
                self._send(404, {"error": "not found"})
        except Exception as exc:  # the load balancer sees a 500, the log says why
            print(f"error on {self.path}: {exc!r}", flush=True)
            self._send(500, {"error": str(exc)})

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"shop listening on {port} as uid {os.getuid()}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
