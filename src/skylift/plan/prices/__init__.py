"""Dated, cited price files: one JSON file per region, plus hosts.json for the current host.

Every price names the AWS pricing page it comes from; the file says the date it was checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from skylift.errors import ConfigError


@dataclass(frozen=True)
class Price:
    key: str
    price: float
    unit: str
    source: str
    note: str = ""


@dataclass(frozen=True)
class PriceBook:
    region: str
    region_name: str
    retrieved: str
    hours_per_month: int
    note: str
    prices: dict[str, Price]

    def get(self, key: str) -> Price:
        try:
            return self.prices[key]
        except KeyError:
            raise ConfigError(
                f"no price for '{key}' in the {self.region} price file",
                "skylift prices only what its price file lists (an instance class it does not "
                "know, for example)",
                "choose a listed size in skylift.toml, or add the price with its source URL to "
                f"skylift/plan/prices/{self.region}.json",
            ) from None

    def has(self, key: str) -> bool:
        return key in self.prices


def regions() -> list[str]:
    files = resources.files(__package__)
    return sorted(
        p.name.removesuffix(".json")
        for p in files.iterdir()
        if p.name.endswith(".json") and p.name != "hosts.json"
    )


@cache
def load(region: str) -> PriceBook:
    if region not in regions():
        raise ConfigError(
            f"no price file for region {region}",
            f"skylift has dated, cited prices for: {', '.join(regions())}",
            "pass --region with one of those, or add a price file for your region",
        )
    raw = json.loads(resources.files(__package__).joinpath(f"{region}.json").read_text("utf-8"))
    prices = {k: Price(key=k, **v) for k, v in raw["prices"].items()}
    return PriceBook(
        region=raw["region"],
        region_name=raw["region_name"],
        retrieved=raw["retrieved"],
        hours_per_month=int(raw["hours_per_month"]),
        note=raw["note"],
        prices=prices,
    )


@cache
def hosts() -> dict[str, Any]:
    return dict(json.loads(resources.files(__package__).joinpath("hosts.json").read_text("utf-8")))
