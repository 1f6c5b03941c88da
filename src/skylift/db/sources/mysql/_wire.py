"""Stream a result set's rows straight off the MySQL wire, as raw bytes per field.

PyMySQL parses each row with several Python calls per field (about 10x the cost of the copy
itself). Here PyMySQL sends the query and reads the column definitions; the row packets are then
cut from large socket reads with one loop: each field is its bytes as MySQL's text protocol sends
them (numbers and dates as ASCII text, strings in the connection's utf8mb4) or None for NULL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pymysql import err
from pymysql.connections import MySQLResult
from pymysql.constants import COMMAND

_READ = 1 << 20
_MAX_PACKET = 0xFFFFFF


class _Wire:
    """A byte buffer over the connection's socket file."""

    def __init__(self, rfile: Any) -> None:
        self.rfile = rfile
        self.buf = b""
        self.pos = 0

    def need(self, n: int) -> None:
        """Make sure buf[pos:pos+n] is there."""
        if len(self.buf) - self.pos >= n:
            return
        parts = [self.buf[self.pos :]]
        have = len(parts[0])
        while have < n:
            more = self.rfile.read1(max(_READ, n - have))
            if not more:
                raise err.OperationalError(2013, "Lost connection to MySQL server during query")
            parts.append(more)
            have += len(more)
        self.buf = b"".join(parts)
        self.pos = 0

    def packet(self) -> tuple[bytes, int, int]:
        """(buffer, start, end) of the next packet's payload (joined when split at 16 MB)."""
        self.need(4)
        b, p = self.buf, self.pos
        length = b[p] | b[p + 1] << 8 | b[p + 2] << 16
        self.need(4 + length)
        b, p = self.buf, self.pos
        self.pos = p + 4 + length
        if length < _MAX_PACKET:
            return b, p + 4, p + 4 + length
        chunks = [b[p + 4 : p + 4 + length]]
        while length == _MAX_PACKET:
            more, start, end = self.packet_raw()
            chunks.append(more[start:end])
            length = end - start
        joined = b"".join(chunks)
        return joined, 0, len(joined)

    def packet_raw(self) -> tuple[bytes, int, int]:
        self.need(4)
        b, p = self.buf, self.pos
        length = b[p] | b[p + 1] << 8 | b[p + 2] << 16
        self.need(4 + length)
        b, p = self.buf, self.pos
        self.pos = p + 4 + length
        return b, p + 4, p + 4 + length


def stream(conn: Any, sql: str) -> Iterator[list[bytes | None]]:
    """Rows of `sql` as lists of raw field bytes. Abandoning the iterator closes `conn`."""
    conn._execute_command(COMMAND.COM_QUERY, sql)
    result = MySQLResult(conn)
    result.init_unbuffered_query()
    if not result.unbuffered_active:
        return
    conn._result = result
    ncols = result.field_count
    wire = _Wire(conn._rfile)
    finished = False
    try:
        while True:
            b, p, end = wire.packet()
            first = b[p]
            if first == 0xFE and end - p < 9:
                finished = True
                return
            if first == 0xFF:
                finished = True
                err.raise_mysql_exception(b[p:end])
            row: list[bytes | None] = []
            append = row.append
            for _ in range(ncols):
                n = b[p]
                if n < 251:
                    append(b[p + 1 : p + 1 + n])
                    p += 1 + n
                elif n == 251:
                    append(None)
                    p += 1
                else:
                    size = {252: 2, 253: 3, 254: 8}[n]
                    n = int.from_bytes(b[p + 1 : p + 1 + size], "little")
                    p += 1 + size
                    append(b[p : p + n])
                    p += n
            yield row
    finally:
        result.unbuffered_active = False
        conn._result = None
        if not finished:
            # rows are still on the wire: this connection cannot be used again
            conn._force_close()


def stream_single(conn: Any, sql: str) -> Iterator[bytes | None]:
    """The values of a one-column result (the fast path's joined rows): one tight loop."""
    conn._execute_command(COMMAND.COM_QUERY, sql)
    result = MySQLResult(conn)
    result.init_unbuffered_query()
    if not result.unbuffered_active:
        return
    conn._result = result
    wire = _Wire(conn._rfile)
    finished = False
    try:
        while True:
            buf, pos = wire.buf, wire.pos
            avail = len(buf)
            # every complete, small (< 16 MB, 1-byte or 2-byte length) packet in the buffer
            while pos + 4 <= avail:
                length = buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16
                end = pos + 4 + length
                if end > avail or length >= _MAX_PACKET:
                    break
                n = buf[pos + 4]
                if n < 251:
                    yield buf[pos + 5 : pos + 5 + n]
                elif n == 251:
                    yield None
                elif n == 252:
                    yield buf[pos + 7 : end]
                else:
                    break  # EOF, error, or a 3/8-byte length: the general path below
                pos = end
            wire.pos = pos
            b, p, end = wire.packet()
            first = b[p]
            if first == 0xFE and end - p < 9:
                finished = True
                return
            if first == 0xFF:
                finished = True
                err.raise_mysql_exception(b[p:end])
            size = {252: 2, 253: 3, 254: 8}.get(first, 0)
            if first == 251:
                yield None
            elif size:
                yield b[p + 1 + size : end]
            else:
                yield b[p + 1 : end]
    finally:
        result.unbuffered_active = False
        conn._result = None
        if not finished:
            conn._force_close()
