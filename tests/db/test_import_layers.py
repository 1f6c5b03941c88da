"""Each source engine reads top-down: its modules import in one direction, and the rest of
skylift imports the engine's package, never its private modules (tests may)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "src" / "skylift" / "db" / "sources"
BASE = "skylift.db.sources"
ENGINES = sorted(p.name for p in SOURCES.iterdir() if (p / "__init__.py").exists())


def _module_name(path: Path) -> str:
    """skylift.x.y for a file under src/, the file's own name elsewhere (bench/)."""
    if not path.is_relative_to(ROOT / "src"):
        return path.stem
    rel = path.relative_to(ROOT / "src").with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module an import in the file names (function-local ones too), absolute."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            # `from pkg import mod` names the module pkg.mod when there is such a file
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _resolve(name: str, modules: set[str]) -> str | None:
    """The engine module an imported name belongs to (the longest module prefix), if any."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _graph(engine: str) -> dict[str, set[str]]:
    package = f"{BASE}.{engine}"
    files = sorted((SOURCES / engine).glob("*.py"))
    modules = {_module_name(f) for f in files}
    graph: dict[str, set[str]] = {}
    for f in files:
        me = _module_name(f)
        graph[me] = {
            dep
            for _, name in _imports(f)
            if (dep := _resolve(name, modules)) is not None and dep != me
        }
    assert package in graph
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state and (found := visit(dep)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_there_are_three_engine_packages() -> None:
    assert ENGINES == ["mysql", "postgres", "sqlite"]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_engine_imports_in_one_direction(engine: str) -> None:
    graph = _graph(engine)
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])
    package = f"{BASE}.{engine}"
    # no module imports its own package (that is the top: it would be a circle through it)
    assert [m for m, deps in graph.items() if package in deps] == []


def test_the_base_imports_engines_only_inside_their_factories() -> None:
    tree = ast.parse((SOURCES / "__init__.py").read_text("utf-8"))
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = [a.name for n in top for a in n.names] + [
        n.module or "" for n in top if isinstance(n, ast.ImportFrom)
    ]
    assert [n for n in names if n.startswith(f"{BASE}.")] == []


def test_nothing_outside_an_engine_imports_its_private_modules() -> None:
    private = {
        _module_name(f)
        for engine in ENGINES
        for f in (SOURCES / engine).glob("_*.py")
        if f.name != "__init__.py"
    }
    offenders = []
    for folder in ("src", "bench"):
        for f in sorted((ROOT / folder).rglob("*.py")):
            me = _module_name(f)
            for line, name in _imports(f):
                dep = _resolve(name, private)
                package = dep.rpartition(".")[0] if dep else ""
                if dep and me != package and not me.startswith(package + "."):
                    offenders.append(f"{f.relative_to(ROOT)}:{line} imports {dep}")
    assert offenders == []
