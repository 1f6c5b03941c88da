"""The repository as the scanners see it: a file list, cached text, and evidence helpers.

One walk of the tree, pruning the folders that hold other people's code (node_modules, vendor)
or no code at all (.git, build output), so a large repository still scans in milliseconds.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from skylift.scan.model import Evidence

SKIP_DIRS = frozenset(
    {
        "node_modules",
        "vendor",
        ".git",
        ".hg",
        ".svn",
        ".next",
        ".nuxt",
        "dist",
        "build",
        "coverage",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".terraform",
        ".skylift",
        ".idea",
        ".vscode",
    }
)
CODE_EXTS = frozenset({".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".py"})
MAX_TEXT_BYTES = 1_000_000  # bigger "source" files are generated or bundled, not written
EXCERPT_CHARS = 120

_SECRETISH = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE|_PASS\b|CREDENTIAL)", re.I)
_URL_CREDS = re.compile(r"(://[^:/@\s'\"]+:)[^@\s'\"]+@")
_STRING = re.compile(r"(['\"`])((?:\\.|(?!\1).)*)\1")
_ASSIGN = re.compile(r"^(\s*[\w.]*\w\s*[=:]\s*)(\S.*)$")
_OPEN_STRING = re.compile(r"(['\"`])(?:\\.|[^\\])*$")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def redact(line: str) -> str:
    """The line with anything that could be a secret's value masked.

    Excerpts go into reports and JSON; a hard-coded secret must not travel with them. A string
    is masked when a secret-like name stands before it on the line (`JWT_SECRET = ... || 'x'`),
    so SQL that merely mentions a password_hash column stays readable.
    """
    line = _URL_CREDS.sub(r"\1***@", line)
    if not _SECRETISH.search(line):
        return line
    out: list[str] = []
    last = 0
    outside = ""  # the line so far without its string literals
    for m in _STRING.finditer(line):
        outside += line[last : m.start()]
        body = m.group(2)
        secret = _SECRETISH.search(outside) and body and not _ENV_NAME.match(body)
        out.append(line[last : m.start()])
        out.append(f"{m.group(1)}***{m.group(1)}" if secret else m.group(0))
        last = m.end()
    rest = line[last:]
    if _SECRETISH.search(outside + rest) and (opened := _OPEN_STRING.search(rest)):
        rest = rest[: opened.start()] + opened.group(1) + "***"  # a literal cut by the excerpt
    out.append(rest)
    masked = "".join(out)
    if masked == line and not _STRING.search(line):
        # NAME=value / NAME: value without quotes (.env files, YAML)
        m2 = _ASSIGN.match(line)
        if m2 and _SECRETISH.search(m2.group(1)):
            return m2.group(1) + "***"
    return masked


@dataclass
class SourceFile:
    path: str  # relative, POSIX
    text: str
    _starts: list[int] = field(default_factory=list, repr=False)

    def line_at(self, offset: int) -> int:
        """1-based line number of a character offset."""
        if not self._starts:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return bisect.bisect_right(self._starts, offset)

    def line_text(self, line: int) -> str:
        if not self._starts:
            self.line_at(0)
        if not 0 < line <= len(self._starts):
            return ""
        end = self._starts[line] - 1 if line < len(self._starts) else len(self.text)
        return self.text[self._starts[line - 1] : end].rstrip("\r")

    def evidence(self, line: int | None = None, offset: int | None = None) -> Evidence:
        if offset is not None:
            line = self.line_at(offset)
        if line is None:
            return Evidence(self.path)
        # cut before masking (bounded work on minified lines), then mask what is shown
        excerpt = redact(self.line_text(line).strip()[:EXCERPT_CHARS])
        return Evidence(self.path, line, excerpt or None)

    def find(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        return pattern.finditer(self.text)

    def first(self, pattern: re.Pattern[str]) -> Evidence | None:
        m = pattern.search(self.text)
        return self.evidence(offset=m.start()) if m else None


@dataclass
class Repo:
    root: Path
    files: list[str]
    skipped_dirs: list[str] = field(default_factory=list)  # folders pruned, e.g. "node_modules"
    unreadable: list[str] = field(default_factory=list)
    _cache: dict[str, SourceFile | None] = field(default_factory=dict, repr=False)
    _code: dict[tuple[str, ...], list[SourceFile]] = field(default_factory=dict, repr=False)

    @classmethod
    def walk(cls, root: Path) -> Repo:
        files: list[str] = []
        skipped: list[str] = []
        unreadable: list[str] = []
        for dirpath, dirnames, filenames in os.walk(
            root, onerror=lambda e: unreadable.append(e.filename)
        ):
            rel_dir = os.path.relpath(dirpath, root)
            prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
            pruned = [d for d in dirnames if _skip(dirpath, d)]
            skipped.extend(prefix + d for d in pruned)
            dirnames[:] = sorted(d for d in dirnames if d not in pruned)
            files.extend(prefix + f for f in sorted(filenames))
        unreadable = [os.path.relpath(p, root).replace(os.sep, "/") for p in unreadable if p]
        return cls(root=root, files=files, skipped_dirs=skipped, unreadable=unreadable)

    def has(self, rel: str) -> bool:
        return self.read(rel) is not None

    def read(self, rel: str) -> SourceFile | None:
        """The file's text, or None when it is missing, too big, binary or unreadable."""
        if rel in self._cache:
            return self._cache[rel]
        result: SourceFile | None = None
        path = self.root / rel
        try:
            if path.stat().st_size <= MAX_TEXT_BYTES:
                result = SourceFile(rel, path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            if rel in self.files:  # listed but gone: a broken symlink
                self.unreadable.append(rel)
        except (OSError, UnicodeDecodeError):
            self.unreadable.append(rel)
        self._cache[rel] = result
        return result

    def named(self, *names: str) -> list[str]:
        """Files whose base name is one of `names`, shallowest first."""
        wanted = set(names)
        hits = [f for f in self.files if f.rsplit("/", 1)[-1] in wanted]
        return sorted(hits, key=lambda f: (f.count("/"), f))

    def first_named(self, *names: str) -> SourceFile | None:
        for rel in self.named(*names):
            src = self.read(rel)
            if src is not None:
                return src
        return None

    def code(self, exts: Iterable[str] = CODE_EXTS) -> Iterator[SourceFile]:
        """The app's source files with these extensions (tests excluded), read once and kept."""
        key = tuple(exts)
        if key not in self._code:
            self._code[key] = [
                src
                for rel in self.files
                if rel.endswith(key)
                and not _is_test(rel)
                and (src := self.read(rel)) is not None
                and not _is_generated(src)
            ]
        return iter(self._code[key])

    def grep(
        self, pattern: re.Pattern[str], exts: Iterable[str] = CODE_EXTS
    ) -> Iterator[tuple[SourceFile, re.Match[str]]]:
        for src in self.code(exts):
            for m in pattern.finditer(src.text):
                yield src, m


def _skip(parent: str, name: str) -> bool:
    """Folders of other people's code: dependencies, virtualenvs (any name), build output."""
    if name in SKIP_DIRS or name == "site-packages" or name.startswith((".venv", "venv")):
        return True
    return os.path.exists(os.path.join(parent, name, "pyvenv.cfg"))


def _is_generated(src: SourceFile) -> bool:
    """Minified bundles and generated code: nobody wrote them, and their lines are huge."""
    if src.path.endswith((".min.js", ".bundle.js", ".chunk.js")):
        return True
    if "DO NOT EDIT" in src.text[:1000] and "generated" in src.text[:1000].lower():
        return True  # Go's convention (swag's docs.go, protobuf), also used by other generators
    return len(src.text) > 20_000 and src.text.count("\n") < len(src.text) / 400


def _is_test(rel: str) -> bool:
    """Test files describe behaviour, they do not have it: their SQL and env reads are not the app's."""
    name = rel.rsplit("/", 1)[-1]
    parts = rel.split("/")
    return (
        any(p in ("test", "tests", "__tests__", "spec", "e2e") for p in parts[:-1])
        or ".test." in name
        or ".spec." in name
        or name.endswith("_test.go")
        or name.startswith("test_")
    )
