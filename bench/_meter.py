"""Wall time and CPU seconds of a benchmarked tool and of the database servers it talks to.

The machine is shared (2 cores, other work running), so wall time alone misleads: CPU seconds
of the tool's process tree and of the servers (their reaped backends included) are printed next
to it.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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


def print_against_pgloader(results: dict[str, list[Run]], report: dict[str, Any], mb: float,
                           servers: str, labels: dict[str, str]) -> None:  # fmt: skip
    """The Markdown table of a migration bench (medians; `labels`: the tools that verify
    nothing, by their printed name), the run-by-run ratio and skylift's phases."""

    def med(name: str, field: str) -> float:
        return float(statistics.median(getattr(r, field) for r in results[name]))

    print(
        f"| tool | wall | vs pgloader | vs raw pipe | MB/s | tool CPU | {servers} CPU | peak memory | verified |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name in results:
        wall, rss = med(name, "wall"), max(r.rss for r in results[name])
        verified = "no" if name in labels else "every table, checksums"
        print(f"| {labels.get(name, name)} | {wall:.1f} s | {wall / med('pgloader', 'wall'):.2f}x | "
              f"{wall / med('pipe', 'wall'):.2f}x | {mb / wall:.0f} | {med(name, 'tool_cpu'):.1f} s | "
              f"{med(name, 'db_cpu'):.1f} s | {f'{rss} MiB' if rss else '-'} | {verified} |")  # fmt: skip
    ratios = [s.wall / p.wall for s, p in zip(results["skylift"], results["pgloader"], strict=True)]
    print("\nskylift / pgloader run by run: " + ", ".join(f"{r:.2f}x" for r in ratios)
          + f" (median {statistics.median(ratios):.2f}x)")  # fmt: skip
    timings = report.get("timings_seconds", {})
    print("skylift phases (last run): " + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()))
