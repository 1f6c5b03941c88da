"""`skylift scan`: the readable summary and the --json document, through the command itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import skylift.cli  # noqa: F401  (registers the commands)
from skylift.cli._app import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_json_is_the_profile_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(EXAMPLES / "github-api"), "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert (data["name"], data["framework"]["value"]) == ("github-api", "express")
    assert {f["code"] for f in data["findings"]} >= {"mysql-upsert", "cookie-not-secure"}
    assert err == ""


def test_summary_names_facts_evidence_and_fixes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(EXAMPLES / "gengar")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for text in (
        "nestjs",
        "heroku",
        "Procfile:1",
        "vector",
        "reset-monthly-usage",
        "No health endpoint",
        "fix:",
    ):
        assert text in out


def test_brackets_from_the_repository_are_text_not_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = {"name": "[bold]x[/bold]", "dependencies": {"express": "4"}}
    (tmp_path / "package.json").write_text(json.dumps(pkg))
    (tmp_path / "Procfile").write_text("web: node a.js\nworker: node w.js [/red]\n")
    assert main(["scan", str(tmp_path)]) == 0  # an unescaped "[/red]" is a Rich MarkupError
    out = capsys.readouterr().out
    assert "[bold]x[/bold]" in out and "node w.js [/red]" in out
