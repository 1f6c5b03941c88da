"""What a capture hands the applier: the keys each table's changes touched, in one batch.

A batch is everything the source committed between two positions of its change stream. The
applier does not replay statements: it removes every touched key from the target and copies
the rows those keys hold *now* in the source, read in one consistent snapshot by the very
reader `db migrate` copies with. So a synced row is a copied row (same conversions, same
rejects), applying a batch twice changes nothing, and reading a little more than needed
(overlap after a restart) is always safe — only a key never reported could be lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from skylift.db.schema import Table
from skylift.db.sources import Chunk


def key_text(values: list[Any] | tuple[Any, ...]) -> str:
    """One key as JSON (the form kept in skylift.sync_touched and compared everywhere)."""
    return json.dumps(list(values), default=str, ensure_ascii=False)


def one_per_row(keys: set[str]) -> list[str]:
    """The keys, one per row: a key the capture names as [64] and the target's rows as ["64"]
    is one row; read twice (in two chunks of keys) it would be written twice and refused as a
    duplicate key (a false reject)."""
    unique: dict[tuple[str, ...], str] = {}
    for text in sorted(keys):
        unique.setdefault(tuple(str(v) for v in json.loads(text)), text)
    return list(unique.values())


@dataclass
class TableChanges:
    """One table's part of a batch."""

    keys: set[str] = field(default_factory=set)  # source keys (key_text) to remove, then re-read
    fetch: set[Any] = field(default_factory=set)  # how the source finds them (rowids, keys)
    whole: bool = False  # no usable key (or TRUNCATE): the table is copied again whole
    changes: int = 0
    # keys of rows whose change may have set off a foreign key's ON DELETE/UPDATE action
    # (deleted, or a referenced column changed); None: not known, every key may have
    reaching: set[str] | None = None

    def may_reach(self) -> set[str]:
        return self.keys if self.reaching is None else self.reaching


@dataclass
class Batch:
    """Changes between `position` of the previous batch and this `position`."""

    tables: dict[str, TableChanges]
    position: dict[str, Any]
    changes: int
    commit_at: float | None = None  # when the source committed the newest change (epoch)
    # the stream does not show what ON DELETE/UPDATE CASCADE and SET NULL did to child rows
    # (InnoDB applies them inside the engine, off the binary log): the applier finds them
    unlogged_cascades: bool = False

    def table(self, name: str) -> TableChanges:
        return self.tables.setdefault(name, TableChanges())


class Snapshot(Protocol):
    """The source in the batch's snapshot: the migration's reader, and how to find rows."""

    reader: Any

    def chunks(self, table: Table, changes: TableChanges) -> list[Chunk]:
        """Chunks the reader reads to get every row of `changes` (or the whole table)."""
        ...

    def close(self) -> None: ...


class Capture(Protocol):
    """One engine's change capture (sqlite triggers, MySQL binlog, PostgreSQL slot/triggers)."""

    name: str

    def install(self) -> dict[str, Any]:
        """Start capturing (idempotent); returns the position capture starts at."""
        ...

    def remove(self) -> None: ...

    def poll(self, position: dict[str, Any]) -> tuple[Batch, Snapshot] | None:
        """The changes after `position` in one snapshot, or None when there are none."""
        ...

    def behind(self, position: dict[str, Any]) -> tuple[int, float | None]:
        """(changes not applied yet, commit time of the oldest of them)."""
        ...

    def schema_key(self) -> str:
        """A fingerprint of the captured tables' definitions (a change stops the sync)."""
        ...

    def expect_schema(self, key: str) -> None:
        """The fingerprint recorded when the sync started: any other one stops it."""
        ...

    def done(self, position: dict[str, Any]) -> None:
        """The target holds everything up to `position`: the source may forget it."""
        ...

    def close(self) -> None: ...
