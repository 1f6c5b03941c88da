"""Golden-file comparison: generated files against tests/golden/render/<name>/.

Regenerate every golden set with `SKYLIFT_UPDATE_GOLDEN=1 pytest tests/render`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "render"


def check(name: str, files: dict[str, str]) -> None:
    folder = GOLDEN / name
    if os.environ.get("SKYLIFT_UPDATE_GOLDEN") == "1":
        shutil.rmtree(folder, ignore_errors=True)
        for rel, text in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text)
        return
    assert folder.is_dir(), (
        f"no golden files for {name}: run SKYLIFT_UPDATE_GOLDEN=1 pytest tests/render"
    )
    expected = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(expected), "the set of generated files changed"
    for rel, text in files.items():
        assert text == (folder / rel).read_text(), f"{name}/{rel} differs from its golden file"
