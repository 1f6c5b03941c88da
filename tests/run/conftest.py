"""Fixtures of the rehearsal tests: the stand-in base images (scripts/standins), built once
and cached; without a container engine the tests skip, except in CI, where they fail."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ("docker", "podman", "buildah")


def _missing(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} in CI: scripts/test installs buildah, podman and mmdebstrap")
    pytest.skip(why)


@pytest.fixture(scope="session")
def standins() -> list[str]:
    """The stand-in images of the variants the rehearsal tests build on (python), built by
    scripts/standins: a no-op when they are up to date."""
    if not any(shutil.which(e) for e in ENGINES):
        _missing("no container engine (docker, podman, buildah) on this machine")
    script = ROOT / "scripts" / "standins"
    if not script.is_file():
        _missing("scripts/standins is not in this checkout")
    done = subprocess.run([str(script), "python"], capture_output=True, text=True, check=False)
    if done.returncode == 5:
        _missing(done.stderr.strip() or "scripts/standins: a tool is missing")
    assert done.returncode == 0, done.stderr[-2000:]
    return ["python"]
