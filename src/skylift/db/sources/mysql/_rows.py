"""Stream MySQL rows: chunk plans, one snapshot per reader, and a checked conversion per value.

Rows come off the wire as raw bytes (_wire); every value goes through its column's
functions (_values), which give what COPY writes, or its canonical form for verification,
or raise `Bad` with the reason: a row with a bad value becomes a Reject, the whole row kept.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from skylift.db import _accel
from skylift.db import records as shared
from skylift.db.records import RecordStream, SlowPath
from skylift.db.schema import Table
from skylift.db.sources import Chunk, Reject
from skylift.db.sources.mysql import _binary as binary
from skylift.db.sources.mysql import _csv as csv
from skylift.db.sources.mysql import _fast as fast
from skylift.db.sources.mysql import _wire as wire
from skylift.db.sources.mysql._connection import binlog_position, connect
from skylift.db.sources.mysql._sql import quote
from skylift.db.sources.mysql._values import Bad, functions, same
from skylift.errors import SourceError

BATCH = 5000
LINES = 1000  # lines turned into records at once (csv.batch_builder)


def plan_chunks(conn: Any, table: Table, rows_per_chunk: int) -> list[Chunk]:
    """Key ranges of about `rows_per_chunk` rows on a single integer key, else one chunk.

    Boundaries depend only on (min, max, count) of the key, so an unchanged table gets the same
    chunks on a rerun (resume relies on it)."""
    key = _int_key(table)
    if key is None:
        return [Chunk(table.qualified, 0)]
    q = quote(key)
    with conn.cursor() as cur:
        cur.execute(f"SELECT MIN({q}), MAX({q}), COUNT(*) FROM {quote(table.name)}")
        lo, hi, count = cur.fetchone()
    parts = math.ceil(int(count) / rows_per_chunk)
    if lo is None or parts <= 1:
        return [Chunk(table.qualified, 0)]
    step = math.ceil((int(hi) - int(lo) + 1) / parts)
    bounds = [int(lo) + i * step for i in range(1, parts)]
    edges: list[int | None] = [None, *bounds, None]
    return [Chunk(table.qualified, i, edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


def _key_groups(key: str | None, keys: list[Any]) -> list[str]:
    """WHERE conditions selecting rows by key, a thousand keys each."""
    groups = [keys[i : i + 1000] for i in range(0, len(keys), 1000)]
    return [f"{quote(str(key))} IN ({', '.join(map(str, g))})" for g in groups]


def _int_key(table: Table) -> str | None:
    if len(table.primary_key) != 1:
        return None
    col = table.column(table.primary_key[0])
    return col.name if col.kind == "int" else None


def _canonical_builder(table: Table) -> Any:
    """One compiled function per table turning a copied row into its canonical tuple (None when
    every value already is canonical)."""
    funcs: dict[str, Any] = {}
    items = []
    for i, col in enumerate(table.columns):
        func = functions(col)[1]
        if func is same:
            items.append(f"r[{i}]")
        else:
            funcs[f"f{i}"] = func
            items.append(f"None if r[{i}] is None else f{i}(r[{i}])")
    if not funcs:
        return None
    return eval("lambda r: (" + "".join(f"({x}), " for x in items) + ")", funcs)


def _refused_column(funcs: list[Any], raw: list[Any]) -> int:
    for index, (func, value) in enumerate(zip(funcs, raw, strict=True)):
        try:
            if value is not None:
                func(value)
        except Bad:
            return index
    return 0


def json_safe(value: Any) -> Any:
    """A value for the reject's JSON row (records.json_safe), MySQL's decimals, dates and
    durations as the text MySQL prints."""
    if isinstance(value, dt.timedelta | dt.date | Decimal):
        return str(value)
    return shared.json_safe(value)


def _as_text(col: Any, value: Any) -> Any:
    """MySQL sends every value as bytes: a column that is not binary holds text."""
    if isinstance(value, bytes) and col.kind != "bytes":
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    return value


class MySQLReader:
    """One connection, one consistent snapshot (START TRANSACTION WITH CONSISTENT SNAPSHOT)."""

    def __init__(self, params: dict[str, Any], start_position: str | None) -> None:
        self.params = params
        self.start_position = start_position
        self._conn: Any = None
        self._rejects: dict[str, list[Reject]] = {}
        self._canon: dict[str, Any] = {}
        self._slow: set[str] = set()  # tables read value by value (invalid UTF-8 seen)

    def _connection(self) -> Any:
        if self._conn is None:
            conn = connect(self.params)
            with conn.cursor() as cur:
                cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            position = binlog_position(conn)
            if self.start_position is not None and position != self.start_position:
                conn.close()
                raise SourceError(
                    "the MySQL source changed while it was being copied",
                    f"its binary log moved from {self.start_position} to {position}: some rows"
                    " would come from before the change and some from after",
                    "stop the application's writes (maintenance mode), then run the same"
                    " command again",
                )
            self._conn = conn
        return self._conn

    def _select(self, table: Table, chunk: Chunk, select: str, where: str = "") -> str:
        key = _int_key(table)
        conds = [where] if where else []
        if key is not None and chunk.lo is not None:
            conds.append(f"{quote(key)} >= {int(chunk.lo)}")
        if key is not None and chunk.hi is not None:
            conds.append(f"{quote(key)} < {int(chunk.hi)}")
        sql = f"SELECT {select} FROM {quote(table.name)}"
        return sql + (" WHERE " + " AND ".join(conds) if conds else "")

    def _scan(self, table: Table, chunk: Chunk, where: str = "",
              finish: Callable[[list[Any]], Any] | None = None) -> Iterator[Any]:  # fmt: skip
        """Each row converted for COPY by the per-field path (then by `finish`, paired with the
        values, when given), or a Reject."""
        funcs = [functions(c)[0] for c in table.columns]
        select = ", ".join(
            f"{quote(c.name)} + 0e0" if c.kind == "float" else quote(c.name) for c in table.columns
        )
        conn = self._connection()
        try:
            for raw in wire.stream(conn, self._select(table, chunk, select, where)):
                item: Any
                try:
                    values = [None if v is None else f(v) for f, v in zip(funcs, raw, strict=True)]
                    item = values if finish is None else (finish(values), values)
                except Bad as bad:
                    item = self._reject(table, raw, funcs, bad)
                yield item
        finally:
            if not conn.open:
                self._conn = None  # abandoned mid-stream: the next call reconnects

    def _reject(self, table: Table, raw: list[Any], funcs: list[Any], bad: Bad) -> Reject:
        reason = str(bad.args[0])
        # the column `finish` refused, or the first one its function refuses
        index = bad.args[1] if len(bad.args) > 1 else _refused_column(funcs, raw)
        names = [c.name for c in table.columns]
        row = {c.name: json_safe(_as_text(c, v)) for c, v in zip(table.columns, raw, strict=False)}
        also = []
        for i, col in enumerate(table.columns):  # typed where the value converts: ids as numbers
            try:
                value = raw[i]
                copy, canonical = functions(col)
                # a zero date converts to None (NULL): nothing to make canonical
                converted = value if value is None else copy(value)
                row[col.name] = None if converted is None else json_safe(canonical(converted))
            except Bad as other:  # every bad value of the row is recorded
                if i != index:
                    also.append((col.name, shared.printable(raw[i]), str(other.args[0])))
            except ValueError:
                pass
        key_cols = table.primary_key or names
        return Reject(
            table=table.name,
            key=json.dumps([row[k] for k in key_cols], default=str, ensure_ascii=False),
            column=names[index],
            raw=shared.printable(raw[index]),
            reason=reason,
            row=row,
            also=also,
        )

    def batches(self, table: Table, chunk: Chunk) -> Iterator[list[tuple[Any, ...]]]:
        """Good rows of the chunk, in batches; bad ones wait in `rejects()`."""
        key = _int_key(table)
        plan = None if table.name in self._slow else fast.plan(table, key)
        wheres = [""]
        if plan is not None:
            slow_keys: list[str] = []
            yield from self._fast_batches(table, chunk, plan, slow_keys)
            wheres = _key_groups(key, slow_keys)
        rejects: list[Reject] = []
        batch: list[tuple[Any, ...]] = []
        for where in wheres:
            for row in self._scan(table, chunk, where):
                if isinstance(row, Reject):
                    rejects.append(row)
                    continue
                batch.append(tuple(row))
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
        if batch:
            yield batch
        self._rejects[chunk.id] = rejects

    def _fast_batches(
        self, table: Table, chunk: Chunk, plan: fast.FastPlan, slow_keys: list[str]
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Rows through the fast path; the keys of rows it cannot carry go to `slow_keys`."""
        conn = self._connection()
        sep, slow, width, build = fast.SEP, fast.SLOW, plan.width, fast.row_builder(plan)
        keyed = plan.key is not None
        batch: list[tuple[Any, ...]] = []
        try:
            for line in wire.stream_single(conn, self._select(table, chunk, plan.select)):
                try:
                    text = line.decode("utf-8")  # type: ignore[union-attr]
                except UnicodeDecodeError:
                    text = "\x00"  # invalid UTF-8: the per-field path names the byte
                parts = text.split(sep)
                if text[:1] == slow or "\x00" in text or len(parts) != width:
                    if not keyed:
                        self._slow.add(table.name)  # no key to fetch it by: the table goes slow
                        raise SlowPath(table.name)
                    slow_keys.append(str(int(line.split(b"\x01", 1)[0].lstrip(b"\x03"))))  # type: ignore[union-attr]
                    continue
                batch.append(build(parts))
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
        finally:
            if not conn.open:
                self._conn = None
        if batch:
            yield batch

    def csv_batches(
        self, table: Table, chunk: Chunk, normalize: Any = None
    ) -> Iterator[tuple[list[str], list[str]]]:
        """Good rows as (records sent to COPY ... CSV, records verification compares); bad ones
        wait in `rejects()`. JSON is printed by db/pgtext.py, so `normalize` (the engine's
        target-side printer) is not needed."""
        key = _int_key(table)
        slow_keys: list[str] = []
        wheres = [""]
        if table.name not in self._slow:
            yield from self._csv_fast(table, chunk, key, slow_keys)
            wheres = _key_groups(key, slow_keys)
        rejects: list[Reject] = []
        sent: list[str] = []
        checked: list[str] = []
        for where in wheres:
            for row in self._scan(table, chunk, where):
                if isinstance(row, Reject):
                    rejects.append(row)
                    continue
                s_rec, c_rec = csv.record(table, tuple(row))
                sent.append(s_rec)
                checked.append(c_rec)
                if len(sent) >= BATCH:
                    yield sent, checked
                    sent, checked = [], []
        if sent:
            yield sent, checked
        self._rejects[chunk.id] = rejects

    def _csv_fast(
        self, table: Table, chunk: Chunk, key: str | None, slow_keys: list[str]
    ) -> Iterator[tuple[list[str], list[str]]]:
        plan = csv.plan(table, key)
        builders = csv.batch_builder(table, plan), csv.record_builder(table, plan)
        conn = self._connection()
        sent: list[str] = []
        checked: list[str] = []
        lines: list[Any] = []
        try:
            stream = wire.stream_single(conn, self._select(table, chunk, plan.select))
            for line in stream:
                lines.append(line)
                if len(lines) < LINES:
                    continue
                self._records(table, plan, builders, lines, (sent, checked), slow_keys)
                lines = []
                if len(sent) >= BATCH:
                    yield sent, checked
                    sent, checked = [], []
            self._records(table, plan, builders, lines, (sent, checked), slow_keys)
        finally:
            if not conn.open:
                self._conn = None
        if sent:
            yield sent, checked

    def _records(self, table: Table, plan: csv.CsvPlan, builders: tuple[csv.BatchBuilder, Any],
                 lines: list[Any], out: tuple[list[str], list[str]],
                 slow_keys: list[str]) -> None:  # fmt: skip
        """Records of a batch of lines into `out`: the whole batch at once when it is plain,
        else line by line (a line with anything unusual is read again by key, value by value)."""
        if not lines:
            return
        whole, build = builders
        try:
            done = whole(lines)
        except ValueError:
            done = None
        if done is not None:
            out[0].extend(done[0])
            out[1].extend(done[1])
            return
        width = plan.width
        for line in lines:
            try:
                parts = line.decode("utf-8").split("\x01")
                problem = parts[0][:1] == csv.SLOW or len(parts) != width or b"\x00" in line
                if not problem:
                    s_rec, c_rec = build(parts)
            except ValueError:  # invalid UTF-8, or JSON jsonb cannot hold
                problem = True
            if problem:
                if not plan.keyed:
                    self._slow.add(table.name)  # no key to fetch it by: the table goes slow
                    raise SlowPath(table.name)
                head = line.split(b"\x01", 1)[0]
                slow_keys.append(str(int(head.lstrip(b"\x03"))))
                continue
            out[0].append(s_rec)
            out[1].append(c_rec)

    def copy_format(self, table: Table) -> str:
        return "binary" if binary.binary_able(table) else "csv"

    def binary_stream(self, table: Table, chunk: Chunk) -> Any:
        """The chunk's good rows as (records, rows) batches with `.digest()`: read with the
        binary protocol by the accelerator, unless it gave this table up (then value by value)."""
        if table.name in self._slow:
            return RecordStream(self.binary_batches(table, chunk))
        key = _int_key(table)
        again = lambda keys: self.binary_batches(table, chunk, _key_groups(key, keys))  # noqa: E731
        return binary.Stream(lambda: self._binary_start(table, chunk, key), again)

    def _binary_start(self, table: Table, chunk: Chunk, key: str | None) -> tuple[Any, Any]:
        plan = binary.plan(table, key)
        conn = self._connection()
        stmt = binary.Statement(conn, self._select(table, chunk, plan.columns))
        spec = binary.spec(plan, stmt.fields)
        self._rejects[chunk.id] = []
        if spec is None:  # a column comes in a wire type its target does not read
            stmt.close()  # nothing executed: the connection stays usable
            self._give_up(table)
        rows = _accel.fastcopy.MyRows(spec)
        stmt.execute()
        return self._binary_records(table, stmt, rows), rows

    def _binary_records(
        self, table: Table, stmt: binary.Statement, rows: Any
    ) -> Iterator[tuple[bytes, int]]:
        try:
            yield from binary.records(stmt.conn, stmt, rows)
        except (binary.TooBig, _accel.fastcopy.Unusual):
            self._give_up(table)
        finally:
            stmt.close()
            if not stmt.conn.open:
                self._conn = None  # closed with rows on the wire: the next call reconnects

    def _give_up(self, table: Table) -> None:
        """The accelerator cannot read this table: it goes value by value, for good."""
        self._slow.add(table.name)
        raise SlowPath(table.name)

    def binary_batches(self, table: Table, chunk: Chunk, wheres: list[str] | None = None
                       ) -> Iterator[tuple[list[bytes], list[Any]]]:  # fmt: skip
        """Good rows of the chunk (of `wheres` within it) as binary COPY records, one per row,
        with the values they encode, read value by value; bad ones wait in `rejects()`."""
        encode = binary.encoder(table)
        if wheres is None:
            self._rejects[chunk.id] = []
        rejects: list[Reject] = []
        for where in wheres or [""]:
            records: list[bytes] = []
            rows: list[Any] = []
            for item in self._scan(table, chunk, where, encode):
                if isinstance(item, Reject):
                    rejects.append(item)
                    continue
                records.append(item[0])
                rows.append(tuple(item[1]))
                if len(records) >= BATCH:
                    yield records, rows
                    records, rows = [], []
            if records:
                yield records, rows
        self._rejects[chunk.id] = self._rejects.get(chunk.id, []) + rejects

    def rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        for batch in self.batches(table, chunk):
            yield from batch

    def rejects(self, table: Table, chunk: Chunk) -> Iterator[Reject]:
        if chunk.id not in self._rejects:
            for _batch in self.batches(table, chunk):
                pass
        yield from self._rejects.pop(chunk.id)

    def canonical(self, table: Table, batch: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The canonical form of rows from `batches()` (computed while they are copied)."""
        if table.name not in self._canon:
            self._canon[table.name] = _canonical_builder(table)
        build = self._canon[table.name]
        return batch if build is None else list(map(build, batch))

    def canonical_rows(self, table: Table, chunk: Chunk) -> Iterator[tuple[Any, ...]]:
        try:
            batches = list(self.batches(table, chunk))
        except SlowPath:
            batches = list(self.batches(table, chunk))
        for batch in batches:
            yield from self.canonical(table, batch)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
