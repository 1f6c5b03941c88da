"""The Typer application, its consoles and the one place where errors become messages.

Results go to stdout, progress and errors to stderr (so `--json` output stays parseable).
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import signal
import sys
import traceback
from types import FrameType
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from skylift.errors import Interrupted, Signalled, SkyliftError

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

_state: dict[str, Any] = {"traceback": False, "signal": None}
SIGNAL_WORDS = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM"}


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
    args = argv if argv is not None else sys.argv[1:]
    _state["traceback"] = "--traceback" in args
    _state["signal"] = None
    _handle_signals()
    # a host that drops packets would hold libpq for minutes: say so after half a minute
    os.environ.setdefault("PGCONNECT_TIMEOUT", "30")
    if not _state["traceback"]:
        # psycopg logs what it ignores while a failed COPY unwinds ("error ignored terminating
        # <Copy>"): the one message that follows says what happened
        logging.getLogger("psycopg").addHandler(logging.NullHandler())
        logging.getLogger("psycopg").propagate = False
    try:
        # standalone mode: click prints usage errors itself and exits 2
        app(args=argv, prog_name="skylift")
    except SystemExit as exc:
        if _state["signal"] is not None:  # Typer turned our KeyboardInterrupt into exit 130
            return _interrupted(args)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except SkyliftError as exc:
        _report(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        return _interrupted(args)
    except Exception as exc:  # a bug: say so plainly, keep the trace behind --traceback
        if _state["traceback"]:
            traceback.print_exc()
        err.print(
            f"[red]internal error:[/red] {escape(type(exc).__name__)}: {escape(str(exc))}\n"
            "  This is a bug in skylift. Rerun with --traceback and report the output.",
            highlight=False,
        )
        return 1
    return 0


def _handle_signals() -> None:
    """SIGINT and SIGTERM unwind the command (Signalled, a KeyboardInterrupt); a second one
    while it unwinds ends the process at once (the journal makes that safe too)."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        if _state["signal"] is not None:
            os.write(2, b"\nstopping now; rerun the same command to continue\n")
            os._exit(Interrupted.exit_code)
        _state["signal"] = signum
        raise Signalled(signum)

    for signum in SIGNAL_WORDS:
        signal.signal(signum, stop)


def _interrupted(args: list[str]) -> int:
    from skylift.db.urls import mask_text

    signum = _state["signal"] or signal.SIGINT
    # without --restart: with it, the rerun would throw away what this run did
    rerun = mask_text(shlex.join(["skylift", *[a for a in args if a != "--restart"]]))
    _report(
        Interrupted(
            f"interrupted by {SIGNAL_WORDS.get(signum, f'signal {signum}')}",
            "skylift stopped its workers and rolled back the step in progress; every step "
            "that finished is kept",
            f"rerun the same command to continue where it stopped: {rerun}",
        )
    )
    return Interrupted.exit_code


def _report(exc: SkyliftError) -> None:
    if _state["traceback"]:
        traceback.print_exc()
    # markup=False: messages quote the user's own text ("[sizes]", a path, a value)
    err.print(
        exc.render(),
        style="red" if exc.exit_code not in (10,) else "yellow",
        highlight=False,
        markup=False,
    )
