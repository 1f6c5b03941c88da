"""Wall time and CPU seconds of a benchmarked tool and of the database servers it talks to.

The machine is shared (2 cores, other work running), so wall time alone misleads: CPU seconds
of the tool's process tree and of the servers (their reaped backends included) are printed next
to it.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def proc_cpu(pid: int) -> float:
    """CPU seconds of a process and its reaped children (PostgreSQL's backends)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(x) for x in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


class Meter:
    """with Meter([server pids]) as m: ...  then m.wall, m.tool, m.db (seconds)."""

    def __init__(self, servers: list[int]) -> None:
        self.servers = servers
        self.wall = self.tool = self.db = 0.0

    def __enter__(self) -> Meter:
        self.t0, self.c0 = time.monotonic(), children_cpu()
        self.s0 = sum(proc_cpu(p) for p in self.servers)
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.monotonic() - self.t0
        self.tool = children_cpu() - self.c0
        self.db = sum(proc_cpu(p) for p in self.servers) - self.s0


def quiet(url: str) -> None:
    """No autovacuum on a throwaway benchmark server: it would vacuum the last run's tables
    during the next tool's run, adding noise to whichever tool runs then."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET autovacuum = off")
        conn.execute("SELECT pg_reload_conf()")


@dataclass
class Run:
    wall: float
    tool_cpu: float
    db_cpu: float
    rss: int  # MiB, largest process of the tool's tree; 0 when not measured


def timed(cmd: list[str], servers: list[int], cwd: Path | None = None,
          ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None) -> tuple[Run, str]:  # fmt: skip
    """Run `cmd` under /usr/bin/time: its Run (the `servers`' CPU with it) and its stdout."""
    with Meter(servers) as meter:
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True,
                              text=True, cwd=cwd, check=False, env=env)  # fmt: skip
    if proc.returncode not in ok:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    rss = int(proc.stderr.strip().splitlines()[-1]) // 1024
    return Run(meter.wall, meter.tool, meter.db, rss), proc.stdout
