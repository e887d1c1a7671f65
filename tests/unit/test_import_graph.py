"""The layers of shared/ and functions/ point one way: no module or package imports itself back."""

import functools
from pathlib import Path

from devstack.module_graph import ModuleGraph, collect, cycles, report


@functools.cache
def _repository() -> ModuleGraph:
    """The repository's own graph, collected once for the tests that only read it (each collect() parses
    every module of shared/ and functions/)."""
    return collect()


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _edges_between(graph, importer_prefix: str, imported_prefix: str) -> list[tuple[str, str]]:
    return sorted(
        (source, target)
        for source, target in graph.edges
        if source.startswith(importer_prefix) and target.startswith(imported_prefix)
    )


def test_no_module_imports_itself_back():
    assert [str(cycle) for cycle in cycles(_repository().edges)] == []


def test_no_package_imports_itself_back():
    assert [str(cycle) for cycle in cycles(_repository().package_edges())] == []


def test_crm_imports_neither_gmail_nor_functions_and_shared_never_imports_functions():
    # shared/ never importing devstack or flask is tests/unit/test_layering.py's
    graph = _repository()
    assert _edges_between(graph, "shared.crm", "shared.gmail") == []
    assert _edges_between(graph, "shared.crm", "shared.pipeline") != []  # what it gets instead
    assert _edges_between(graph, "shared", "functions") == []


def test_principals_imports_nothing_of_the_project():
    assert _edges_between(_repository(), "shared.principals", "") == []


def test_a_cycle_hidden_in_a_function_or_under_type_checking_is_found(tmp_path):
    root = _tree(
        tmp_path,
        {
            "shared/__init__.py": "",
            "shared/a.py": "def late():\n    from shared.b import B\n",
            "shared/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shared import a\nB = 1\n",
            "shared/c.py": "import shared.a\n",
            "functions/__init__.py": "",
            "functions/f.py": "from shared.c import x\n",
        },
    )
    graph = collect(root)
    found = cycles(graph.edges)
    assert [cycle.members for cycle in found] == [["shared.a", "shared.b"]]
    assert found[0].example == ["shared.a", "shared.b", "shared.a"]
    assert ("functions.f", "shared.c") in graph.edges


def test_a_cycle_between_packages_is_found_even_without_a_module_cycle(tmp_path):
    root = _tree(
        tmp_path,
        {
            "shared/__init__.py": "",
            "shared/crm/__init__.py": "",
            "shared/crm/ingest.py": "from shared.gmail.api import FetchedMessage\n",
            "shared/gmail/__init__.py": "",
            "shared/gmail/api.py": "FetchedMessage = object\n",
            "shared/gmail/sync.py": "from ..crm import ingest\n",
            "functions/__init__.py": "",
        },
    )
    graph = collect(root)
    assert cycles(graph.edges) == []
    assert [cycle.members for cycle in cycles(graph.package_edges())] == [["shared.crm", "shared.gmail"]]
    assert "shared.crm, shared.gmail" in report(root)


def test_a_longer_cycle_is_reported_once_with_every_member():
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e")]
    (cycle,) = cycles(edges)
    assert cycle.members == ["a", "b", "c"]
    assert cycle.example == ["a", "b", "c", "a"]
