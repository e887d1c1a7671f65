"""The import graph of shared/ and functions/: which package imports which, and any cycles.

Run `python -m devstack.module_graph`. Every import statement counts, including those inside
functions and under `if TYPE_CHECKING:`, since hiding an import there hides a cycle without
removing it. tests/unit/test_import_graph.py fails on any cycle this finds.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP_PACKAGES = ("shared", "functions")


@dataclass(frozen=True)
class ModuleGraph:
    modules: dict[str, Path]
    # (importer, imported) -> number of import statements, both modules of the tree
    edges: Counter[tuple[str, str]]

    def package_edges(self) -> Counter[tuple[str, str]]:
        """Edges between units (see `unit_of`), without a unit's imports of itself."""
        counts: Counter[tuple[str, str]] = Counter()
        for (source, target), count in self.edges.items():
            pair = (unit_of(source), unit_of(target))
            if pair[0] != pair[1]:
                counts[pair] += count
        return counts


def unit_of(module: str) -> str:
    """A subpackage counts as one unit (`shared.crm`); a module right under a top package is its own."""
    return ".".join(module.split(".")[:2])


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def collect(root: Path = ROOT, packages: Iterable[str] = TOP_PACKAGES) -> ModuleGraph:
    modules = {module_name(path, root): path for package in packages for path in sorted((root / package).rglob("*.py"))}
    edges: Counter[tuple[str, str]] = Counter()
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            for target in _imported(node, name, is_package, modules):
                if target != name:
                    edges[(name, target)] += 1
    return ModuleGraph(modules, edges)


def _imported(node: ast.AST, importer: str, is_package: bool, modules: Mapping[str, Path]) -> set[str]:
    """The modules of the tree one import statement loads (the nearest enclosing module for a name)."""
    if isinstance(node, ast.Import):
        return {module for alias in node.names if (module := _nearest_module(alias.name, modules))}
    if not isinstance(node, ast.ImportFrom):
        return set()
    base = node.module or ""
    if node.level:
        package = importer.split(".") if is_package else importer.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    found: set[str] = set()
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        target = submodule if submodule in modules else _nearest_module(base, modules)
        if target:
            found.add(target)
    return found


def _nearest_module(dotted: str, modules: Mapping[str, Path]) -> str | None:
    parts = dotted.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


@dataclass(frozen=True)
class Cycle:
    members: list[str]  # every node of one strongly connected component, sorted
    example: list[str]  # one shortest cycle through its first member, back to the start

    def __str__(self) -> str:
        return f"{', '.join(self.members)} (e.g. {' -> '.join(self.example)})"


def cycles(edges: Iterable[tuple[str, str]]) -> list[Cycle]:
    """The groups of nodes that import each other, directly or not (strongly connected components)."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    found = [
        Cycle(sorted(component), _cycle_within(graph, component))
        for component in _strongly_connected(graph)
        if len(component) > 1
    ]
    return sorted(found, key=lambda cycle: cycle.members)


def _strongly_connected(graph: Mapping[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative so deep graphs do not hit the recursion limit."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = lowlink[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    lowlink[work[-1][0]] = min(lowlink[work[-1][0]], lowlink[node])
                if lowlink[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
            elif child not in index:
                index[child] = lowlink[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                lowlink[node] = min(lowlink[node], index[child])
    return components


def _cycle_within(graph: Mapping[str, set[str]], component: set[str]) -> list[str]:
    """The shortest path from the component's first node back to itself (breadth first)."""
    start = min(component)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return [start, *reversed(path[:-1]), start] if node != start else [start, start]
                if child not in parents:
                    parents[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError("a strongly connected component always holds a cycle")


def line_counts(root: Path = ROOT, packages: Iterable[str] = TOP_PACKAGES) -> dict[str, int]:
    return {
        package: sum(len(path.read_text().splitlines()) for path in (root / package).rglob("*.py"))
        for package in packages
    }


def report(root: Path = ROOT) -> str:
    graph = collect(root)
    lines = ["# package-level imports (importer -> imported: import statements)"]
    for (source, target), count in sorted(graph.package_edges().items()):
        lines.append(f"{source} -> {target}: {count}")
    module_cycles = cycles(graph.edges)
    package_cycles = cycles(graph.package_edges())
    lines.append(f"\n# module cycles: {len(module_cycles)}")
    lines.extend(str(cycle) for cycle in module_cycles)
    lines.append(f"\n# package cycles: {len(package_cycles)}")
    lines.extend(str(cycle) for cycle in package_cycles)
    lines.append("\n# lines of Python")
    lines.extend(f"{package}/: {count}" for package, count in line_counts(root).items())
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
    sys.exit(0)
