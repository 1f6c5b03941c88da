"""The work folder holds a copy of the user's data: private (0700, snapshots 0600), no folder
above it opened up, and kept out of git by one appended .gitignore line."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from skylift.workdir import IGNORE_COMMENT, prepare
from tests.db.sqlite_fixtures import make_app_db


def _git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def _ignored(repo: Path, rel: str) -> bool:
    done = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", rel], check=False)
    return done.returncode == 0


def test_a_new_work_folder_is_ignored_by_git_once(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path / "app")
    (repo / ".gitignore").write_bytes(b"node_modules/\n# keep me\n*.log")  # no final newline
    prepare(repo / ".skylift")
    prepare(repo / ".skylift")  # the second time: nothing more
    text = (repo / ".gitignore").read_text()
    assert text == f"node_modules/\n# keep me\n*.log\n{IGNORE_COMMENT}\n/.skylift/\n"
    assert _ignored(repo, ".skylift/snapshots/x.db")
    assert stat.S_IMODE((repo / ".skylift").stat().st_mode) == 0o700


def test_in_a_monorepo_the_line_names_the_apps_folder(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path / "mono")
    prepare(repo / "apps" / "api" / ".skylift")
    assert (repo / ".gitignore").read_text().endswith("/apps/api/.skylift/\n")
    assert _ignored(repo, "apps/api/.skylift/state")
    assert not (repo / "apps" / ".gitignore").exists()


def test_an_ignored_or_outside_folder_changes_no_file(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path / "app")
    (repo / ".gitignore").write_text(".skylift\n")
    prepare(repo / ".skylift")
    assert (repo / ".gitignore").read_text() == ".skylift\n"
    prepare(tmp_path / "elsewhere" / ".skylift")  # no git work tree above it
    assert not (tmp_path / "elsewhere" / ".gitignore").exists()
    assert not (tmp_path / ".gitignore").exists()


def test_db_migrate_keeps_the_copy_private(tmp_path: Path, pg_url: str) -> None:
    repo = _git_repo(tmp_path / "app")
    repo.chmod(0o755)
    db = make_app_db(repo / "app.db")
    db.chmod(0o644)
    # the folders above tmp_path belong to pytest, which other runs on the machine may change
    mine = [repo, tmp_path]
    before = {p: p.stat().st_mode for p in mine}
    done = subprocess.run([sys.executable, "-m", "skylift", "db", "migrate", str(db), pg_url],
                          capture_output=True, text=True, cwd=repo, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert {p: p.stat().st_mode for p in mine} == before  # none opened up
    work = repo / ".skylift"
    assert stat.S_IMODE(work.stat().st_mode) == 0o700
    assert stat.S_IMODE((work / "snapshots").stat().st_mode) == 0o700
    snapshots = list((work / "snapshots").glob("snapshot-*.db"))
    assert snapshots and all(stat.S_IMODE(s.stat().st_mode) == 0o600 for s in snapshots)
    assert _ignored(repo, ".skylift/snapshots/" + snapshots[0].name)
