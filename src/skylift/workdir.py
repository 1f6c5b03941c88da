"""skylift's work folder (`.skylift/` by default): private, and never committed.

It holds a copy of the user's database (the snapshots), the embedded servers' data and the
Terraform state of the rehearsal. skylift creates its folders 0700 and never changes the mode of
a folder it did not create. When it creates the work folder inside a git work tree, it appends a
line ignoring it to that tree's .gitignore (the file is never rewritten; `.dockerignore` already
leaves it out of images). `skylift db migrate` and `skylift up` both start here.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

from skylift.errors import WorkdirError

IGNORE_COMMENT = "# skylift's work folder: a copy of the database, server data, Terraform state"


def make_dirs(path: Path) -> list[Path]:
    """Create `path` and its missing parents, 0700; returns the folders it created."""
    missing = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing.append(folder)
    created = []
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
            created.append(folder)
        except FileExistsError:
            pass
        except OSError as exc:
            raise unwritable(folder, exc) from exc
    return created


def unwritable(folder: Path, exc: OSError) -> WorkdirError:
    """The error for a work folder that cannot be written (read-only, full, not ours)."""
    full = exc.errno == errno.ENOSPC
    return WorkdirError(
        f"the work folder {folder} is full" if full else f"cannot write to {folder}",
        exc.strerror or str(exc),
        ("free space there, or " if full else "")
        + "pass --workdir a folder on a disk you may write to, with room for a copy of the "
        "database",
    )


def prepare(workdir: Path) -> Path:
    """Make sure the work folder exists (0700); the first time, keep it out of git."""
    workdir = Path(os.path.abspath(workdir.expanduser()))
    if workdir.exists() and not workdir.is_dir():
        raise WorkdirError(
            f"the work folder {workdir} is a file", "", "pass --workdir a folder (or a new path)"
        )
    if make_dirs(workdir):
        ignore_in_git(workdir)
    return workdir


def ignore_in_git(folder: Path) -> Path | None:
    """Append `/<folder>/` to the .gitignore at the top of the git work tree holding `folder`
    (nothing when there is none, or when git ignores it already); the file it changed."""
    top = _work_tree(folder)
    if top is None:
        return None
    rel = folder.relative_to(top).as_posix()
    if not rel or rel == "." or rel.split("/")[0] == ".git" or _ignored(top, rel):
        return None
    gitignore = top / ".gitignore"
    try:
        before = gitignore.read_bytes() if gitignore.exists() else b""
        with gitignore.open("a", encoding="utf-8") as handle:
            lead = "\n" if before and not before.endswith(b"\n") else ""
            handle.write(f"{lead}{IGNORE_COMMENT}\n/{rel}/\n")
    except OSError:
        return None  # a read-only checkout: the folder still works, it is just not ignored
    return gitignore


def _work_tree(folder: Path) -> Path | None:
    for parent in folder.parents:
        if (parent / ".git").exists():
            return parent
    return None


def _ignored(top: Path, rel: str) -> bool:
    git = shutil.which("git")
    if git:
        done = subprocess.run([git, "-C", str(top), "check-ignore", "-q", rel + "/"],
                              capture_output=True, check=False)  # fmt: skip
        if done.returncode in (0, 1):
            return done.returncode == 0
    gitignore = top / ".gitignore"
    lines = gitignore.read_text(errors="replace").splitlines() if gitignore.exists() else []
    name = rel.rsplit("/", 1)[-1]
    return any(line.strip().strip("/") in (rel, name) for line in lines)
