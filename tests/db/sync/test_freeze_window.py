"""What `db cutover` reads inside the freeze: only what the app wrote in its last second, not
every key it wrote while the cutover compared every table (a minute on a big database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ._check import assert_same
from .test_sqlite_sync import skylift, write

pytestmark = pytest.mark.slow


def test_writes_made_during_the_full_comparison_are_verified_before_the_freeze(app_db: Path, pg_url: str, workdir: Path) -> None:  # fmt: skip
    common = (str(app_db), pg_url, "--workdir", str(workdir))
    assert skylift("db", "sync", *common, "--once").returncode == 0
    # killed before its catch-up after the full comparison is recorded: the rerun resumes
    # there, with 3,000 orders the app wrote meanwhile (as during a long comparison)
    killed = skylift("db", "cutover", *common, kill_at="cutover:caught-up-again")
    assert killed.returncode == -9, killed.stderr
    write(app_db, *[f"INSERT INTO orders (account_id, status) VALUES ({1 + i % 40}, 'late')"
                    for i in range(3000)])  # fmt: skip
    moved = skylift("db", "cutover", *common, "--json")
    assert moved.returncode == 0, moved.stderr
    out = json.loads(moved.stdout)
    compared = {c["table"]: c["keys_compared"] for c in out["verification"]}
    assert compared["orders"] == 0, compared  # applied and verified before the freeze
    settle = next(s for s in out["steps"] if s["step"] == "caught-up-again")["detail"]
    settle = json.loads(settle) if isinstance(settle, str) else settle
    assert settle["rounds"][0]["changes"] >= 3000 and settle["rounds"][0]["verified"]
    assert_same(app_db, pg_url)
