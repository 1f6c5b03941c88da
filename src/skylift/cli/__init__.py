"""Command-line interface: thin commands over the library (see STYLE.md #1).

Each module registers its commands on the shared Typer app; this package only assembles them.
"""

from __future__ import annotations

import sys

from skylift.cli import cutover as _cutover  # noqa: F401  (registers commands)
from skylift.cli import db as _db  # noqa: F401
from skylift.cli import infra as _infra  # noqa: F401
from skylift.cli import plan as _plan  # noqa: F401
from skylift.cli import scan as _scan  # noqa: F401
from skylift.cli import sync as _sync  # noqa: F401
from skylift.cli._app import app
from skylift.cli._app import main as _main

__all__ = ["app", "main"]


def main() -> None:
    sys.exit(_main())
