"""Cron expressions: how often a job runs (for its cost)."""

from __future__ import annotations

import math
import re


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
