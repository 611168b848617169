"""ml/ (the Django side of the model) imports without cycles: the Celery tasks call the domain
modules, and the domain modules send tasks by name (ml/outbox.py), never importing ml/tasks.py."""
from pathlib import Path

from ..import_graph import find_cycle, import_graph

ML = Path(__file__).resolve().parents[2] / "ml"


def test_ml_has_no_import_cycle():
    graph = import_graph(ML, "ml")
    assert "ml.tasks" in graph and "ml.training" in graph["ml.tasks"]  # the graph was read
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle in ml/: " + " -> ".join(cycle)


def test_no_domain_module_imports_the_tasks():
    graph = import_graph(ML, "ml")
    importers = sorted(module for module, imported in graph.items() if "ml.tasks" in imported)
    assert importers == [], f"{', '.join(importers)} import ml/tasks.py; send tasks by name through ml/outbox.py"
