"""bench/pg_bench.py runs end to end at a tiny size and prints its table (no timing asserted:
speed claims live in docs/benchmarks.md with the run that shows them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG15 = Path("/usr/lib/postgresql/15/bin")


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("pgcopydb") is None or not (PG15 / "postgres").exists(),
    reason="needs Debian's pgcopydb and PostgreSQL 15",
)
def test_pg_bench_prints_its_table() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pg_bench.py"), "--rows", "1000", "--runs", "1"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    for tool in ("skylift db migrate", "pgcopydb clone", "pg_dump -Fd + pg_restore", "raw pipe"):
        assert any(line.startswith(f"| {tool}") for line in lines), done.stdout
    assert "1,310 rows" in done.stdout
    assert "every table: count + checksum" in done.stdout
