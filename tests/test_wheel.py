"""scripts/wheel: the wheel a user installs carries the C accelerator and its SQLite library, so
`pip install` needs no compiler; installed alone in a clean venv, the accelerator loads and
prints jsonb, and the templates (.j2 and .inc parts) are package data."""

from __future__ import annotations

import subprocess
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
from importlib.resources import files
from skylift.db import _accel
assert _accel.enabled(), "the accelerator did not load"
print(bytes(_accel.fastcopy.jsonb(b'{"bb": 1, "a": [1.50, true], "a": null}')).decode())
for part in ("render/templates/infra/deploy_lambda.tf.inc", "render/templates/infra/ecs.tf.j2"):
    assert files("skylift").joinpath(part).is_file(), part
"""


@pytest.mark.slow
def test_the_wheel_installs_the_accelerator_without_a_compiler(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    built = subprocess.run(
        ["bash", str(ROOT / "scripts" / "wheel"), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = out.glob("skylift-*.whl")
    assert "manylinux" in wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("skylift.libs/libsqlite3") for n in names), names
    assert not any(n.endswith(".c") for n in names)

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    ran = subprocess.run(
        [py, "-I", "-c", CHECK],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    # jsonb's own order (shorter keys first), the last duplicate kept, numbers as written
    assert ran.stdout.strip() == '{"a": null, "bb": 1}'
