"""pgoutput's messages (protocol version 1), read from `pg_logical_slot_peek_binary_changes`.

One message a row: Begin, Relation, Insert, Update, Delete, Truncate, Commit (Origin and Type
are read past). Only what the capture needs is kept: each committed transaction's id, end
position and commit time, and for each row change the relation and the text of its old and new
tuples (None for a NULL, UNCHANGED for a TOASTed value the message leaves out). Values stay
PostgreSQL's text: the capture turns the keys into their JSON form with the server's own casts.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

EPOCH_2000 = 946_684_800  # PostgreSQL timestamps count microseconds from 2000-01-01 UTC
UNCHANGED = object()  # a TOASTed value an update did not touch (pgoutput sends 'u')


@dataclass(frozen=True)
class Column:
    name: str
    type_oid: int
    typmod: int
    key: bool  # part of the replica identity


@dataclass(frozen=True)
class Relation:
    oid: int
    namespace: str
    name: str
    identity: str  # relreplident: d(efault), n(othing), f(ull), i(ndex)
    columns: tuple[Column, ...]


Tuple = list[object]  # str | None | UNCHANGED per column


@dataclass
class Change:
    op: str  # I, U, D, T
    relations: list[int]  # the relation (a Truncate: every relation it names)
    old: Tuple | None = None  # Update/Delete: the replica identity's (K) or the whole row (O)
    new: Tuple | None = None


@dataclass
class Transaction:
    xid: int
    end_lsn: int  # where the transaction's commit record ends: the slot confirms up to here
    commit_at: float = 0.0  # epoch seconds
    changes: list[Change] = field(default_factory=list)
    relations: dict[int, Relation] = field(default_factory=dict)  # as sent inside it


def lsn_text(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def lsn_int(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> int:
        (value,) = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return int(value)

    def string(self) -> str:
        end = self.data.index(b"\0", self.at)
        text = self.data[self.at : end].decode("utf-8")
        self.at = end + 1
        return text

    def char(self) -> str:
        self.at += 1
        return chr(self.data[self.at - 1])

    def tuple(self) -> Tuple:
        values: Tuple = []
        for _ in range(self.take(">h")):
            kind = self.char()
            if kind == "n":
                values.append(None)
            elif kind == "u":
                values.append(UNCHANGED)
            else:  # 't' text ('b' binary is only sent when asked for, proto 2+)
                size = self.take(">i")
                values.append(self.data[self.at : self.at + size].decode("utf-8"))
                self.at += size
        return values


def relation(r: _Reader) -> Relation:
    oid = r.take(">I")
    namespace, name = r.string(), r.string()
    identity = r.char()
    columns = []
    for _ in range(r.take(">h")):
        flags = r.take(">b")
        columns.append(Column(r.string(), r.take(">I"), r.take(">i"), bool(flags & 1)))
    return Relation(oid, namespace or "pg_catalog", name, identity, tuple(columns))


def change(kind: str, r: _Reader) -> Change:
    if kind == "T":
        count = r.take(">i")
        r.take(">b")  # CASCADE / RESTART IDENTITY: the tables named are all truncated anyway
        return Change("T", [r.take(">I") for _ in range(count)])
    found = Change(kind, [r.take(">I")])
    part = r.char()
    if part in "KO":
        found.old = r.tuple()
        if kind == "D":
            return found
        part = r.char()
    if part == "N":
        found.new = r.tuple()
    return found


def transactions(messages: list[bytes]) -> list[Transaction]:
    """Committed transactions in commit order (peek only returns committed ones)."""
    out: list[Transaction] = []
    current: Transaction | None = None
    for data in messages:
        r = _Reader(bytes(data))
        kind = r.char()
        if kind == "B":
            r.take(">Q")  # final LSN: the commit record's start
            commit_at = r.take(">q") / 1e6 + EPOCH_2000
            current = Transaction(r.take(">I"), 0, commit_at)
        elif current is None:
            continue  # only messages inside a transaction matter
        elif kind == "R":
            rel = relation(r)
            current.relations[rel.oid] = rel
        elif kind in "IUDT":
            current.changes.append(change(kind, r))
        elif kind == "C":
            r.take(">b")
            r.take(">Q")
            current.end_lsn = r.take(">Q")
            out.append(current)
            current = None
    return out
