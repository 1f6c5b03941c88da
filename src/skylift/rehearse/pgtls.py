"""RDS's front door, stood in for: the embedded PostgreSQL is built without SSL, while RDS
speaks it and, with rds.force_ssl = 1 (the generated parameter group), refuses connections
without it. This small proxy answers PostgreSQL's SSLRequest with the rehearsal's certificate
and relays the session in clear to the embedded server on 127.0.0.1; with `require`, a
session without SSL gets RDS's refusal, so an app that cannot speak TLS to its database fails
here and not on the day of the cutover.

Run as its own background process: `python -m skylift.rehearse.pgtls CONFIG`.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import ssl
import struct
import sys
import threading
from pathlib import Path
from typing import Any

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104


def _exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def _refuse(sock: socket.socket, message: str) -> None:
    fields = b"SFATAL\0VFATAL\0C28000\0M" + message.encode() + b"\0\0"
    sock.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)


def _relay(a: Any, b: socket.socket) -> None:
    """Copy both ways until one side closes (one thread: an SSL socket is not shared)."""
    while True:
        ready = [a] if getattr(a, "pending", lambda: 0)() else []
        if not ready:
            ready, _, _ = select.select([a, b], [], [], 300)
            if not ready:
                return
        for src in ready:
            data = src.recv(65536)
            if not data:
                return
            (b if src is a else a).sendall(data)


def handle(client: socket.socket, cfg: dict[str, Any], ctx: ssl.SSLContext) -> None:
    conn: Any = client
    try:
        head = _exact(client, 8)
        length, code = struct.unpack("!ii", head)
        if code == GSS_REQUEST and length == 8:
            client.sendall(b"N")
            head = _exact(client, 8)
            length, code = struct.unpack("!ii", head)
        if code == SSL_REQUEST and length == 8:
            client.sendall(b"S")
            conn = ctx.wrap_socket(client, server_side=True)
            head = b""
        elif cfg["require"]:
            _exact(client, length - 8)
            _refuse(client, "no pg_hba.conf entry for host, SSL off (rds.force_ssl = 1: this "
                    "server accepts only SSL connections)")  # fmt: skip
            return
        upstream = socket.create_connection(("127.0.0.1", cfg["upstream"]), timeout=10)
        upstream.settimeout(None)
        if head:
            upstream.sendall(head)
        _relay(conn, upstream)
        upstream.close()
    except (OSError, ConnectionError, ssl.SSLError, struct.error):
        pass
    finally:
        with contextlib.suppress(OSError):
            conn.close()


def serve(cfg: dict[str, Any]) -> None:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cfg["cert"], cfg["key"])
    listener = socket.create_server(("127.0.0.1", cfg["listen"]))
    while True:
        client, _ = listener.accept()
        threading.Thread(target=handle, args=(client, cfg, ctx), daemon=True).start()


if __name__ == "__main__":
    serve(json.loads(Path(sys.argv[1]).read_text()))
