"""tsconfig.json as tsc reads it: where the build writes each source file, and what a
non-relative import (`config/db` under `baseUrl`, `@/lib/db` through `paths`) names.

tsc writes `<outDir>/<the source's path below rootDir>.js`; without `rootDir` the root is the
longest common folder of every input file, so one file outside src/ (a script, a config at the
root) moves the whole output from dist/ to dist/src/."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field

from skylift.scan._repo import Repo

_TS_SOURCES = (".ts", ".tsx", ".mts", ".cts")
_JS_SOURCES = (".js", ".jsx", ".mjs", ".cjs")
_RESOLVE_EXTS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs")
_DEFAULT_EXCLUDE = ("node_modules", "bower_components", "jspm_packages")


@dataclass
class TsConfig:
    path: str  # the tsconfig file, relative to the app's root
    options: dict[str, object] = field(default_factory=dict)  # compilerOptions, merged
    # include/exclude/files as declared, each already relative to the app's root
    include: list[str] | None = None
    exclude: list[str] | None = None
    files: list[str] | None = None

    def option_path(self, name: str) -> str | None:
        """A path option (outDir, rootDir, baseUrl), relative to the app's root."""
        value = self.options.get(name)
        return posixpath.normpath(str(value)) if isinstance(value, str) and value else None


def load(repo: Repo, rel: str = "tsconfig.json") -> TsConfig | None:
    """The config at `rel` with what it `extends` (relative files; a package's base config
    sets no paths of this repository's), or None."""
    return _load(repo, posixpath.normpath(rel), 0)


def _load(repo: Repo, rel: str, depth: int) -> TsConfig | None:
    src = repo.read(rel)
    data = _jsonc(src.text) if src is not None else None
    if not isinstance(data, dict) or depth > 5:
        return None
    folder = posixpath.dirname(rel)
    base = TsConfig(rel)
    extends = data.get("extends")
    for parent in extends if isinstance(extends, list) else [extends]:
        if isinstance(parent, str) and parent.startswith("."):
            name = parent if parent.endswith(".json") else parent + ".json"
            found = _load(repo, posixpath.normpath(posixpath.join(folder, name)), depth + 1)
            if found is not None:
                base.options.update(found.options)
                base.include, base.exclude, base.files = found.include, found.exclude, found.files
    options = data.get("compilerOptions")
    for key, value in (options if isinstance(options, dict) else {}).items():
        if key in ("outDir", "rootDir", "baseUrl") and isinstance(value, str):
            value = posixpath.normpath(posixpath.join(folder, value))  # relative to this file
        base.options[key] = value
    if isinstance(options, dict) and isinstance(options.get("paths"), dict):
        base.options["pathsBase"] = folder  # paths without baseUrl resolve from their file
    for key in ("include", "exclude", "files"):
        value = data.get(key)
        if isinstance(value, list):
            setattr(base, key, [posixpath.normpath(posixpath.join(folder, str(v))) for v in value])
    return base


def _jsonc(text: str) -> object:
    """JSON with comments and trailing commas, as tsc accepts it."""
    out = re.sub(
        r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", text, flags=re.S
    )
    out = re.sub(r",(\s*[}\]])", r"\1", out)
    try:
        return json.loads(out)
    except ValueError:
        return None


def inputs(repo: Repo, cfg: TsConfig) -> list[str]:
    """The source files tsc compiles (declaration files left out: they emit nothing)."""
    exts = _TS_SOURCES + (_JS_SOURCES if cfg.options.get("allowJs") is True else ())
    listed = set(cfg.files or [])
    include = cfg.include if cfg.include is not None else ([] if cfg.files else ["**/*"])
    out_dir = cfg.option_path("outDir")
    exclude = (
        cfg.exclude
        if cfg.exclude is not None
        else [*_DEFAULT_EXCLUDE, *([out_dir] if out_dir else [])]
    )
    include_re = [_glob(p) for p in include]
    exclude_re = [_glob(p) for p in exclude]
    found = []
    for f in repo.files:
        if not f.endswith(exts) or f.endswith(".d.ts"):
            continue
        if f in listed or (
            any(r.match(f) for r in include_re) and not any(r.match(f) for r in exclude_re)
        ):
            found.append(f)
    return found


def _glob(pattern: str) -> re.Pattern[str]:
    """tsconfig's include/exclude: `**/` any folders, `*` within a name, a bare folder all below it."""
    pattern = pattern.removeprefix("./")
    if pattern in (".", ""):
        pattern = "**/*"
    elif not re.search(r"[*?]|\.\w+$", pattern.rsplit("/", 1)[-1]):
        pattern = pattern.rstrip("/") + "/**/*"
    rx = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            rx, i = rx + "(?:.*/)?", i + 3
        elif pattern[i] == "*":
            rx, i = rx + "[^/]*", i + 1
        elif pattern[i] == "?":
            rx, i = rx + "[^/]", i + 1
        else:
            rx, i = rx + re.escape(pattern[i]), i + 1
    return re.compile(rx + "$")


def emitted(repo: Repo, cfg: TsConfig) -> dict[str, str]:
    """Source file -> the .js file tsc writes for it (outDir set), as tsc computes it."""
    out_dir = cfg.option_path("outDir")
    sources = inputs(repo, cfg)
    if not out_dir or not sources:
        return {}
    root = cfg.option_path("rootDir") or common_root(sources)
    out = {}
    for src in sources:
        rel = posixpath.relpath(src, root) if root != "." else src
        stem, ext = posixpath.splitext(rel)
        js = {".mts": ".mjs", ".cts": ".cjs"}.get(ext, ".js")
        out[src] = posixpath.normpath(posixpath.join(out_dir, stem + js))
    return out


def common_root(files: list[str]) -> str:
    """The longest common folder of the files ("." when they share none)."""
    folders = [f.split("/")[:-1] for f in files]
    common: list[str] = []
    for parts in zip(*folders, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "/".join(common) or "."


def resolve(repo: Repo, cfg: TsConfig | None, importer: str, spec: str) -> str | None:
    """The repository file an import names: relative, through `paths`, or below `baseUrl`."""
    if spec.startswith("."):
        return _existing(
            repo, posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
        )
    if cfg is None:
        return None
    base = cfg.option_path("baseUrl") or str(cfg.options.get("pathsBase", "."))
    paths = cfg.options.get("paths")
    for pattern, targets in (paths if isinstance(paths, dict) else {}).items():
        head, star, tail = str(pattern).partition("*")
        if not (spec == pattern or (star and spec.startswith(head) and spec.endswith(tail))):
            continue
        middle = spec[len(head) : len(spec) - len(tail)] if star else ""
        for target in targets if isinstance(targets, list) else []:
            found = _existing(
                repo, posixpath.normpath(posixpath.join(base, str(target).replace("*", middle)))
            )
            if found:
                return found
    if cfg.option_path("baseUrl"):
        return _existing(repo, posixpath.normpath(posixpath.join(base, spec)))
    return None


def _existing(repo: Repo, stem: str) -> str | None:
    files = set(repo.files)
    if stem in files:
        return stem
    for candidate in [stem + e for e in _RESOLVE_EXTS] + [
        f"{stem}/index{e}" for e in _RESOLVE_EXTS
    ]:
        if candidate in files:
            return candidate
    # `import x from './db.js'` in TypeScript names db.ts
    root, ext = posixpath.splitext(stem)
    if ext in _JS_SOURCES:
        for e in _TS_SOURCES:
            if root + e in files:
                return root + e
    return None


def imported_value(
    repo: Repo, cfg: TsConfig | None, src_path: str, text: str, name: str
) -> str | None:
    """What `name` is bound to in the file it is imported from (`import { redisOptions } from
    '@/config/redis'`): the text of its `const name = ...` (or default export) there."""
    named = re.search(
        rf"import\s+(?:({re.escape(name)})|\{{[^}}]*\b{re.escape(name)}\b[^}}]*\}})\s+from\s+"
        r"['\"]([^'\"]+)['\"]",
        text,
    )
    if named is None:
        return None
    target = resolve(repo, cfg, src_path, named.group(2))
    other = repo.read(target) if target else None
    if other is None:
        return None
    pattern = (
        r"export\s+default\s+"
        if named.group(1)
        else rf"(?:const|let|var)\s+{re.escape(name)}\b[^=]*=\s*"
    )
    m = re.search(pattern, other.text)
    return other.text[m.end() : m.end() + 800] if m else None
