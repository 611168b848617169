"""ml/xmc's modules import each other without cycles, and the benches use its public names only.

The graph is read from the source with ``ast`` (nothing is imported), counting every import:
module-level ones and the ones inside functions, which Python resolves later but which still
tie the two modules together.
"""
import ast
import re
from pathlib import Path

import pytest

from ..import_graph import find_cycle, import_graph

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "ml.xmc"


def test_ml_xmc_has_no_import_cycle():
    graph = import_graph(REPO / "ml" / "xmc", PACKAGE)
    assert "ml.xmc.model" in graph and "ml.xmc.data" in graph["ml.xmc.model"]  # the graph was read
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle in ml/xmc: " + " -> ".join(cycle)


def test_the_cycle_finder_reports_a_cycle_through_a_function_level_import(tmp_path):
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "a.py").write_text("from .b import f\n")
    (tmp_path / "b.py").write_text("def f():\n    from . import c\n")
    (tmp_path / "c.py").write_text("import pkg.a\n")
    (tmp_path / "d.py").write_text("from .a import f\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.b"] == {"pkg.c"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]


def test_the_cycle_finder_accepts_a_diamond(tmp_path):
    graph = {"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": set()}
    assert find_cycle(graph) is None


@pytest.mark.parametrize("script", sorted((REPO / "bench" / "xmc").glob("*.py")), ids=lambda p: p.name)
def test_the_benches_use_only_public_names_of_ml_xmc(script):
    private = [f"{node.module}.{alias.name}" for node in ast.walk(ast.parse(script.read_text(encoding="utf-8")))
               if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE)
               for alias in node.names if alias.name.startswith("_")]
    assert private == [], f"{script.name} imports private names of ml.xmc"


def test_the_package_docstring_lists_every_module_below_those_it_imports():
    import ml.xmc

    listed = re.findall(r"^    (\w+)  ", ml.xmc.__doc__, re.M)  # "    name  what it holds"
    graph = import_graph(REPO / "ml" / "xmc", PACKAGE)
    assert sorted(listed) == sorted(m.rsplit(".", 1)[1] for m in graph if m not in (PACKAGE, f"{PACKAGE}.__main__"))
    upward = [f"{m} imports {i}" for m in listed for i in sorted(graph[f"{PACKAGE}.{m}"])
              if listed.index(i.rsplit(".", 1)[1]) > listed.index(m)]
    assert upward == [], "ml/xmc/__init__.py lists a module above one it imports"
