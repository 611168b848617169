"""Reading a package's import graph from its source with ``ast`` (nothing is imported), and
finding cycles in it: used by tests/xmc/test_import_graph.py and tests/pipeline/test_import_graph.py.

Every import counts: module-level ones and the ones inside functions, which Python resolves
later but which still tie the two modules together.
"""
import ast
from pathlib import Path


def imported_modules(tree: ast.AST, package: str, modules: set[str]) -> set[str]:
    """The modules of ``modules`` (dotted names) that the parsed module ``tree`` of ``package``
    imports, anywhere in its body."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module
            # `from . import metrics` imports the module metrics; `from .model import XmcModel`
            # a name of the module model
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {m for m in found if m in modules}


def import_graph(folder: Path, package: str) -> dict[str, set[str]]:
    """module -> the package's modules it imports, for every .py file directly in ``folder``."""
    files = {(package if f.stem == "__init__" else f"{package}.{f.stem}"): f for f in sorted(folder.glob("*.py"))}
    return {name: imported_modules(ast.parse(f.read_text(encoding="utf-8"), str(f)), package, set(files)) - {name}
            for name, f in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None when the graph has none (depth-first search)."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once fully explored
    path: list[str] = []

    def visit(node):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None
