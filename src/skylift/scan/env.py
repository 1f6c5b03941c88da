"""Environment variables: declared in .env.example-style files, app.json and compose, read in code.

Each is classified secret or config by its name. A secret's value is never read into the profile;
a config value is kept as an example only when it comes from a file meant to be shared.
"""

from __future__ import annotations

import re

import yaml

from skylift.scan._facts import Draft
from skylift.scan._names import classify
from skylift.scan._repo import SourceFile, redact
from skylift.scan.hosting import COMPOSE_FILES
from skylift.scan.model import Evidence

EXAMPLE_FILES = (
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    "example.env",
    "env.example",
)
PRIVATE_FILES = (".env", ".env.local", ".env.production")  # names only: their values are real

_ENV_LINE = re.compile(
    r"^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*?)[ \t]*$", re.M
)
CODE_PATTERNS = {
    (".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx"): re.compile(
        r"process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\])"
    ),
    (".go",): re.compile(r"os\.(?:Getenv|LookupEnv)\(\s*\"([A-Za-z_][A-Za-z0-9_]*)\""),
    (".py",): re.compile(
        r"(?:os\.environ(?:\.get)?[\[(]\s*|os\.getenv\(\s*|\benv(?:\.\w+)?\(\s*|\bconfig\(\s*)"
        r"['\"]([A-Z_][A-Z0-9_]*)['\"]"
    ),
}


def scan(draft: Draft) -> None:
    _files(draft, EXAMPLE_FILES, keep_examples=True)
    _files(draft, PRIVATE_FILES, keep_examples=False)
    _compose(draft)
    for exts, pattern in CODE_PATTERNS.items():
        if not set(exts) & set(draft.code_exts):
            continue
        for src, m in draft.repo.grep(pattern, exts):
            name = next(g for g in m.groups() if g)
            draft.env(name, classify(name), src.evidence(offset=m.start()))


def _files(draft: Draft, names: tuple[str, ...], keep_examples: bool) -> None:
    for name in names:
        src = draft.repo.read(name)
        if src is None:
            continue
        for m in _ENV_LINE.finditer(src.text):
            var, value = m.group(1), m.group(2).strip().strip("'\"")
            kind = classify(var)
            example = redact(value) if keep_examples and kind == "config" and value else None
            draft.env(var, kind, _named_evidence(src, m.start(), var), example)


def _named_evidence(src: SourceFile, offset: int, var: str) -> Evidence:
    """Evidence whose excerpt is `NAME=`: the value of a .env line never leaves the file."""
    ev = src.evidence(offset=offset)
    return Evidence(ev.file, ev.line, f"{var}=")


def _compose(draft: Draft) -> None:
    src = next((s for n in COMPOSE_FILES if (s := draft.repo.read(n))), None)
    if src is None:
        return
    try:
        data = yaml.safe_load(src.text)
    except yaml.YAMLError:
        return
    services = data.get("services") if isinstance(data, dict) else None
    for svc in (services or {}).values():
        if not isinstance(svc, dict) or "build" not in svc:
            continue  # the database's POSTGRES_PASSWORD is not the app's variable
        env = svc.get("environment") or {}
        pairs = (
            [tuple(str(e).split("=", 1)) if "=" in str(e) else (str(e), "") for e in env]
            if isinstance(env, list)
            else [(k, "" if v is None else str(v)) for k, v in env.items()]
        )
        for var, value in pairs:
            m = re.search(rf"\b{re.escape(var)}\b", src.text)
            kind = classify(var)
            example = redact(value) if kind == "config" and value else None
            draft.env(var, kind, _named_evidence(src, m.start() if m else 0, var), example)
