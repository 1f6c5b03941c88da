"""Environment variables read through a settings library rather than by name in the code:
pydantic `BaseSettings` fields, NestJS `ConfigService.get('key')`, Joi/envalid/zod env schemas,
node-config's config/custom-environment-variables file, Go struct tags (`env:"X"`,
`envconfig:"X"`) and viper's upper-case keys."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from skylift.scan._facts import Draft
from skylift.scan._repo import SourceFile
from skylift.scan.model import Evidence

_CLASS = re.compile(r"^class\s+(\w+)\s*\(([^)]*)\)\s*:[^\n]*\n", re.M)
_FIELD = re.compile(r"^(\s+)([A-Za-z]\w*)\s*:\s*([^=\n]+?)(?:\s*=\s*(.*))?$")
_PREFIX = re.compile(r"env_prefix\s*=\s*['\"]([^'\"]*)['\"]")
_ALIAS = re.compile(r"\b(?:env|validation_alias|alias)\s*=\s*['\"]([A-Za-z_]\w*)['\"]")
_BASE_SETTINGS = {"BaseSettings", "pydantic.BaseSettings", "pydantic_settings.BaseSettings"}
_CONFIG_GET = re.compile(
    r"\b\w*[cC]onfig(?:Service)?\s*\.\s*get(?:OrThrow)?\s*(?:<[^<>()]*>)?\(\s*['\"`]([A-Za-z_]\w*)['\"`]"
)
_DJ_DATABASE_URL = re.compile(r"dj_database_url\.config\([^)]*\)")
_NAMESPACED = re.compile(r"\bload\s*:\s*\[|\bregisterAs\(")
_SCHEMA_KEY = re.compile(
    r"^\s*['\"]?([A-Z][A-Z0-9_]+)['\"]?\s*:\s*(?:Joi\.|z\.|(?:str|num|bool|port|url|host|email|json)\()",
    re.M,
)
_GO_TAG = re.compile(r"`[^`\n]*\b(?:env|envconfig)\s*:\s*\"([A-Za-z_][A-Za-z0-9_]*)[\",]")
_VIPER = re.compile(
    r"viper\.(?:Get\w*\(\s*|BindEnv\(\s*\"[^\"]*\"\s*,\s*|BindEnv\(\s*)\"([A-Z][A-Z0-9_]+)\""
)


@dataclass
class _Class:
    name: str
    bases: list[str]
    src: SourceFile
    start: int  # offset of the first body line
    end: int


def reads(draft: Draft) -> Iterator[tuple[str, Evidence]]:
    """(variable name, where it is read) for every settings-library read in the app's code."""
    if draft.language == "python":
        yield from _pydantic(draft)
        for src, m in draft.repo.grep(_DJ_DATABASE_URL, (".py",)):
            if "env=" not in m.group(0):  # dj_database_url reads DATABASE_URL by default
                yield "DATABASE_URL", src.evidence(offset=m.start())
    if draft.language == "node":
        for rel in draft.repo.named("schema.prisma"):
            if (prisma := draft.repo.read(rel)) is not None:
                for m in re.finditer(r"\benv\(\s*\"([A-Za-z_]\w*)\"\s*\)", prisma.text):
                    yield m.group(1), prisma.evidence(offset=m.start())
        if draft.has_dep("config"):
            yield from _node_config(draft)
        nest_config = draft.has_dep("@nestjs/config")
        # with `load: [config]` or registerAs, lower-case keys name config objects, not env vars
        namespaced = nest_config and any(
            _NAMESPACED.search(src.text) for src in draft.repo.code(draft.code_exts)
        )
        for src in draft.repo.code(draft.code_exts):
            for m in _CONFIG_GET.finditer(src.text) if nest_config else ():
                if not (namespaced and not m.group(1).isupper()):
                    yield m.group(1), src.evidence(offset=m.start())
            if re.search(r"\bJoi\b|cleanEnv\(|createEnv\(|process\.env", src.text):
                for m in _SCHEMA_KEY.finditer(src.text):
                    yield m.group(1), src.evidence(offset=m.start(1))
    if draft.language == "go":
        for src in draft.repo.code((".go",)):
            for pattern in (_GO_TAG, _VIPER):
                for m in pattern.finditer(src.text):
                    yield m.group(1), src.evidence(offset=m.start(1))


_NODE_CONFIG = tuple(
    f"config/custom-environment-variables.{ext}" for ext in ("json", "yml", "yaml", "json5")
)


def _node_config(draft: Draft) -> Iterator[tuple[str, Evidence]]:
    """node-config maps each leaf of config/custom-environment-variables to the variable it
    names (`db: {connection: DB_CONNECTION}`, or `{__name: X, __format: json}`): the app reads
    them through `config.get('db.connection')`, never by name."""
    for rel in _NODE_CONFIG:
        src = draft.repo.read(rel)
        if src is None:
            continue
        try:
            data = json.loads(src.text) if rel.endswith(".json") else yaml.safe_load(src.text)
        except (ValueError, yaml.YAMLError):
            continue
        for name in (n for n in _leaves(data) if not n.startswith("npm_")):  # npm sets those
            m = re.search(rf"['\":\s]{re.escape(name)}\b", src.text)
            yield name, src.evidence(offset=m.start() + 1 if m else None)


def _leaves(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        if isinstance(data.get("__name"), str):
            yield data["__name"]
            return
        for value in data.values():
            yield from _leaves(value)
    elif isinstance(data, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", data):
        yield data


def _classes(draft: Draft) -> dict[str, _Class]:
    out: dict[str, _Class] = {}
    for src in draft.repo.code((".py",)):
        matches = list(_CLASS.finditer(src.text))
        for m in matches:
            body_end = _body_end(src.text, m.end())
            bases = [b.strip().split("[")[0] for b in m.group(2).split(",") if b.strip()]
            out.setdefault(m.group(1), _Class(m.group(1), bases, src, m.end(), body_end))
    return out


def _body_end(text: str, start: int) -> int:
    """Where an indented class body ends: the next line that starts at column 0."""
    m = re.compile(r"^\S", re.M).search(text, start)
    return m.start() if m else len(text)


def _pydantic(draft: Draft) -> Iterator[tuple[str, Evidence]]:
    classes = _classes(draft)
    settings: set[str] = set()
    changed = True
    while changed:  # subclasses of subclasses of BaseSettings
        changed = False
        for c in classes.values():
            if c.name not in settings and any(
                b in _BASE_SETTINGS or b.rsplit(".", 1)[-1] in settings for b in c.bases
            ):
                settings.add(c.name)
                changed = True
    for name in sorted(settings):
        c = classes[name]
        prefix = _prefix(c, classes)
        case_sensitive = "case_sensitive=True" in c.src.text[c.start : c.end].replace(" ", "")
        yield from _fields(c, prefix, case_sensitive)


def _prefix(c: _Class, classes: dict[str, _Class]) -> str:
    seen: set[str] = set()
    while c.name not in seen:
        seen.add(c.name)
        if m := _PREFIX.search(c.src.text, c.start, c.end):
            return m.group(1)
        parent = next((classes[b] for b in c.bases if b in classes), None)
        if parent is None:
            return ""
        c = parent
    return ""


def _fields(c: _Class, prefix: str, case_sensitive: bool) -> Iterator[tuple[str, Evidence]]:
    indent: str | None = None
    offset = c.start
    for line in c.src.text[c.start : c.end].splitlines(keepends=True):
        here, offset = offset, offset + len(line)
        m = _FIELD.match(line.rstrip("\n"))
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        current = line[: len(line) - len(line.lstrip())]
        indent = current if indent is None else indent
        if current != indent or m is None:
            continue  # a method body, a nested Config class, a decorator
        field, annotation, default = m.group(2), m.group(3), m.group(4) or ""
        if field == "model_config" or "ClassVar" in annotation or field.startswith("_"):
            continue
        alias = _ALIAS.search(default)
        name = alias.group(1) if alias else prefix + field
        yield (name if case_sensitive or alias else name.upper()), c.src.evidence(offset=here)
