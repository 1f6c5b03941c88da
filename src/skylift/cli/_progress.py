"""Rich progress bars for the engines' Progress events (stderr; plain lines when not a TTY)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from skylift.db.report import Progress as ProgressEvents


class RichProgress(ProgressEvents):
    def __init__(self, console: Console) -> None:
        self.console = console
        self.bars: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def phase(self, name: str) -> None:
        self.stop()
        self.console.print(f"[bold cyan]·[/] {escape(name)}", highlight=False)

    def start_table(self, table: str, total: int, done: int) -> None:
        if not self.console.is_terminal:
            return
        if self.bars is None:
            self.bars = Progress(
                TextColumn("  {task.description:<24}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.bars.start()
        self.tasks[table] = self.bars.add_task(
            escape(table[:24]), total=max(total, 1), completed=done
        )

    def advance(self, table: str, rows: int) -> None:
        if self.bars is not None and table in self.tasks:
            self.bars.advance(self.tasks[table], rows)

    def stop(self) -> None:
        if self.bars is not None:
            self.bars.stop()
        self.bars = None
        self.tasks = {}
