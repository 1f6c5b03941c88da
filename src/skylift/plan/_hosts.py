"""What the app costs where it runs today, and the budget alert amount."""

from __future__ import annotations

import math
from typing import Any

from skylift.plan import prices
from skylift.plan.blueprint import Blueprint


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
    lines = []
    for kind, plan, n in (
        ("heroku_dyno", heroku["dyno"], heroku["dyno_count"]),
        ("heroku_postgres", heroku["postgres"], 1),
        ("heroku_redis", heroku["redis"], 1),
    ):
        if plan and plan in book[kind]:
            p = book[kind][plan]
            lines.append(
                {
                    "item": f"{kind.replace('_', ' ')} {plan}",
                    "quantity": n,
                    "unit_price": p["price"],
                    "monthly": round(n * p["price"], 2),
                    "source": p["source"],
                }
            )
    return {
        "host": "heroku",
        "monthly": round(sum(x["monthly"] for x in lines), 2),
        "lines": lines,
        "source": "Heroku list prices for the plans in skylift.toml "
        f"[current] (assumed; checked {book['retrieved']})",
    }


def budget_amount(total: float) -> int:
    """The AWS Budgets alert: 25% above the estimate, rounded up to $5."""
    return int(math.ceil(total * 1.25 / 5) * 5)
