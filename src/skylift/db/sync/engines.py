"""Which capture, freeze and way back each source engine gets (a plain dict, like SOURCES)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from skylift.db.report import Progress
from skylift.db.schema import Schema
from skylift.db.sources import Source
from skylift.db.sync.changes import Batch, Capture, Snapshot
from skylift.db.translate import Policy, Translator, pg_name
from skylift.errors import SourceChanged, TargetError, UsageError


def capture_for(source: Source, schema: Schema, conn: psycopg.Connection[Any],
                choice: str = "auto") -> Capture:  # fmt: skip
    if source.engine == "sqlite":
        from skylift.db.sync.sqlite import SqliteCapture

        return SqliteCapture(Path(getattr(source, "path")), schema)  # noqa: B009
    if source.engine == "mysql":
        from skylift.db.sync.mysql import MySQLCapture

        return MySQLCapture(source, schema, conn)
    if source.engine == "postgresql":
        from skylift.db.sync.postgres import pg_capture

        return pg_capture(source, schema, conn, choice)
    raise UsageError(f"{source.engine} sources cannot be synced", "", "")


def poll(capture: Capture, position: dict[str, Any],
         whole: set[str]) -> tuple[Batch, Snapshot] | None:  # fmt: skip
    """The changes after `position`, plus `whole` tables copied again entirely."""
    return capture.poll(position, whole=whole)  # type: ignore[call-arg]


def remove(source: Source, conn: psycopg.Connection[Any]) -> list[str]:
    """Take skylift's capture and freeze out of the source (and the target's capture)."""
    removed: list[str] = []
    if source.engine == "postgresql":
        from skylift.db.sync.postgres import remove_all

        removed += remove_all(source, conn)
    else:
        capture = capture_for(source, Schema(), conn)
        removed += capture.remove_all()  # type: ignore[attr-defined]
    from skylift.db.sync import target_capture

    removed += target_capture.remove(conn)
    return removed


def synced_schema(source: Source, conn: psycopg.Connection[Any], policy: Policy,
                  progress: Progress) -> Schema:  # fmt: skip
    """The source's schema as the target holds it. The profile of a live SQLite file can
    choose another type than the copy did (a longer text in a VARCHAR column since); the
    target's type wins, as a `--type` override, so a synced row is read like a copied one."""
    progress.phase("reading the source schema")
    schema = source.read_schema()
    overrides = _mismatches(conn, schema, policy)
    if overrides:
        types = dict(getattr(source, "options", {}).get("types") or {})
        types.update(overrides)
        source.options["types"] = types  # type: ignore[attr-defined]
        if hasattr(source, "_schema"):
            source._schema = None
        schema = source.read_schema()
        for name, pg_type in overrides.items():
            schema.note(name, f"read as the target's {pg_type} (the type the copy chose)")
    return schema


def _mismatches(conn: psycopg.Connection[Any], schema: Schema, policy: Policy) -> dict[str, str]:
    tr = Translator(schema, policy)
    out: dict[str, str] = {}
    for table in schema.tables:
        actual = dict(
            conn.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                " WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
                (tr.regclass(table),),
            ).fetchall()
        )
        if not actual:
            raise TargetError(
                f"the target has no table {tr.t(table)}",
                "it was created on the source after the migration (a new table, or a new"
                " partition of a partitioned one: its rows would be in no capture), or dropped"
                " or renamed on the target",
                "run `skylift db migrate --restart SOURCE TARGET` (it creates the table or"
                " partition on the target and copies its rows), then sync again",
            )
        wanted = _formatted(conn, [c.pg_type for c in table.columns])
        for col, want in zip(table.columns, wanted, strict=True):
            have = actual.get(pg_name(col.name, policy))
            if have is None:
                raise SourceChanged(
                    f"the target's {table.qualified} has no column {col.name}",
                    "the source has it: it was added after the migration",
                    "add it to the target too (same type), or migrate again with --restart",
                )
            if want is not None and have != want:
                out[f"{table.name}.{col.name}"] = have
    return out


def _formatted(conn: psycopg.Connection[Any], types: list[str]) -> list[str | None]:
    """PostgreSQL's own spelling of each type (None where it cannot tell)."""
    cols = ", ".join(f"c{i} {t}" for i, t in enumerate(types))
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(f"CREATE TEMP TABLE skylift_types ({cols})")
            rows = conn.execute(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid ="
                " 'skylift_types'::regclass AND attnum > 0 ORDER BY attnum"
            ).fetchall()
        return [r[0] for r in rows]
    except psycopg.Error:
        return [None] * len(types)
