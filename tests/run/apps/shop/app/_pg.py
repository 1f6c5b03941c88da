"""A PostgreSQL client in the standard library (protocol 3, SSL, SCRAM-SHA-256, simple
queries): enough for this test app, so its image needs no package index."""

import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct
from urllib.parse import parse_qs, unquote, urlsplit


class Error(Exception):
    pass


class Connection:
    def __init__(self, url: str) -> None:
        u = urlsplit(url)
        mode = parse_qs(u.query).get("sslmode", [os.environ.get("PGSSLMODE", "prefer")])[0]
        self.sock = socket.create_connection((u.hostname, u.port or 5432), timeout=10)
        if mode in ("require", "verify-ca", "verify-full"):
            self.sock.sendall(struct.pack("!ii", 8, 80877103))
            if self.sock.recv(1) != b"S":
                raise Error("the server does not accept SSL (sslmode=require)")
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # what require means
            self.sock = ctx.wrap_socket(self.sock)
        self.user, self.password = unquote(u.username or ""), unquote(u.password or "")
        params = b"user\0" + self.user.encode() + b"\0database\0" + u.path[1:].encode() + b"\0\0"
        self.sock.sendall(struct.pack("!ii", 8 + len(params), 196608) + params)
        self._auth()

    def _read(self) -> tuple[bytes, bytes]:
        head = self._exact(5)
        return head[:1], self._exact(struct.unpack("!i", head[1:])[0] - 4)

    def _exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise Error("connection closed")
            buf += chunk
        return buf

    def _send(self, kind: bytes, body: bytes) -> None:
        self.sock.sendall(kind + struct.pack("!i", len(body) + 4) + body)

    def _auth(self) -> None:
        nonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = f"n=,r={nonce}"
        while True:
            kind, body = self._read()
            if kind == b"E":
                raise Error(_message(body))
            if kind == b"Z":
                return
            if kind != b"R":
                continue
            code = struct.unpack("!i", body[:4])[0]
            if code == 10:  # SASL: start SCRAM-SHA-256
                msg = ("n,," + first_bare).encode()
                self._send(b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(msg)) + msg)
            elif code == 11:
                server_first = body[4:].decode()
                attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
                salted = hashlib.pbkdf2_hmac(
                    "sha256", self.password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"])
                )
                key = hmac.new(salted, b"Client Key", "sha256").digest()
                final_bare = f"c=biws,r={attrs['r']}"
                auth = f"{first_bare},{server_first},{final_bare}".encode()
                sig = hmac.new(hashlib.sha256(key).digest(), auth, "sha256").digest()
                proof = base64.b64encode(
                    bytes(a ^ b for a, b in zip(key, sig, strict=False))
                ).decode()
                self._send(b"p", f"{final_bare},p={proof}".encode())
            elif code == 3:  # cleartext
                self._send(b"p", self.password.encode() + b"\0")
            elif code not in (0, 12):
                raise Error(f"unsupported authentication method {code}")

    def query(self, sql: str) -> list[tuple[str | None, ...]]:
        self._send(b"Q", sql.encode() + b"\0")
        rows, error = [], None
        while True:
            kind, body = self._read()
            if kind == b"D":
                n, pos, row = struct.unpack("!h", body[:2])[0], 2, []
                for _ in range(n):
                    size = struct.unpack("!i", body[pos : pos + 4])[0]
                    pos += 4
                    row.append(None if size < 0 else body[pos : pos + size].decode())
                    pos += max(size, 0)
                rows.append(tuple(row))
            elif kind == b"E":
                error = _message(body)
            elif kind == b"Z":
                if error:
                    raise Error(error)
                return rows

    def close(self) -> None:
        self._send(b"X", b"")
        self.sock.close()


def _message(body: bytes) -> str:
    fields = {f[:1]: f[1:].decode() for f in body.split(b"\0") if f}
    return fields.get(b"M", "error")


def connect() -> Connection:
    return Connection(os.environ["DATABASE_URL"])
