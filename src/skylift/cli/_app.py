"""The Typer application, its consoles and the one place where errors become messages.

Results go to stdout, progress and errors to stderr (so `--json` output stays parseable).
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any

import typer
from rich.console import Console

from skylift.errors import Interrupted, SkyliftError

app = typer.Typer(
    name="skylift",
    help="Move a small web app to AWS (ALB -> ECS Fargate -> RDS PostgreSQL) and prove nothing was lost.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Migrate and verify databases.", no_args_is_help=True)
app.add_typer(db_app, name="db")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

_state = {"traceback": False}


@app.callback()
def _root(
    show_traceback: bool = typer.Option(
        False, "--traceback", help="Show the Python traceback when a command fails."
    ),
) -> None:
    _state["traceback"] = show_traceback


def print_json(data: Any) -> None:
    """Write a JSON document to stdout (not through Rich: no wrapping, no markup)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `skylift` command. Returns the exit code."""
    _state["traceback"] = "--traceback" in (argv if argv is not None else sys.argv[1:])
    try:
        # standalone mode: click prints usage errors itself and exits 2
        app(args=argv, prog_name="skylift")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except SkyliftError as exc:
        _report(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        _report(
            Interrupted("interrupted", "", "rerun the same command: it continues where it stopped")
        )
        return Interrupted.exit_code
    except Exception as exc:  # a bug: say so plainly, keep the trace behind --traceback
        if _state["traceback"]:
            traceback.print_exc()
        err.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {exc}\n"
            "  This is a bug in skylift. Rerun with --traceback and report the output.",
            highlight=False,
        )
        return 1
    return 0


def _report(exc: SkyliftError) -> None:
    if _state["traceback"]:
        traceback.print_exc()
    err.print(
        exc.render(), style="red" if exc.exit_code not in (10,) else "yellow", highlight=False
    )
