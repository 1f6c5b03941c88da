"""Cron: how often a job runs (for its cost), and the switch an app reads to turn its
in-process scheduler off."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from skylift.scan.model import AppProfile


def runs_per_month(expr: str) -> int:
    """Rough count of runs of a 5/6-field cron expression in a 30-day month."""
    parts = expr.split()
    if len(parts) == 6:
        parts = parts[1:]
    if len(parts) != 5:
        return 30
    minute, hour, dom, _month, dow = parts
    per_day = _field_count(minute, 60) * _field_count(hour, 24)
    if dom != "*":
        days = _field_count(dom, 31) * 30 / 30.4
    elif dow != "*":
        days = _field_count(dow, 7) * 30 / 7
    else:
        days = 30
    return max(1, math.ceil(per_day * days))


def _field_count(f: str, span: int) -> int:
    if f == "*":
        return span
    if m := re.fullmatch(r"\*/(\d+)", f):
        return math.ceil(span / int(m.group(1)))
    count = 0
    for part in f.split(","):
        if m := re.fullmatch(r"(\d+)-(\d+)", part):
            count += int(m.group(2)) - int(m.group(1)) + 1
        else:
            count += 1
    return count


@dataclass(frozen=True)
class CronSwitch:
    """An environment variable the app reads to turn its in-process scheduler on or off."""

    name: str
    on: str
    off: str
    evidence: str


# RUN_CRON, ENABLE_CRON, CRON_ENABLED, SCHEDULER_ENABLED, DISABLE_JOBS, JOBS_DISABLED, ...
_SWITCH = re.compile(
    r"^(?:(RUN|ENABLE|DISABLE)_)?(CRON|CRONS|CRONJOBS?|SCHEDULER|SCHEDULES?|JOBS?)"
    r"(?:_(ENABLED|DISABLED|ON|OFF))?$"
)


def cron_switch(profile: AppProfile) -> CronSwitch | None:
    """The switch the app reads, if the scan found one: without it, skylift cannot stop the web
    tasks from running the schedule, so it never pretends to (no invented RUN_CRON)."""
    for env in profile.env:
        m = _SWITCH.match(env.name)
        if not m or not (m.group(1) or m.group(3)):
            continue
        negative = "DISABLE" in (m.group(1) or "") + (m.group(3) or "") or m.group(3) == "OFF"
        on, off = ("false", "true") if negative else ("true", "false")
        where = ", ".join(str(e) for e in env.evidence[:1]) or "the scan"
        return CronSwitch(env.name, on, off, where)
    return None
