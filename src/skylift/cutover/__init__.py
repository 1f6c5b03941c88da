"""The app-level move: `skylift cutover` and `skylift rollback` (docs/cutover.md).

from skylift.cutover import Options, cutover, from_repo, rollback

setup = from_repo(Path("."), target="aws")
moved = cutover(setup, Options(steps=[10, 50, 100], soak=300))
back = rollback(setup)
"""

from skylift.cutover.run import Options, Result, cutover, rollback
from skylift.cutover.setup import Setup, from_repo

__all__ = ["Options", "Result", "Setup", "cutover", "from_repo", "rollback"]
