"""Writing generated files without ever clobbering the user's.

A file is skylift's to regenerate when it starts with the generated-by header (after a shebang)
and, if skylift wrote it before, its content is still what skylift wrote (the hashes in
.skylift/generated.json). Anything else is the user's: without --force we show the difference
and refuse (WouldOverwrite, exit 9).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from skylift.errors import WouldOverwrite
from skylift.render._context import HEADER

MANIFEST = Path(".skylift") / "generated.json"


class FilesWouldChange(WouldOverwrite):
    """WouldOverwrite with the unified diff of each refused file (the CLI prints them)."""

    def __init__(self, diffs: dict[str, str]) -> None:
        super().__init__(
            f"{len(diffs)} file(s) you own would change: {', '.join(diffs)}",
            "skylift never overwrites a file it did not generate (or that you edited since)",
            "review the differences above, then rerun with --force to replace them, or delete "
            "the files you want regenerated",
        )
        self.diffs = diffs


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)  # created or changed
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # the user's, left alone by design
    removed: list[str] = field(default_factory=list)  # generated earlier, no longer needed
    diffs: dict[str, str] = field(default_factory=dict)  # refused: path -> unified diff


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _load_manifest(root: Path) -> dict[str, str]:
    try:
        return dict(json.loads((root / MANIFEST).read_text()))
    except (OSError, ValueError):
        return {}


def is_generated(text: str, recorded: str | None) -> bool:
    head = text.split("\n", 2)
    # `// # Generated ...` in a Go source (scripts/skylift-secrets.go), `# Generated ...` elsewhere
    marked = any(line.endswith(HEADER) for line in head[:2])
    return marked and (recorded is None or recorded == _digest(text))


def write_files(root: Path, files: dict[str, str], *, force: bool = False) -> WriteReport:
    """Write `files` (relative path -> content) under `root`; raise WouldOverwrite on conflicts."""
    manifest = _load_manifest(root)
    report = WriteReport()
    plan: dict[str, str] = {}
    for rel, content in sorted(files.items()):
        path = root / rel
        if not path.exists():
            plan[rel] = content
            continue
        current = path.read_text(errors="replace")
        if current == content:
            report.unchanged.append(rel)
        elif force or is_generated(current, manifest.get(rel)):
            plan[rel] = content
        else:
            report.diffs[rel] = "".join(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    content.splitlines(keepends=True),
                    f"a/{rel} (yours)",
                    f"b/{rel} (skylift)",
                )
            )
    if report.diffs:
        raise FilesWouldChange(report.diffs)
    for rel, content in plan.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        if content.startswith("#!"):
            path.chmod(0o755)
        report.written.append(rel)
    report.removed = _remove_stale(root, manifest, files)
    manifest.update({rel: _digest(c) for rel, c in files.items()})
    (root / MANIFEST).parent.mkdir(parents=True, exist_ok=True)
    (root / MANIFEST).write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n")
    return report


def _remove_stale(root: Path, manifest: dict[str, str], files: dict[str, str]) -> list[str]:
    """Delete files skylift generated before and no longer generates, unless edited since."""
    removed = []
    for rel in sorted(set(manifest) - set(files)):
        path = root / rel
        if path.is_file() and is_generated(path.read_text(errors="replace"), manifest[rel]):
            path.unlink()
            removed.append(rel)
        manifest.pop(rel)
    return removed
