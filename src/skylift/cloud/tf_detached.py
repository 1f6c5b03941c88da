"""`terraform apply` and `destroy` in their own session, so that skylift's death never cuts
them: killed with kill -9 (or its whole process group), skylift leaves Terraform to finish,
save its state and release its lock; Ctrl-C asks Terraform to stop gracefully (it saves what
it made) and waits for it. The next run finds what the last one left in `RUNNING`: an apply
still going (it waits for it), one that finished, or one that was itself cut off (power, OOM,
kill -9 of Terraform): only then has the account resources the state does not know.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

RUNNING = "skylift-terraform-run.json"  # {"pid", "args", "log"}: the run in progress
_FINISHED = re.compile(r"^(│ )?(Error: |Apply complete!|Destroy complete!|No changes\.)", re.M)


def run(cmd: list[str], workdir: Path, env: dict[str, str],
        log: Callable[[str], None] | None) -> tuple[int, list[str]]:  # fmt: skip
    """Run `cmd` detached from skylift's process group; its exit code and output lines."""
    out = workdir / f"terraform-{cmd[1]}.log"
    with out.open("w") as sink:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    marker = workdir / RUNNING
    marker.write_text(json.dumps({"pid": proc.pid, "args": cmd[1:2], "log": str(out)}))
    try:
        lines = _follow(proc, out, log)
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)  # Terraform finishes what is in flight and saves state
        with contextlib.suppress(KeyboardInterrupt):
            proc.wait()
        marker.unlink(missing_ok=True)
        raise
    marker.unlink(missing_ok=True)
    return proc.returncode, lines


def _follow(
    proc: subprocess.Popen[bytes], out: Path, log: Callable[[str], None] | None
) -> list[str]:
    lines: list[str] = []
    with out.open(encoding="utf-8", errors="replace") as f:
        rest = ""
        while True:
            ended = proc.poll() is not None
            rest += f.read()
            *complete, rest = rest.split("\n")
            for line in complete:
                lines.append(line + "\n")
                if log:
                    log(line)
            if ended:
                break
            time.sleep(0.2)
    if rest:
        lines.append(rest)
    return lines


def previous(workdir: Path, say: Callable[[str], None]) -> str | None:
    """What the last run's Terraform did: None (nothing left), "finished" (it ended by itself,
    its state saved) or "cut" (it was killed: resources may exist outside the state). An apply
    still running is waited for first."""
    marker = workdir / RUNNING
    try:
        info = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    pid, log = int(info.get("pid") or 0), Path(str(info.get("log") or ""))
    if _alive(pid):
        say(f"terraform {' '.join(info.get('args') or [])} of the last run is still going "
            f"(pid {pid}): waiting for it to finish")  # fmt: skip
        while _alive(pid):
            time.sleep(1)
    try:
        text = log.read_text(errors="replace")
    except OSError:
        text = ""
    marker.unlink(missing_ok=True)
    return "finished" if _FINISHED.search(text) else "cut"


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return b"terraform" in cmdline and stat.rsplit(")", 1)[1].split()[0] != "Z"
