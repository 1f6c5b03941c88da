"""Secret or config, from a variable's name alone (the value is never looked at)."""

from __future__ import annotations

import re

from skylift.scan.model import Confidence

SECRET_RE = re.compile(
    r"(SECRET|PASSWORD|PASSWD|_PASS$|_PASS_|^PASS|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_KEY|CREDENTIAL|"
    r"_DSN$|DATABASE_URL$|REDIS_URL$|MONGO\w*_URI$|CONNECTION_STRING|SIGNING|ENCRYPTION|SALT|_KEY$|"
    r"^KEY$|_KEYS$|PEPPER|HMAC|CIPHER|_PWD$|PASSPHRASE|_SEED$|WEBHOOK_SECRET|AUTH_KEY)"
)
PUBLIC_RE = re.compile(r"^(NEXT_PUBLIC_|VITE_|REACT_APP_|EXPO_PUBLIC_)|PUBLISHABLE|PUBLIC_KEY")
CONFIG_RE = re.compile(
    r"(PORT|HOST|NAME|_ENV$|^ENV|REGION|_URL$|_URI$|LEVEL|MODE|BUCKET|EMAIL|USER|_ID$|DIR$|PATH|"
    r"ENABLE|TIMEOUT|SIZE|LIMIT|EXPIRES|PREFIX|DEBUG|ORIGIN|DOMAIN|OPTIONS|VERSION|_TTL$)"
)


_KEYLIKE = re.compile(r"^[A-Za-z0-9+/=_\-]{16,}$")
_NOT_KEYS = re.compile(r"^(?:https?|postgres\w*|mysql|redis\w*)://|^\d+$|^[a-z]+(?:[_-][a-z]+)*$")


def looks_secret(name: str, value: str) -> bool:
    """A value that is a key whatever its name says: long, random-looking, no words or spaces."""
    if confidence(name) == "high":
        return False  # a rule recognised the name: PORT, GITHUB_CLIENT_ID, LOG_LEVEL ...
    if not _KEYLIKE.match(value) or _NOT_KEYS.search(value):
        return False
    classes = sum(bool(re.search(p, value)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    return classes >= 2 and len(set(value)) >= 10


def confidence(name: str) -> Confidence:
    """'high' when a rule recognised the name, 'medium' when it is config only by default."""
    upper = name.upper()
    known = SECRET_RE.search(upper) or PUBLIC_RE.search(upper) or CONFIG_RE.search(upper)
    return "high" if known or upper.endswith("_KEY_ID") else "medium"


# what a secret-sounding name says about the secret, not the secret itself
LABEL_RE = re.compile(
    r"_(?:TYPE|PREFIX|HEADER|NAME|FIELD|LENGTH|LEN|EXPIRES?(?:_\w+)?|EXPIRY(?:_\w+)?|EXPIRATION(?:_\w+)?|"
    r"TTL|LIFETIME|ALGORITHM|ALG|ISSUER|AUDIENCE|URL|URI|PATH|FILE|ROUNDS|COST|MIN_LENGTH|"
    r"SECONDS|MINUTES|HOURS|DAYS|REGION|ID|ENDPOINT|SCOPE|LOCATION)$"
)


def classify(name: str) -> str:
    """'secret' or 'config', from the variable's name alone."""
    upper = name.upper()
    if LABEL_RE.search(upper) and not upper.endswith(("_ID", "_URL", "_URI", "_FILE", "_PATH")):
        return "config"  # ACCESS_TOKEN_EXPIRE_MINUTES, JWT_TOKEN_PREFIX, PASSWORD_MIN_LENGTH
    if upper.endswith("_KEY_ID"):
        return "secret" if "ACCESS" in upper else "config"
    if PUBLIC_RE.search(upper) and "SECRET" not in upper:
        return "config"
    return "secret" if SECRET_RE.search(upper) else "config"
