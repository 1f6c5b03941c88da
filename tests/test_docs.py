"""The docs tell the truth: exit codes, README commands, documented CLI commands exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from skylift.errors import EXIT_CODES

ROOT = Path(__file__).resolve().parents[1]


def test_exit_code_table_matches_the_code() -> None:
    doc = (ROOT / "docs" / "exit-codes.md").read_text()
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", doc, re.M)}
    assert set(EXIT_CODES.values()) | {0, 1} == documented


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in readme and "scripts/test" in ci


def test_every_readme_command_exists() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = set(re.findall(r"^\| `skylift ([a-z]+(?: [a-z]+)?)", readme, re.M))
    assert commands
    for command in commands:
        result = subprocess.run([sys.executable, "-m", "skylift", *command.split(), "--help"],
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert result.returncode == 0, f"skylift {command}: {result.stderr}"


def test_the_cutover_page_names_only_real_commands_and_options() -> None:
    from tests.plan import commands

    doc = (ROOT / "docs" / "cutover.md").read_text()
    block = re.search(r"```bash\n(.*?)```", doc, re.S)
    assert block
    lines = [ln.split("#")[0] for ln in block.group(1).splitlines()]
    usage = [ln.strip() for ln in lines if ln.strip().startswith("skylift ")]
    assert len(usage) == 4
    for line in usage:
        words = re.sub(r"\[|\]|\.\.\.", " ", line).split()
        options = [w for w in words if w.startswith("--")]
        command = " ".join(words[:2] + options)
        commands.check(command, {}, complete=False)
    for mention in set(re.findall(r"`(skylift (?:db )?[a-z]+(?: --[a-z-]+)?)", doc)):
        commands.check(mention, {}, complete=False)
