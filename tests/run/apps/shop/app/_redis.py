"""A Redis client in the standard library (RESP2, TLS for rediss://, AUTH)."""

import os
import socket
import ssl
from urllib.parse import unquote, urlsplit


class Redis:
    def __init__(self, url: str) -> None:
        u = urlsplit(url)
        sock = socket.create_connection((u.hostname, u.port or 6379), timeout=10)
        if u.scheme == "rediss":  # verified against the system's CAs, as ElastiCache's are
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=u.hostname)
        self.sock, self.buf = sock, b""
        if u.password:
            self.call("AUTH", unquote(u.password))

    def call(self, *args: str) -> object:
        out = f"*{len(args)}\r\n".encode()
        for a in args:
            data = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(data), data)
        self.sock.sendall(out)
        return self._reply()

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self) -> object:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind in (b"+", b":"):
            return rest.decode()
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            while len(self.buf) < size + 2:
                self.buf += self.sock.recv(4096)
            data, self.buf = self.buf[:size], self.buf[size + 2 :]
            return data.decode()
        return [self._reply() for _ in range(int(rest))]


def connect() -> Redis:
    return Redis(os.environ["REDIS_URL"])
