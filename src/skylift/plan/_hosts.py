"""What the app costs where it runs today, and the budget alert amount.

On Heroku the bill is the dynos the app declares (app.json `formation`, one per Procfile
process type) and its add-ons (app.json `addons`), at Heroku's list prices. What the repository
does not say comes from skylift.toml [current] and is marked as assumed; a value the owner set
there wins.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from skylift.config import Config
from skylift.plan import prices
from skylift.plan.blueprint import Blueprint
from skylift.scan.model import AppProfile

# Heroku's renamed plans: Free became Eco, Hobby became Basic.
_SIZES = {"free": "eco", "hobby": "basic", "standard-1x": "standard-1x", "1x": "standard-1x"}
_PROCFILE_LINE = re.compile(r"^([\w-]+):\s*\S", re.M)


def heroku_bill(profile: AppProfile, cfg: Config) -> dict[str, Any]:
    """The dynos and add-ons of the Heroku app, each with where it was read (or "assumed")."""
    root = Path(profile.root)
    procfile = _procfile(root)
    app_json = _app_json(root)
    raw = app_json.get("formation")
    formation: dict[str, Any] = raw if isinstance(raw, dict) else {}
    c, owner = cfg.current, _owner_set(cfg)
    dynos = []
    for process, where in procfile or [("web", "")]:
        found = formation.get(process)
        spec: dict[str, Any] = found if isinstance(found, dict) else {}
        size = str(spec.get("size") or "").lower()
        size = _SIZES.get(size, size)
        quantity = spec.get("quantity")
        declared = "app.json formation" if spec else (f"Procfile:{where}" if where else "")
        if process == "web" and "current.heroku_dyno" in owner:
            size, declared = c.heroku_dyno, "skylift.toml"
        if process == "web" and "current.heroku_dyno_count" in owner:
            quantity = c.heroku_dyno_count
        dynos.append(
            {
                "process": process,
                "size": size or c.heroku_dyno,
                "quantity": int(quantity if isinstance(quantity, int) else 1),
                "evidence": declared if size else f"{declared or 'no Procfile'}; size assumed",
            }
        )
    addons = _addons(app_json)
    return {
        "dynos": dynos,
        "postgres": _addon(
            addons, "heroku-postgresql", c.heroku_postgres, "current.heroku_postgres" in owner
        )
        if profile.databases
        else None,
        "redis": _addon(addons, "heroku-redis", c.heroku_redis, "current.heroku_redis" in owner)
        if profile.cache
        else None,
    }


def _owner_set(cfg: Config) -> set[str]:
    return {k for k, v in cfg.origins.items() if k.startswith("current.") and v != "default"}


def _procfile(root: Path) -> list[tuple[str, str]]:
    """(process type, line) of every process that runs all the time: release runs once per
    deploy on a one-off dyno (billed by the second) and is left out."""
    try:
        text = (root / "Procfile").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [
        (m.group(1), str(text.count("\n", 0, m.start()) + 1))
        for m in _PROCFILE_LINE.finditer(text)
        if m.group(1) != "release"
    ]


def _app_json(root: Path) -> dict[str, Any]:
    try:
        data = json.loads((root / "app.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _addons(app_json: dict[str, Any]) -> list[str]:
    raw = app_json.get("addons") or []
    return [a if isinstance(a, str) else str(a.get("plan", "")) for a in raw if a]


def _addon(addons: list[str], service: str, assumed: str, owner: bool) -> dict[str, str]:
    declared = next((a for a in addons if a.startswith(service + ":")), None)
    if declared and not owner:
        return {"plan": declared.split(":", 1)[1], "evidence": "app.json addons"}
    return {"plan": assumed, "evidence": "skylift.toml" if owner else "plan assumed"}


def current_host_cost(bp: Blueprint) -> dict[str, Any] | None:
    cur = bp.current or {}
    if cur.get("monthly_cost"):
        return {
            "host": cur["host"],
            "monthly": round(float(cur["monthly_cost"]), 2),
            "lines": [],
            "source": "skylift.toml [current] monthly_cost",
        }
    heroku = cur.get("heroku")
    if not heroku:
        return None
    book = prices.hosts()
    lines, unpriced = [], []
    wanted = [
        ("heroku_dyno", d["size"], d["quantity"], f"{d['process']} dyno", d["evidence"])
        for d in heroku["dynos"]
    ]
    for kind in ("postgres", "redis"):
        if heroku[kind]:
            a = heroku[kind]
            wanted.append((f"heroku_{kind}", a["plan"], 1, f"heroku {kind}", a["evidence"]))
    for table, plan, n, what, evidence in wanted:
        p = book[table].get(plan)
        if p is None and n:
            unpriced.append(f"{what} {plan}")
        if p is None or not n:
            continue
        lines.append(
            {
                "item": f"{what} {plan}",
                "quantity": n,
                "unit_price": p["price"],
                "monthly": round(n * p["price"], 2),
                "source": p["source"],
                "evidence": evidence,
            }
        )
    return {
        "host": "heroku",
        "monthly": round(sum(x["monthly"] for x in lines), 2),
        "lines": lines,
        "source": f"Heroku list prices (checked {book['retrieved']}) for the dynos and add-ons "
        "the app declares"
        + (f"; no list price for {', '.join(unpriced)}: not counted" if unpriced else ""),
    }


def budget_amount(total: float) -> int:
    """The AWS Budgets alert: 25% above the estimate, rounded up to $5."""
    return int(math.ceil(total * 1.25 / 5) * 5)
