"""GET routes without parameters, across frameworks: what a load balancer can check when the app
has no health endpoint. Routes whose mount point the scan cannot see (a Gin group, a Flask
blueprint with a prefix, a FastAPI router) are left out rather than guessed."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from skylift.scan import code
from skylift.scan._facts import Draft
from skylift.scan._repo import SourceFile
from skylift.scan.model import Fact

MAX_ROUTES = 20
_STATIC = r"(/[\w./-]*)"
# only the app object's own routes: a router's are mounted under a prefix set elsewhere
PATTERNS = {
    "node": [re.compile(rf"\b(?:app|server|fastify)\.(?:get|all)\(\s*['\"`]{_STATIC}['\"`]")],
    "go": [re.compile(rf"\.(?:GET|Get|HandleFunc|Handle)\(\s*\"{_STATIC}\"")],
    "python": [
        re.compile(
            rf"@app\.(?:get|route)\(\s*['\"]{_STATIC}['\"](?![^)]*methods\s*=\s*\[[^\]]*POST)"
        ),
    ],
}
_ROUTER_GET = re.compile(rf"\b(?:router|\w+Router)\.get\(\s*['\"`]{_STATIC}['\"`]")
# a router mounted under a prefix the file does not state
_MOUNTED = re.compile(
    r"\.Group\(|RouterGroup\b|chi\.Router\)|echo\.Group\b|Blueprint\([^)]*url_prefix|"
    r"APIRouter\(\s*prefix|include_router\("
)
_NEST_CONTROLLER = re.compile(r"@Controller\(\s*(?:['\"]/?([\w/-]*)['\"])?\s*\)")
_NEST_GET = re.compile(r"@Get\(\s*(?:['\"]/?([\w/-]*)['\"])?\s*\)")
_NEST_PREFIX = re.compile(
    r"setGlobalPrefix\(\s*['\"]/?([\w/-]+)['\"]\s*(?:,\s*\{[^}]*?\bexclude\s*:\s*\[((?:[^\[\]]|\[[^\]]*\])*)\])?"
)
# an excluded route: 'health', '/health', { path: 'health', method: RequestMethod.GET }
_NEST_EXCLUDED = re.compile(r"(?:path\s*:\s*)?['\"`]/?([\w/*-]*)['\"`]")
_DJANGO_PATH = re.compile(r"\bpath\(\s*['\"]([\w/-]*)['\"]")
_NEXT_PAGE = re.compile(r"^(?:src/)?(?:app/(?:\([\w-]+\)/)*page|pages/index)\.(?:tsx|jsx|ts|js)$")


def scan(draft: Draft) -> None:
    found: dict[str, Fact] = {}

    def add(path: str, src: SourceFile, offset: int) -> None:
        path = re.sub(r"/+", "/", "/" + path.strip("/")) if path not in ("", "/") else "/"
        if path not in found and len(found) < MAX_ROUTES:
            found[path] = Fact(path, [src.evidence(offset=offset)], "high")

    for src in draft.repo.code(draft.code_exts):
        if _MOUNTED.search(src.text):
            continue
        for pattern in PATTERNS.get(draft.language, []):
            for m in pattern.finditer(src.text):
                add(m.group(1), src, m.start())
        if draft.language == "node":
            _nest(draft, src, add)
            for m in _ROUTER_GET.finditer(src.text):
                if prefix := code.mount_prefix(draft, src):  # app.use('/api', router) resolved
                    add(prefix + m.group(1), src, m.start())
        if draft.language == "python" and src.path.endswith("urls.py"):
            for m in _DJANGO_PATH.finditer(src.text):
                if "include(" not in src.text[m.start() : m.start() + 200].split("\n")[0]:
                    add(m.group(1), src, m.start())
    for rel in draft.repo.files:
        page = draft.repo.read(rel) if _NEXT_PAGE.match(rel) else None
        if page is not None:
            add("/", page, 0)
    draft.profile.routes = sorted(found.values(), key=lambda f: (f.value != "/", len(f.value)))


def _nest(draft: Draft, src: SourceFile, add: Callable[[str, SourceFile, int], None]) -> None:
    controller = _NEST_CONTROLLER.search(src.text)
    if controller is None:
        return
    base = controller.group(1) or ""
    for m in _NEST_GET.finditer(src.text):
        add(nest_path(draft, "/".join(p for p in (base, m.group(1) or "") if p)), src, m.start())


def nest_path(draft: Draft, path: str) -> str:
    """A NestJS route under the global prefix (`app.setGlobalPrefix('api')`), unless the
    prefix's `exclude` list names it (`{ exclude: ['health'] }`)."""
    path = path.strip("/")
    found = next((m for _, m in draft.repo.grep(_NEST_PREFIX, draft.code_exts)), None)
    if found is None:
        return "/" + path
    excluded = [e.strip("/") for e in _NEST_EXCLUDED.findall(found.group(2) or "")]
    if any(fnmatch.fnmatchcase(path, e.replace("(.*)", "*")) for e in excluded):
        return "/" + path
    return "/" + "/".join(p for p in (found.group(1).strip("/"), path) if p)
