"""Golden files: the AppProfile of each example app, compared field by field after parsing.

Regenerate after an intended change with `SKYLIFT_UPDATE_GOLDEN=1 pytest tests/scan`, then read
the diff in tests/golden/scan/ before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from skylift.scan import scan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GOLDEN = ROOT / "tests" / "golden" / "scan"
NAMES = ["pantrypal", "pos-api", "gengar", "github-api", "tracker"]


def profile_json(name: str) -> dict[str, Any]:
    data = scan(EXAMPLES / name).as_dict()
    data.pop("root")  # absolute, differs per checkout
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("name", NAMES)
def test_example_matches_golden(name: str) -> None:
    got = profile_json(name)
    path = GOLDEN / f"{name}.json"
    if os.environ.get("SKYLIFT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not path.exists():
        pytest.fail(f"no golden file {path}: run SKYLIFT_UPDATE_GOLDEN=1 pytest tests/scan")
    expected = json.loads(path.read_text(encoding="utf-8"))
    for key in expected.keys() | got.keys():
        assert got.get(key) == expected.get(key), f"{name}: {key} differs from {path}"


def test_examples_are_the_seed_stories() -> None:
    """The facts each seed migration plan depends on, stated plainly."""
    p = {name: scan(EXAMPLES / name) for name in NAMES}
    assert (p["pantrypal"].framework.value, p["pantrypal"].port.value) == ("express", 3002)
    assert p["pantrypal"].current_host.value == "vps-compose"
    assert p["pantrypal"].databases[0].files == ["data/pantrypal.db"]
    assert (
        p["pos-api"].framework.value == "gin" and p["pos-api"].cache.value["client"] == "go-redis"
    )
    assert p["gengar"].current_host.value == "heroku" and p["gengar"].databases[0].extensions == [
        "vector"
    ]
    assert {j.kind for j in p["gengar"].jobs} == {"cron", "one-off", "release"}
    assert {s.value for s in p["github-api"].services} >= {"ses", "smtp"}
    assert p["github-api"].databases[0].engine == "mysql"
    assert p["tracker"].framework.value == "nextjs"
    assert "cookie-not-secure" in {f.code for f in p["tracker"].findings}
    for name in ("pantrypal", "gengar", "tracker"):
        assert p[name].health_path is None
    assert p["pos-api"].health_path.value == "/healthz"
    assert p["github-api"].health_path.value == "/api/system/health"


def test_every_fact_has_evidence() -> None:
    for name in NAMES:
        p = scan(EXAMPLES / name)
        facts = [p.runtime, p.framework, p.port, p.start_command, *p.services, *p.outbound_apis]
        for fact in filter(None, facts):
            assert fact.evidence, f"{name}: {fact.value} has no evidence"
        for db in p.databases:
            assert db.evidence
        for var in p.env:
            assert var.evidence and all(e.line for e in var.evidence)
        for finding in p.findings:
            assert finding.evidence or finding.code == "no-health-endpoint"


@pytest.mark.parametrize(
    ("name", "file", "secret"),
    [
        ("pantrypal", "src/auth.js", "pantrypal-dev-secret-change-me"),  # a hard-coded fallback
        ("pos-api", ".env.example", "pos:pos@"),  # the password inside DATABASE_URL
    ],
)
def test_no_secret_value_in_the_profile(name: str, file: str, secret: str) -> None:
    assert secret in (EXAMPLES / name / file).read_text()
    assert secret not in json.dumps(profile_json(name))
