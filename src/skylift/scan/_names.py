"""Secret or config, from a variable's name alone (the value is never looked at)."""

from __future__ import annotations

import re

from skylift.scan.model import Confidence

SECRET_RE = re.compile(
    r"(SECRET|PASSWORD|PASSWD|_PASS$|_PASS_|^PASS|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_KEY|CREDENTIAL|"
    r"_DSN$|DATABASE_URL$|REDIS_URL$|MONGO\w*_URI$|CONNECTION_STRING|SIGNING|ENCRYPTION|SALT|_KEY$)"
)
PUBLIC_RE = re.compile(r"^(NEXT_PUBLIC_|VITE_|REACT_APP_|EXPO_PUBLIC_)|PUBLISHABLE|PUBLIC_KEY")
CONFIG_RE = re.compile(
    r"(PORT|HOST|NAME|_ENV$|^ENV|REGION|_URL$|_URI$|LEVEL|MODE|BUCKET|EMAIL|USER|_ID$|DIR$|PATH|"
    r"ENABLE|TIMEOUT|SIZE|LIMIT|EXPIRES|PREFIX|DEBUG|ORIGIN|DOMAIN|OPTIONS|VERSION|_TTL$)"
)


def confidence(name: str) -> Confidence:
    """'high' when a rule recognised the name, 'medium' when it is config only by default."""
    upper = name.upper()
    known = SECRET_RE.search(upper) or PUBLIC_RE.search(upper) or CONFIG_RE.search(upper)
    return "high" if known or upper.endswith("_KEY_ID") else "medium"


def classify(name: str) -> str:
    """'secret' or 'config', from the variable's name alone."""
    upper = name.upper()
    if upper.endswith("_KEY_ID"):
        return "secret" if "ACCESS" in upper else "config"
    if PUBLIC_RE.search(upper) and "SECRET" not in upper:
        return "config"
    return "secret" if SECRET_RE.search(upper) else "config"
