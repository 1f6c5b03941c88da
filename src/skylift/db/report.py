"""What a migration did, for people (the CLI renders it) and scripts (`--report FILE.json`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skylift.db.schema import Column, Schema


def _column(c: Column) -> dict[str, Any]:
    return {
        "name": c.name,
        "declared": c.source_type,
        "type": c.pg_type,
        "nullable": c.nullable,
        "default": c.pg_default,
        "identity": c.identity,
    }


class Progress:
    """Progress events from the engine. The library default ignores them; the CLI draws bars."""

    def phase(self, name: str) -> None:
        pass

    def start_table(self, table: str, total: int, done: int) -> None:
        pass

    def advance(self, table: str, rows: int) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class MigrationReport:
    source: str
    target: str | None
    tables: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    verification: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    ddl: list[str] = field(default_factory=list)
    renamed: list[dict[str, str]] = field(default_factory=list)
    resumed: bool = False
    dry_run: bool = False
    _rows: dict[str, list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def start(cls, source: str, target: str | None, schema: Schema) -> MigrationReport:
        report = cls(source, target)
        report.finish(schema)
        return report

    def add_rows(self, table: str, rows: int, rejected: int) -> None:
        counts = self._rows.setdefault(table, [0, 0])
        counts[0] += rows
        counts[1] += rejected

    def rows_of(self, table: str) -> int:
        return self._rows.get(table, [0, 0])[0]

    def finish(self, schema: Schema) -> None:
        self.tables = [
            {
                "name": t.qualified,
                "rows": self._rows.get(t.qualified, [0, 0])[0],
                "rejected": self._rows.get(t.qualified, [0, 0])[1],
                "source_rows": t.row_estimate,
                "columns": [_column(c) for c in t.columns],
            }
            for t in schema.tables
        ]
        self.notes = [n.as_dict() for n in schema.notes]
        self.renamed = list(schema.renamed)

    @property
    def rejected(self) -> int:
        """Rows kept in skylift.rejects (a row with two bad values counts once)."""
        rows = sum(t["rejected"] for t in self.tables)
        return rows or sum(r["count"] for r in self.rejects)

    @property
    def verified(self) -> bool:
        return bool(self.verification) and all(v["ok"] for v in self.verification)

    @property
    def status(self) -> str:
        if self.dry_run:
            return "dry-run"
        if not self.verified:
            return "verification-failed"
        return "rejects" if self.rejected else "ok"

    def manual_notes(self) -> list[dict[str, Any]]:
        return [n for n in self.notes if n["severity"] == "manual"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "source": self.source,
            "target": self.target,
            "resumed": self.resumed,
            "rows": sum(t["rows"] for t in self.tables),
            "rejected": self.rejected,
            "tables": self.tables,
            "verification": self.verification,
            "rejects": self.rejects,
            "notes": self.notes,
            "renamed": self.renamed,
            "timings_seconds": self.timings,
            **({"ddl": self.ddl} if self.dry_run else {}),
        }
