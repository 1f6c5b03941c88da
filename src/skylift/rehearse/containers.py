"""Start and stop the app's containers as ECS would: the task definition's entryPoint and
command over the image's, its environment and secrets, its user, its memory (a memory cgroup
when the engine sets none), its port. Each container is a background process of its own
(it outlives `skylift up`) writing to a log file; `skylift down` ends it and removes it."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from skylift.rehearse.engine import Engine, ImageConfig
from skylift.rehearse.taskdefs import Container

CGROUP = Path("/sys/fs/cgroup/memory")  # cgroup v1 (v2: /sys/fs/cgroup/<name>/memory.max)
CGROUP_V2 = Path("/sys/fs/cgroup")


@dataclass
class Started:
    container: str  # the engine's container name
    pid: int  # the process group leader (the engine's foreground process)
    log: Path
    argv: list[str]  # what runs inside the container (no values of the environment)
    memory: str  # how the memory limit is applied: "engine", "cgroup", or "not enforced"


def argv_for(c: Container, image: ImageConfig) -> list[str]:
    """ECS's rule (Docker's): an entryPoint replaces the image's ENTRYPOINT and drops its CMD;
    a command replaces the CMD."""
    if c.entrypoint is not None:
        return [*c.entrypoint, *(c.command or [])]
    return [*image.entrypoint, *(c.command if c.command is not None else image.cmd)]


def start(
    engine: Engine,
    name: str,
    image: str,
    argv: list[str],
    env: dict[str, str],
    *,
    c: Container,
    log: Path,
    volumes: list[tuple[str, str]],
) -> Started:
    """Run `argv` in a new container `name` in the background."""
    engine.create(name, image)
    engine.set_env(name, env)
    cmd = engine.run_argv(name, image, argv, list(env), user=c.user, volumes=volumes,
                          memory_mib=c.memory_mib, read_only=c.read_only)  # fmt: skip
    memory = "engine" if engine.enforces()["memory"] else "not enforced"
    if c.memory_mib and not engine.enforces()["memory"]:
        procs = _memory_cgroup(name, c.memory_mib)
        if procs is not None:  # the engine's process joins the cgroup before it execs
            cmd = ["/bin/sh", "-c", _JOIN.format(procs=procs), "skylift-run", *cmd]
            memory = "cgroup"
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **env}, start_new_session=True)  # fmt: skip
    _CHILDREN[proc.pid] = proc
    return Started(name, proc.pid, log, argv, memory)


# the engine's process joins the memory cgroup, then execs; a cgroup it cannot join (the
# machine's cgroups changed under us) leaves a line in the task's log, never a failed task
_JOIN = (
    "{{ echo $$ > {procs}; }} 2>/dev/null"
    ' || echo "skylift: could not join the memory cgroup {procs}: the memory limit is not applied" >&2;'
    ' exec "$@"'
)


# the containers this process started, kept so that their exit code is read once and kept:
# reaping one elsewhere (alive() before wait(), or subprocess's clean-up of a dropped Popen
# when the next one starts) would leave wait() nothing to read
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _ended(pid: int) -> tuple[bool, int | None]:
    """Whether `pid` ended, and its exit code when it was ours (None for an earlier `up`'s)."""
    if (proc := _CHILDREN.get(pid)) is not None:
        code = proc.poll()
        return code is not None, code
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: started by an earlier `up`
        return False, None
    return bool(done), (os.waitstatus_to_exitcode(status) if done else None)


def wait(pid: int, timeout: float) -> int | None:
    """The exit code of our child `pid`, or None when it still runs after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        ended, code = _ended(pid)
        if ended or time.monotonic() >= deadline:
            return code
        time.sleep(0.2)


def alive(pid: int) -> bool:
    if _ended(pid)[0]:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):  # a zombie or a pid reused by something else
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def stop(engine: Engine, name: str, pid: int | None) -> None:
    """End the container's process group (SIGTERM, then SIGKILL as ECS does after 30 s; we
    wait 5 s) and remove the container and its cgroup."""
    if not name:  # a task that never ran (its image was not to be had)
        return
    if pid and alive(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    engine.remove(name)
    for folder in (CGROUP / "skylift" / name, CGROUP_V2 / "skylift" / name):
        with contextlib.suppress(OSError):
            folder.rmdir()


# what buildah itself adds when the process it runs exits non-zero: not the app's log
_ENGINE_NOISE = re.compile(r"^(subprocess exited with status \d+|Error: exit status \d+)$")


def tail(log: Path, lines: int = 50) -> list[str]:
    try:
        text = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line for line in text if not _ENGINE_NOISE.match(line)][-lines:]


def _memory_cgroup(name: str, mib: int) -> Path | None:
    """A memory cgroup limited to `mib` MiB (v1 or v2, when writable): its procs file."""
    limit = str(mib * 1024 * 1024)
    for base, knob in ((CGROUP, "memory.limit_in_bytes"), (CGROUP_V2, "memory.max")):
        if not (base / knob).exists() and not (base / "cgroup.procs").exists():
            continue
        folder = base / "skylift" / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / knob).write_text(limit)
            return folder / "cgroup.procs"
        except OSError:
            continue
    return None
