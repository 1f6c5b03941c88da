"""The CLI turns every SkyliftError into one message and a distinct exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from skylift.errors import EXIT_CODES


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skylift", *args], capture_output=True, text=True, check=False
    )


def test_exit_codes_are_distinct() -> None:
    assert len(set(EXIT_CODES.values())) == len(EXIT_CODES)
    assert 0 not in EXIT_CODES.values() and 1 not in EXIT_CODES.values()


def test_help_lists_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "db" in result.stdout


def test_unknown_option_is_a_usage_error_without_traceback() -> None:
    result = run("--no-such-option")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_the_app_not_running_has_its_own_code() -> None:
    assert EXIT_CODES["AppDidNotRun"] == 15


def test_status_without_a_rehearsal_is_a_usage_error(tmp_path: Path) -> None:
    result = run("status", str(tmp_path))
    assert result.returncode == 2
    assert "no rehearsal runs for this app" in result.stderr and "skylift up" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_stopped_cutover_has_its_own_code() -> None:
    from skylift.errors import CutoverStopped

    stopped = CutoverStopped("latency went into ALARM at 50% on AWS", "p95 3.2s", "rerun")
    assert EXIT_CODES["CutoverStopped"] == 16 == stopped.exit_code
    assert stopped.render().startswith("error: latency went into ALARM")


def test_cutover_of_an_app_not_provisioned_says_so(tmp_path: object) -> None:
    result = run("cutover", str(tmp_path))
    assert result.returncode not in (0, 1) and "Traceback" not in result.stderr
    assert result.stderr.startswith("error:"), result.stderr
