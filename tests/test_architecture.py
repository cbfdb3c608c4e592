"""The package's import graph: no cycles between symflow modules, no private names
imported across modules.

The graph is read from the source with ``ast``. An edge A -> B is a module-level
``import B`` / ``from B import ...`` in A (statements inside functions, which run on first
use, and ``if TYPE_CHECKING:`` blocks do not count for cycles). ``from B import name``
counts as an import of the submodule B.name when that is a module. Private names
(``from symflow.x import _name``) are refused at any level, inside functions too. A
second test follows function-level imports as well, against a list of known tangles.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "symflow"

#: module-level cycles still to be removed (each the sorted modules of one strongly
#: connected component); none are left. Remove an entry when its cycle is gone.
KNOWN_CYCLES: set[tuple[str, ...]] = set()

#: cycles that close only through imports inside functions (deferred to first use): not
#: failures of the import order, but tangles still to be undone. Shrink as they go.
KNOWN_DEFERRED_CYCLES: set[tuple[str, ...]] = set()

#: (importing module, imported module, name) of private imports still to be renamed.
#: Remove entries as the names become public.
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str, str]] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _module_level(tree: ast.Module):
    """Import statements run when the module is imported (not inside def/class bodies)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If | ast.Try | ast.With) and not _type_checking(node):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []):
                    stack.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])


def _targets(module: str, node, modules: dict[str, Path]) -> list[tuple[str, str | None]]:
    """(imported symflow module, name imported from it or None) for one statement."""
    if isinstance(node, ast.Import):
        return [(a.name, None) for a in node.names if a.name.split(".")[0] == "symflow"]
    source = _absolute(module, node, modules[module].name == "__init__.py")
    if source.split(".")[0] != "symflow":
        return []
    out = []
    for alias in node.names:
        child = f"{source}.{alias.name}"
        out.append((child, None) if child in modules else (source, alias.name))
    return out


def _graph(deferred: bool = False) -> dict[str, set[str]]:
    """Module -> the symflow modules it imports at module level (and inside functions
    too when ``deferred``)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = (
            [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
            if deferred
            else _module_level(tree)
        )
        for node in nodes:
            for target, _ in _targets(module, node, modules):
                if target in modules and target != module:
                    graph[module].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(tuple(sorted(component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_between_symflow_modules() -> None:
    cycles = set(_cycles(_graph()))
    assert cycles - KNOWN_CYCLES == set(), f"import cycles: {sorted(cycles - KNOWN_CYCLES)}"


def test_no_new_cycles_through_deferred_imports() -> None:
    cycles = set(_cycles(_graph(deferred=True)))
    assert cycles - KNOWN_DEFERRED_CYCLES == set(), sorted(cycles - KNOWN_DEFERRED_CYCLES)


def test_no_private_names_imported_across_modules() -> None:
    modules = _modules()
    found = set()
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            for target, name in _targets(module, node, modules):
                if name and name.startswith("_") and not name.startswith("__"):
                    found.add((module, target, name))
    assert found - KNOWN_PRIVATE_IMPORTS == set(), sorted(found - KNOWN_PRIVATE_IMPORTS)


def test_the_graph_sees_a_known_edge() -> None:
    assert "symflow.core.bases.families" in _graph()["symflow.core.bases.normal"]
