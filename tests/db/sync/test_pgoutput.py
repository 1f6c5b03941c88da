"""pgoutput messages and snapshot visibility, without a server (the server tests are in
test_postgres_logical.py)."""

from __future__ import annotations

import struct

from skylift.db.sync import pgoutput
from skylift.db.sync.pg_logical import _Visibility


def _s(text: str) -> bytes:
    return text.encode() + b"\0"


def _tuple(*values: str | None) -> bytes:
    out = struct.pack(">h", len(values))
    for v in values:
        out += b"n" if v is None else b"t" + struct.pack(">i", len(v.encode())) + v.encode()
    return out


BEGIN = b"B" + struct.pack(">Qqi", 0x1_0000_0100, 1_000_000, 742)
RELATION = (
    b"R" + struct.pack(">I", 16384) + _s("public") + _s("items") + b"d" + struct.pack(">h", 2)
    + b"\x01" + _s("id") + struct.pack(">Ii", 23, -1) + b"\x00" + _s("sku") + struct.pack(">Ii", 25, -1)
)  # fmt: skip
INSERT = b"I" + struct.pack(">I", 16384) + b"N" + _tuple("7", "é ✓")
UPDATE = b"U" + struct.pack(">I", 16384) + b"K" + _tuple("7", None) + b"N" + _tuple("8", None)
DELETE = b"D" + struct.pack(">I", 16384) + b"K" + _tuple("8", None)
TRUNCATE = b"T" + struct.pack(">ib", 2, 0) + struct.pack(">II", 16384, 16390)
COMMIT = b"C" + struct.pack(">bQQq", 0, 0x1_0000_0100, 0x1_0000_0180, 1_000_000)


def test_a_transaction_is_read_with_its_changes_in_order() -> None:
    (txn,) = pgoutput.transactions([BEGIN, RELATION, INSERT, UPDATE, DELETE, TRUNCATE, COMMIT])
    assert (txn.xid, pgoutput.lsn_text(txn.end_lsn), txn.commit_at) == (742, "1/180", 946684801.0)
    assert [c.op for c in txn.changes] == ["I", "U", "D", "T"]
    assert txn.changes[0].new == ["7", "é ✓"]
    assert (txn.changes[1].old, txn.changes[1].new) == (["7", None], ["8", None])
    assert txn.changes[2].old == ["8", None] and txn.changes[2].new is None
    assert txn.changes[3].relations == [16384, 16390]
    rel = txn.relations[16384]
    assert (rel.name, [c.name for c in rel.columns], rel.columns[0].key) == (
        "items",
        ["id", "sku"],
        True,
    )


def test_an_unfinished_transaction_is_not_returned() -> None:
    assert pgoutput.transactions([BEGIN, INSERT]) == []


def test_lsn_text_round_trips() -> None:
    assert pgoutput.lsn_int("16/B374D848") == 0x16_B374D848
    assert pgoutput.lsn_text(pgoutput.lsn_int("0/0")) == "0/0"


def test_visibility_follows_the_snapshot_and_its_epoch() -> None:
    seen = _Visibility("100:105:100,103")
    assert [seen.visible(x) for x in (99, 100, 101, 102, 103, 104, 105)] == [
        True, False, True, True, False, True, False,
    ]  # fmt: skip
    wrapped = _Visibility(f"{(1 << 32) + 5}:{(1 << 32) + 10}:")  # after the 32-bit xid wrapped
    assert wrapped.visible(2**32 - 3) and wrapped.visible(6) and not wrapped.visible(10)
