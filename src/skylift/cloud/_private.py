"""Private folders for the embedded servers' data, which is a copy of the user's database.

Run by a normal user, a server keeps its data in the work folder (.skylift/, 0700). Run as root,
the servers cannot run as root (PostgreSQL refuses to) and run as an unprivileged system user,
which cannot enter the work folder: instead of opening the user's folders to every user on the
host, the data then lives in a folder skylift creates for that user alone (under
/var/lib/skylift/, 0700), and the work folder holds a link to it. skylift never changes the mode
of a folder it did not create.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pwd
import shutil
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from skylift.workdir import make_dirs

HOMES = Path("/var/lib/skylift")
OWNER_FILE = "skylift-owner"  # in a relocated folder: the work-folder path that links to it


def system_user(name: str) -> pwd.struct_passwd:
    """The unprivileged system user a server runs as when skylift runs as root."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "-s", "/bin/false", "-M", name],
                       check=True, capture_output=True)  # fmt: skip
        return pwd.getpwnam(name)


def reachable(path: Path, user: pwd.struct_passwd) -> bool:
    """Whether `user` may enter every folder down to `path` (by the mode bits alone)."""
    groups = {user.pw_gid, *os.getgrouplist(user.pw_name, user.pw_gid)}
    for folder in [path, *path.parents]:
        try:
            st = folder.stat()
        except OSError:
            continue  # not created yet
        if st.st_uid == user.pw_uid:
            bit = stat.S_IXUSR
        elif st.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def relocated(link: Path, kind: str) -> Path:
    """The folder outside the work folder that holds `link`'s data (see the module doc)."""
    key = hashlib.sha256(str(link).encode()).hexdigest()[:16]
    return HOMES / kind / key


@contextlib.contextmanager
def locked(home: Path) -> Iterator[None]:
    """One process at a time sets up or removes `home` (two `skylift` commands at once)."""
    lock = home.with_name(home.name + ".lock")
    make_dirs(lock.parent)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def link_home(link: Path, home: Path) -> None:
    """Point `link` (in the work folder) at `home`, atomically."""
    (home / OWNER_FILE).write_text(str(link))
    tmp = link.with_name(f".{link.name}.link-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(home, target_is_directory=True)
    tmp.replace(link)


def make_base(kind: str) -> Path:
    """/var/lib/skylift/<kind>, 0711: the server user may pass through it, nobody may list it."""
    base = HOMES / kind
    for folder in (HOMES, base):
        if not folder.exists():
            with contextlib.suppress(FileExistsError):
                folder.mkdir(mode=0o711)
    return base


def abandoned(kind: str, running: Callable[[Path], bool]) -> list[Path]:
    """Relocated folders whose work folder is gone (the user deleted .skylift, a temporary
    folder was cleaned): their data is a copy nobody can reach any more. `running(home)` tells
    whether a server still uses one (those are kept)."""
    base = HOMES / kind
    if not base.is_dir():
        return []
    gone = []
    for home in base.iterdir():
        if not home.is_dir() or home.suffix:
            continue
        owner = home / OWNER_FILE
        with contextlib.suppress(OSError):
            link = Path(owner.read_text())
            if link.is_symlink() and Path(os.readlink(link)) == home:
                continue
        if not running(home):
            gone.append(home)
    return gone


def remove_abandoned(kind: str, running: Callable[[Path], bool]) -> None:
    base = HOMES / kind
    stale = time.time() - 3600  # no setup holds a lock for an hour
    for lock in base.glob("*.lock") if base.is_dir() else []:
        with contextlib.suppress(OSError):
            if not lock.with_suffix("").exists() and lock.stat().st_mtime < stale:
                lock.unlink()
    for home in abandoned(kind, running):
        lock = home.with_name(home.name + ".lock")
        with lock.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # being set up right now
            if home in abandoned(kind, running):
                shutil.rmtree(home, ignore_errors=True)
