"""The examples as their owners leave them after the plan's code changes (PostgreSQL-ready, a
health route where the plan says to add one): examples/<name>/ stays the "before" state that the
scan and plan golden tests read; tests/run/after/<name>/ holds the files the owner changed or
added, laid over a copy of the example (tests/run/after/README.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
AFTER = Path(__file__).resolve().parent / "after"
# files the owner deleted: pos-api's distroless Dockerfile (no shell to compose DATABASE_URL,
# no migrate CLI; its go.sum is not in the repository), so that skylift generates one
REMOVED: dict[str, list[str]] = {"pos-api": ["Dockerfile"]}
NAMES = ("pantrypal", "tracker", "pos-api", "github-api", "gengar")


def after_state(name: str, dest: Path) -> Path:
    """A copy of examples/<name> at `dest/<name>` with the owner's changes applied."""
    root = dest / name
    shutil.copytree(
        EXAMPLES / name, root, ignore=shutil.ignore_patterns(".skylift", "node_modules")
    )
    overlay = AFTER / name
    for path in sorted(overlay.rglob("*")):
        if path.is_file():
            target = root / path.relative_to(overlay)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    for rel in REMOVED.get(name, []):
        (root / rel).unlink(missing_ok=True)
    return root


def changed_files(name: str) -> list[str]:
    """What the owner changed, relative to the example's folder."""
    overlay = AFTER / name
    return sorted(p.relative_to(overlay).as_posix() for p in overlay.rglob("*") if p.is_file())
