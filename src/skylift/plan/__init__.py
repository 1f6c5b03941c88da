"""plan: AppProfile + skylift.toml -> Blueprint, its monthly cost, and the plan document.

Public API: `plan()` (what `skylift plan` runs) and `make_plan()` (pure, writes nothing).
Loaded lazily so that importing `skylift.plan.blueprint` stays cheap for renderers.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PlanResult", "make_plan", "plan"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from skylift.plan import _plan

        return getattr(_plan, name)
    raise AttributeError(name)
