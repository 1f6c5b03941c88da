"""One cost line and the pricer that forms it: `quantity x unit price = monthly`.

The quantity is rounded to 4 decimals *before* multiplying and each line to cents, so the table
checks out by hand: every monthly figure is round(quantity x unit_price, 2).
"""

from __future__ import annotations

from dataclasses import dataclass

from skylift.plan.blueprint import Blueprint
from skylift.plan.prices import PriceBook


@dataclass
class Line:
    resource: str  # Blueprint resource key
    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float
    basis: str  # how the quantity was formed: "1 task x 0.25 vCPU x 730 h"
    assumption: str | None  # the usage assumption, for lines that depend on traffic
    price_key: str
    source: str


class Pricer:
    def __init__(self, book: PriceBook, bp: Blueprint) -> None:
        self.book, self.bp = book, bp
        self.h = book.hours_per_month
        self.lines: list[Line] = []

    def add(
        self, res: str, item: str, key: str, qty: float, basis: str, assumption: str | None = None
    ) -> None:
        p = self.book.get(key)
        q = round(qty, 4)
        self.lines.append(
            Line(
                res,
                item,
                q,
                p.unit,
                p.price,
                round(q * p.price, 2),
                basis,
                assumption,
                key,
                p.source,
            )
        )
