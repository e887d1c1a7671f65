"""Product code stands on its own. The deployed source is shared/, functions/ and main.py only
(terraform/modules/rapport/locals.tf), so an import of devstack from them would fail in production; and
shared/ never imports the web framework the function adapters use."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.support import parsed_source

ROOT = Path(__file__).resolve().parents[2]


def _imports(*paths: Path) -> Iterator[tuple[str, str]]:
    """(file, imported module) for every import in the files, including imports inside functions."""
    files = [f for path in paths for f in ([path] if path.is_file() else sorted(path.rglob("*.py")))]
    for file in files:
        for node in ast.walk(parsed_source(file)):
            where = str(file.relative_to(ROOT))
            if isinstance(node, ast.Import):
                yield from ((where, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield where, node.module


def _from(module: str, *roots: str) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def test_product_code_never_imports_the_dev_stack() -> None:
    found = [(f, m) for f, m in _imports(ROOT / "shared", ROOT / "functions", ROOT / "main.py") if _from(m, "devstack")]
    assert found == []


def test_shared_never_imports_the_function_framework() -> None:
    web = ("flask", "functions_framework", "cloudevents", "werkzeug")
    assert [(f, m) for f, m in _imports(ROOT / "shared") if _from(m, *web)] == []
