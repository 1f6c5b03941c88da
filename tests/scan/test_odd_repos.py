"""Odd repositories get one clear message and exit code 6 from the CLI, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import skylift.cli  # noqa: F401  (registers the commands)
from skylift.cli._app import main
from skylift.errors import RepoError
from skylift.scan import scan

from .conftest import write


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skylift", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture
def assert_repo_error(capsys: pytest.CaptureFixture[str]):
    """Run `skylift scan PATH` in-process (same entry point as the command) and check the error."""

    def check(path: Path | str, *words: str) -> None:
        code = main(["scan", str(path)])
        captured = capsys.readouterr()
        assert code == RepoError.exit_code == 6, captured.err
        assert "Traceback" not in captured.err and captured.out == ""
        message = " ".join(captured.err.split())  # the error console wraps long lines
        for word in words:
            assert word in message

    return check


def test_cli_process_exit_code_and_no_traceback(tmp_path: Path) -> None:
    result = cli("scan", str(tmp_path / "nope"))
    assert result.returncode == 6
    assert "does not exist" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_path_that_does_not_exist(tmp_path: Path, assert_repo_error) -> None:
    assert_repo_error(tmp_path / "nope", "does not exist")


def test_path_is_a_file(tmp_path: Path, assert_repo_error) -> None:
    assert_repo_error(write(tmp_path, {"a.txt": "x"}) / "a.txt", "is a file")


def test_empty_folder(tmp_path: Path, assert_repo_error) -> None:
    assert_repo_error(tmp_path, "is empty")


def test_only_skipped_folders_counts_as_empty(tmp_path: Path, assert_repo_error) -> None:
    write(tmp_path, {".git/HEAD": "ref: refs/heads/main\n", "node_modules/x/index.js": ""})
    assert_repo_error(tmp_path, "is empty", "node_modules")


def test_no_manifest(tmp_path: Path, assert_repo_error) -> None:
    write(tmp_path, {"README.md": "# hi\n", "index.html": "<h1>hi</h1>"})
    assert_repo_error(tmp_path, "no app found", "package.json")


def test_monorepo_with_several_apps_names_them(tmp_path: Path, assert_repo_error) -> None:
    write(
        tmp_path,
        {"api/package.json": "{}", "web/package.json": "{}", "worker/go.mod": "module w\n"},
    )
    assert_repo_error(tmp_path, "3 apps", "api, web, worker", "skylift scan")


def test_workspaces_monorepo(tmp_path: Path, assert_repo_error) -> None:
    write(
        tmp_path,
        {
            "package.json": '{"workspaces": ["apps/*"]}',
            "apps/a/package.json": "{}",
            "apps/b/package.json": "{}",
        },
    )
    assert_repo_error(tmp_path, "2 apps")


def test_invalid_package_json_points_at_the_line(tmp_path: Path, assert_repo_error) -> None:
    write(tmp_path, {"package.json": '{\n  "name": "x",\n  "dependencies": {,}\n}\n'})
    assert_repo_error(tmp_path, "package.json is not valid JSON", "line 3")


def test_single_app_in_a_subfolder_is_scanned(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "README.md": "x",
            "server/package.json": json.dumps({"name": "srv", "dependencies": {"express": "4"}}),
        },
    )
    p = scan(tmp_path)
    assert (p.name, p.apps, p.framework.value) == ("srv", ["server"], "express")
    assert p.root == str((tmp_path / "server").resolve())


def test_unreadable_file_is_skipped_with_a_note(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "package.json": json.dumps({"name": "a", "dependencies": {"express": "4"}}),
            "bad.js": b"\xff\xfe\x00bad",
        },
    )
    os.symlink(tmp_path / "missing.js", tmp_path / "dangling.js")
    p = scan(tmp_path)
    note = next(f for f in p.findings if f.code == "unreadable-files")
    assert {e.file for e in note.evidence} == {"bad.js", "dangling.js"}
    assert main(["scan", str(tmp_path), "--json"]) == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_root(tmp_path: Path, assert_repo_error) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0)
    try:
        assert_repo_error(locked, "cannot read")
    finally:
        locked.chmod(0o755)


def test_committed_node_modules_is_skipped_and_noted(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "package.json": json.dumps({"name": "a", "dependencies": {"express": "4"}}),
            "index.js": "app.listen(3000);\n",
            "node_modules/evil/index.js": "fs.writeFileSync('x', y); const k = process.env.FROM_A_DEPENDENCY;\n",
        },
    )
    p = scan(tmp_path)
    assert "FROM_A_DEPENDENCY" not in {e.name for e in p.env}
    assert "writes-local-disk" not in {f.code for f in p.findings}
    assert [
        e.file for f in p.findings if f.code == "committed-dependencies" for e in f.evidence
    ] == ["node_modules"]


def test_large_repo_skips_node_modules_vendor_and_git(tmp_path: Path) -> None:
    """5,000 files, most of them in folders the scan must not enter (timing: bench/scan_bench.py)."""
    files: dict[str, str | bytes] = {
        "package.json": json.dumps({"name": "big", "dependencies": {"express": "4"}})
    }
    for i in range(600):
        files[f"src/mod{i // 50}/f{i}.js"] = (
            f"module.exports = () => process.env.APP_VAR_{i % 3};\n"
        )
    for i in range(3800):
        files[f"node_modules/pkg{i // 20}/lib/f{i}.js"] = (
            "process.env.DEP_VAR; fs.writeFileSync('a', b);\n"
        )
    for i in range(400):
        files[f"vendor/v{i}.js"] = "process.env.VENDOR_VAR;\n"
    for i in range(200):
        files[f".git/objects/{i:02x}/obj"] = "x"
    write(tmp_path, files)
    p = scan(tmp_path)
    assert [e.name for e in p.env] == ["APP_VAR_0", "APP_VAR_1", "APP_VAR_2"]
    assert all(
        not e.file.startswith(("node_modules", "vendor", ".git")) for v in p.env for e in v.evidence
    )


def test_virtualenvs_of_any_name_are_skipped(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": "flask\n",
            "app.py": "import os\nKEY = os.environ['APP_KEY']\n",
            "tools-env/pyvenv.cfg": "home = /usr/bin\n",
            "tools-env/lib/python3.11/site-packages/dep.py": "os.environ['DEP_SETTING']\n",
            ".venv-lint/lib/python3.11/site-packages/x.py": "os.environ['LINT_SETTING']\n",
        },
    )
    assert [e.name for e in scan(tmp_path).env] == ["APP_KEY"]


@pytest.mark.parametrize(
    "files",
    [
        {
            "package.json": json.dumps(
                {"name": 7, "dependencies": ["express"], "scripts": "x", "engines": "node 20"}
            )
        },
        {"package.json": "null"},
        {
            "package.json": json.dumps(
                {"scripts": {"start": {"nested": 1}, "build": 3, "worker": None}}
            )
        },
        {"package.json": "{}", "docker-compose.yml": "- just\n- a list\n", "app.json": "[1, 2]"},
        {
            "package.json": "{}",
            "docker-compose.yml": "services:\n  a:\n    build: .\n    ports:\n      - target: 3000\n        published: 80\n",
        },
        {"package.json": "{}", "docker-compose.yml": "services: [\n", "fly.toml": "app = \n"},
        {
            "package.json": "{}",
            "src/a.js": "const s = `unterminated ${ template;\nfs.writeFileSync(\n",
        },
        {"go.mod": "module\n\ngo\n", "main.go": 'const q = "SELECT ? FROM"\n'},
        {
            "pyproject.toml": "[project\nname = ",
            "requirements.txt": "-e .\n--index-url x\nflask[async]>=3 ; python_version>'3'\n",
        },
        {
            "package.json": "{}",
            "data/x.db": b"SQLite format 3\x00" + b"\x00" * 100,
            "data/dump.sql": b"\xff\xfe INSERT INTO",
        },
    ],
)
def test_malformed_files_never_raise_a_traceback(tmp_path: Path, files) -> None:
    write(tmp_path, files)
    try:
        scan(tmp_path)
    except RepoError as exc:  # a clear message is fine; anything else is a bug
        assert exc.what


def test_tooling_only_root_manifest_with_apps_below(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "package.json": json.dumps({"name": "root", "devDependencies": {"husky": "9"}}),
            "services/api/package.json": json.dumps({"dependencies": {"express": "4"}}),
            "services/web/package.json": json.dumps({"dependencies": {"next": "14"}}),
        },
    )
    # both serve requests; the folder named like an API is the one moved, and the scan says so
    p = scan(tmp_path)
    assert p.apps == ["services/api", "services/web"]
    (f,) = [f for f in p.findings if f.code == "monorepo-choice"]
    assert "services/web" in f.suggestion


def test_root_app_with_a_nested_tool_is_still_the_app(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "package.json": json.dumps({"name": "api", "dependencies": {"express": "4"}}),
            "tools/codegen/package.json": json.dumps({"dependencies": {"ts-morph": "1"}}),
        },
    )
    p = scan(tmp_path)
    assert (p.name, p.apps) == ("api", [])


LONG_LINE = "".join(
    ['var a=" /* x";', "b='SELECT ? FROM t';", 'f={token:"abcdefgh123"};', "g.prepare('x');"] * 1200
)


@pytest.mark.timeout(30)
def test_long_lines_and_minified_bundles(tmp_path: Path) -> None:
    """A 19 kB one-line file is scanned (each excerpt is cut before masking: no quadratic work);
    bundles are not app code and are skipped."""
    pkg = json.dumps({"name": "a", "dependencies": {"express": "4", "better-sqlite3": "9"}})
    write(
        tmp_path,
        {
            "package.json": pkg,
            "src/long.js": LONG_LINE[:19_000],
            "public/app.min.js": LONG_LINE,
            "public/vendor.js": LONG_LINE * 2,
        },
    )
    p = scan(tmp_path)
    placeholders = next(f for f in p.findings if f.code == "sqlite-placeholder")
    assert {e.file for e in placeholders.evidence} == {"src/long.js"}
    assert all(len(e.excerpt or "") <= 120 for f in p.findings for e in f.evidence)
