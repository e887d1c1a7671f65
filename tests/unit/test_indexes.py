"""firestore.indexes.json covers every composite query the code makes.

Two checks: the file equals what the query declarations (lists, timeline, fixed queries) need,
and a scan of shared/ for literal query chains (`.collection("x")...where(FieldFilter("f", op))
...order_by("g")`, `collection_group("x").where(...)`) finds none the file lacks.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from shared.crm.indexes import firestore_indexes
from tests.support import parsed_source

ROOT = Path(__file__).resolve().parents[2]
INDEX_FILE = ROOT / "firestore.indexes.json"


@dataclass(frozen=True)
class QueryShape:
    where: str
    collection: str
    collection_group: bool
    filters: tuple[tuple[str, str], ...]  # (field, op)
    orders: tuple[tuple[str, str], ...]  # (field, ASCENDING|DESCENDING)


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _chain(node: ast.Call) -> list[ast.Call]:
    calls = []
    current: ast.AST = node
    while isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
        calls.append(current)
        current = current.func.value
    return list(reversed(calls))


def _shape(calls: list[ast.Call], where: str) -> QueryShape | None:
    collection, group, filters, orders = None, False, [], []
    for call in calls:
        method = call.func.attr  # type: ignore[attr-defined]
        if method in {"collection", "collection_group"} and call.args:
            collection, group = _literal(call.args[-1]), method == "collection_group"
        elif method == "where":
            spec = next((kw.value for kw in call.keywords if kw.arg == "filter"), None)
            if isinstance(spec, ast.Call) and len(spec.args) >= 2:
                filters.append((_literal(spec.args[0]), _literal(spec.args[1])))
        elif method == "order_by" and call.args:
            descending = any("DESCENDING" in ast.unparse(kw.value) for kw in call.keywords if kw.arg == "direction")
            orders.append((_literal(call.args[0]), "DESCENDING" if descending else "ASCENDING"))
    if not collection or not filters or None in {f for pair in filters + orders for f in pair}:
        return None  # not a literal query: its shape is declared to shared/crm/indexes.py instead
    return QueryShape(where, collection, group, tuple(filters), tuple(orders))  # type: ignore[arg-type]


def literal_queries() -> Iterator[QueryShape]:
    for path in sorted((ROOT / "shared").rglob("*.py")):
        tree = parsed_source(path)
        outermost = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.Call) for inner in _chain(node)[:-1]}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and id(node) not in outermost:
                shape = _shape(_chain(node), f"{path.relative_to(ROOT)}:{node.lineno}")
                if shape:
                    yield shape


def _covered(shape: QueryShape, indexes: dict) -> bool:
    if shape.collection_group:
        return any(
            o["collectionGroup"] == shape.collection
            and o["fieldPath"] == shape.filters[0][0]
            and {"order": "ASCENDING", "queryScope": "COLLECTION_GROUP"} in o["indexes"]
            for o in indexes["fieldOverrides"]
        )
    orders = [(field, order) for field, order in shape.orders if field != "__name__"]
    if not orders or all(field == orders[0][0] for field, _ in shape.filters):
        return True  # equality filters alone, or filter and order on one field: single-field indexes serve it
    wanted = [
        {"fieldPath": field, "arrayConfig": "CONTAINS"}
        if op == "array_contains"
        else {"fieldPath": field, "order": "ASCENDING"}
        for field, op in shape.filters
    ] + [{"fieldPath": field, "order": order} for field, order in orders]
    return any(i["collectionGroup"] == shape.collection and i["fields"] == wanted for i in indexes["indexes"])


def test_the_index_file_is_what_the_declared_queries_need():
    assert json.loads(INDEX_FILE.read_text()) == firestore_indexes(), (
        "regenerate: .venv/bin/python -m shared.crm.indexes > firestore.indexes.json"
    )


def test_every_literal_query_in_the_code_has_its_index():
    indexes = json.loads(INDEX_FILE.read_text())
    shapes = list(literal_queries())
    where = {shape.where.split(":")[0] for shape in shapes}
    # The scan really sees the known ones (so a broken scan cannot pass by finding nothing).
    assert {"shared/enrichment/service.py", "shared/gmail/mailboxes.py"} <= where
    missing = [shape for shape in shapes if not _covered(shape, indexes)]
    assert missing == []


def test_the_scan_notices_a_query_without_its_index():
    shape = QueryShape("x.py:1", "deals", False, (("stage", "=="),), (("name", "ASCENDING"),))
    assert not _covered(shape, json.loads(INDEX_FILE.read_text()))
    grouped = QueryShape("x.py:2", "contacts", True, (("email", "=="),), ())
    assert not _covered(grouped, json.loads(INDEX_FILE.read_text()))
