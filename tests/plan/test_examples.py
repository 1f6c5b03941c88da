"""Golden tests: `skylift plan` on each example app, compared with tests/golden/plan/<name>/.

Regenerate after an intended change with:  SKYLIFT_UPDATE_GOLDEN=1 pytest tests/plan
The profile comes from `skylift scan` when the scanner is present, otherwise from the
hand-built profiles in tests/plan/profiles.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from skylift.plan import plan
from skylift.scan.model import AppProfile
from tests.plan import profiles

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GOLDEN = ROOT / "tests" / "golden" / "plan"
UPDATE = os.environ.get("SKYLIFT_UPDATE_GOLDEN") == "1"


def profile_for(name: str) -> AppProfile:
    try:
        from skylift.scan import scan  # type: ignore[attr-defined]
    except ImportError:
        return profiles.ALL[name](str(EXAMPLES / name))
    result: AppProfile = scan(EXAMPLES / name)
    return result


def check(path: Path, actual: str, parse: Any = None) -> None:
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    if parse:
        assert parse(actual) == parse(expected), f"{path} differs: SKYLIFT_UPDATE_GOLDEN=1"
    else:
        assert actual == expected, f"{path} differs: SKYLIFT_UPDATE_GOLDEN=1 pytest tests/plan"


@pytest.mark.parametrize("name", sorted(profiles.ALL))
def test_plan_of_example_matches_golden(name: str, tmp_path: Path) -> None:
    if not (EXAMPLES / name).is_dir():
        pytest.skip(f"examples/{name} is not there yet")
    profile = profile_for(name)
    toml = tmp_path / "skylift.toml"
    result = plan(EXAMPLES / name, profile=profile, config_path=toml, out_dir=tmp_path)
    est = result.plan.estimate
    assert est.total == round(sum(line.monthly for line in est.lines), 2)
    golden = GOLDEN / name
    check(golden / "MIGRATION.md", (tmp_path / "MIGRATION.md").read_text())
    check(golden / "skylift.toml", toml.read_text())
    check(golden / "cost.json", json.dumps(est.as_dict(), indent=2) + "\n", json.loads)
    prod = plan(
        EXAMPLES / name,
        {"app.tier": "production"},
        profile=profile,
        config_path=toml,
        write_reports=False,
    )
    check(
        golden / "production.cost.json",
        json.dumps(prod.plan.estimate.as_dict(), indent=2) + "\n",
        json.loads,
    )
    html = (tmp_path / "migration.html").read_text()
    assert html.count("<svg") == 2 and "http://www.w3.org/2000/svg" in html


def test_cli_json_on_an_example_and_no_secret_value_in_any_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from skylift.cli._app import main

    code = main(
        [
            "plan",
            str(EXAMPLES / "pantrypal"),
            "--out",
            str(tmp_path),
            "--config",
            str(tmp_path / "skylift.toml"),
            "--tier",
            "production",
            "--json",
        ]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["blueprint"]["tier"] == "production" and doc["config"]["created"] is True
    assert doc["cost"]["total"] == round(sum(x["monthly"] for x in doc["cost"]["lines"]), 2)
    assert 'tier = "production"' in (tmp_path / "skylift.toml").read_text()
    # pantrypal has a hard-coded fallback secret in src/auth.js: it must not leak anywhere
    leaked = "pantrypal-dev-secret-change-me"
    assert leaked in (EXAMPLES / "pantrypal" / "src" / "auth.js").read_text()
    for f in ("MIGRATION.md", "migration.html", "skylift.toml"):
        assert leaked not in (tmp_path / f).read_text()
    assert leaked not in json.dumps(doc)
