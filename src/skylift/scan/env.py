"""Environment variables: declared in .env-style files, app.json and compose, read in code.

Each is classified secret or config by its name. A secret's value is never read into the profile
(only the shape of a URL: scheme, host, query); a config value is kept as an example only when it
comes from a file meant to be shared. Env files are parsed by dotenv's own rules (python-dotenv).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit

from dotenv.parser import parse_stream

from skylift.scan import _settings, compose
from skylift.scan._facts import Draft
from skylift.scan._names import classify, looks_secret
from skylift.scan._repo import SourceFile, redact
from skylift.scan._roles import PORT_NAMES
from skylift.scan.model import Evidence

# env files that hold real values: their names count, their values never leave them
PRIVATE_FILES = re.compile(
    r"^\.env(?:\.(?:local|production|prod|test|testing)(?:\.local)?|\.\w+\.local)?$"
)
# .env.example, .env.sample, env.example, sample.env, .env.development, config.env, .flaskenv ...
ENV_FILE = re.compile(
    r"^(?:\.env(?:[.\-_][\w.\-]+)?|[\w.\-]+\.env|env\.[\w.\-]+|\.flaskenv|"
    r"\.?(?:example|sample|default|template)[\-_]env)$"  # .example-env, sample_env
)
NOT_ENV_FILES = re.compile(
    r"\.(?:[cm]?[jt]sx?|py|go|rb|php|sh|ps1|json|ya?ml|toml|md|txt|j2|tpl|lock|d\.ts|html)$"
)
CODE_PATTERNS = {
    (".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx"): re.compile(
        r"process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\])"
    ),
    (".go",): re.compile(r"os\.(?:Getenv|LookupEnv)\(\s*\"([A-Za-z_][A-Za-z0-9_]*)\""),
    (".py",): re.compile(
        r"(?:(?<![\w.])(?:os\.)?environ(?:\.get)?[\[(]\s*|os\.getenv\(\s*|(?<![\w.])env(?:\.\w+)?\(\s*|"
        r"(?<![\w.])config\(\s*|dj_database_url\.config\([^)]*?\benv\s*=\s*)['\"]([A-Z_][A-Z0-9_]*)['\"]"
    ),
}
# const { PORT, DB_HOST: host } = process.env
# "DYNO" in os.environ: a test for the platform the app runs on
_IN_ENVIRON = re.compile(r"['\"]([A-Z_][A-Z0-9_]*)['\"]\s+(?:not\s+)?in\s+os\.environ\b")
# os.environ['X'] read (not written): a KeyError where it runs when X is unset
_REQUIRED_PY = re.compile(
    r"(?<![\w.])(?:os\.)?environ\[\s*['\"]([A-Z_][A-Z0-9_]*)['\"]\s*\](?!\s*=[^=])"
)
_DESTRUCTURE = re.compile(r"\{([^{}]{1,400})\}\s*=\s*process\.env\b")


def scan(draft: Draft) -> None:
    for src, private in env_files(draft):
        _env_file(draft, src, keep_examples=not private)
    _compose(draft)
    for exts, pattern in CODE_PATTERNS.items():
        if not set(exts) & set(draft.code_exts):
            continue
        for src, m in draft.repo.grep(pattern, exts):
            _read(draft, next(g for g in m.groups() if g), src.evidence(offset=m.start()))
    if draft.language == "python":
        for src, m in draft.repo.grep(_IN_ENVIRON, (".py",)):
            _read(draft, m.group(1), src.evidence(offset=m.start()))
        for src, m in draft.repo.grep(_REQUIRED_PY, (".py",)):
            var = next((v for v in draft.env_vars() if v.name == m.group(1)), None)
            if var is not None and len(var.required) < 3:
                var.required.append(src.evidence(offset=m.start()))
    if draft.language == "node":
        for src, m in draft.repo.grep(_DESTRUCTURE, draft.code_exts):
            for part in m.group(1).split(","):
                name = part.split(":")[0].split("=")[0].strip()
                if re.fullmatch(r"[A-Za-z_]\w*", name):
                    _read(draft, name, src.evidence(offset=m.start()))
    for name, ev in _settings.reads(draft):
        _read(draft, name, ev)
    _commented_urls(draft)


# `# DB_CONNECTION=postgres://user:pass@localhost/db` in an example file: the form of a value
# the app reads (a URL, not a dialect name), though the line itself sets nothing
_COMMENTED_URL = re.compile(
    r"^\s*#+\s*(?:export\s+)?([A-Z][A-Z0-9_]*)\s*=\s*['\"]?(\w+://\S+?)['\"]?\s*$", re.M
)


def _commented_urls(draft: Draft) -> None:
    known = {v.name: v for v in draft.env_vars()}
    for src, private in env_files(draft):
        for m in _COMMENTED_URL.finditer(src.text) if not private else ():
            var = known.get(m.group(1))
            if var is not None and var.url is None:
                var.url = url_shape(m.group(2))


def _read(draft: Draft, name: str, evidence: Evidence) -> None:
    draft.env(name, classify(name), evidence)
    draft.env_read(name)


def env_files(draft: Draft) -> Iterator[tuple[SourceFile, bool]]:
    """Every .env-style file up to two folders down: (file, holds real values); and those
    beside a compose file above the app folder that builds it (its `env_file:` and samples)."""
    rels = list(draft.repo.files)
    loaded = compose.load(draft)
    if loaded is not None and loaded[0].path.startswith("../"):
        up = loaded[0].path.rsplit("/", 1)[0] + "/"
        named = _env_file_names(loaded[1])  # ./.env.dev: .env.dev itself, .env.dev-sample ...
        rels += [
            up + f.name
            for f in sorted((draft.repo.root / up).iterdir())
            if f.is_file() and any(f.name.startswith(n) for n in named)
        ]
    for rel in rels:
        base = rel.rsplit("/", 1)[-1]
        depth = rel.replace("../", "").count("/")
        if depth > 2 or not ENV_FILE.match(base) or NOT_ENV_FILES.search(base):
            continue
        if (src := draft.repo.read(rel)) is not None:
            yield src, bool(PRIVATE_FILES.match(base))


def _env_file_names(services: dict[str, object]) -> set[str]:
    """The `env_file:` names of the services that build the app."""
    names: set[str] = set()
    for svc in services.values():
        if not isinstance(svc, dict) or "build" not in svc:
            continue
        files = svc.get("env_file") or []
        for f in [files] if isinstance(files, str | dict) else files:
            path = f.get("path") if isinstance(f, dict) else f
            if isinstance(path, str):
                names.add(path.rsplit("/", 1)[-1])
    return names


_REFERENCE = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)")


def _expand(value: str, seen: dict[str, str]) -> str:
    """${NAME} / ${NAME:-default} from the file's own earlier lines, as dotenv expands them;
    never from skylift's own environment, whose values must not reach the profile."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(3)
        return seen.get(name) or (m.group(2) or "")

    return _REFERENCE.sub(sub, value) if "$" in value else value


def _env_file(draft: Draft, src: SourceFile, keep_examples: bool) -> None:
    seen: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(src.text)):
        if binding.key is None or binding.error:
            continue
        var, value = binding.key, (binding.value or "").strip()
        quoted_single = binding.original.string.split("=", 1)[-1].lstrip().startswith("'")
        value = value if quoted_single else _expand(value, seen)
        seen[var] = value
        ev = Evidence(src.path, binding.original.line, f"{var}=")  # the value stays in the file
        kind = classify(var)
        if kind == "config" and value and looks_secret(var, value):
            kind = "secret"  # a random-looking key under a name that hides it (PEPPER=9f2c...)
        example = redact(value) if keep_examples and kind == "config" and value else None
        draft.env(var, kind, ev, example, url_shape(value) if keep_examples else None)
        if PORT_NAMES.match(var.upper()) and value.isdigit() and 0 < int(value) < 65536:
            draft.ports.add(int(value), ev, 2 if keep_examples else 1)


def url_shape(value: str) -> dict[str, str] | None:
    """scheme, host, port, path and the harmless query of a URL; never its user or password."""
    if "://" not in value or len(value) > 2000:
        return None
    try:
        parts = urlsplit(value)
        port = str(parts.port or "")
    except ValueError:
        return None
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query)
        if not re.search(r"pass|secret|token|key", k, re.I)
    ]
    return {
        "scheme": parts.scheme,
        "host": parts.hostname or "",
        "port": port,
        "path": parts.path,
        "query": urlencode(query),
    }


def _compose(draft: Draft) -> None:
    loaded = compose.load(draft)
    if loaded is None:
        return
    src, services = loaded
    for svc in services.values():
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
            ev = Evidence(src.path, src.line_at(m.start()) if m else None, f"{var}=")
            draft.env(var, kind, ev, example, url_shape(value))
