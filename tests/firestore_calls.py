"""The Firestore reads a piece of code asks for, seen on the wire: bench/agent.py's meter on this process's client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench import agent


@contextmanager
def firestore_reads() -> Iterator[list[tuple[str, Any]]]:
    """(method, request) of each query, batched get and count this process's client sends inside the block:
    `RunQuery` (the request's structured_query names its collection), `BatchGetDocuments` (a document's get
    is one too) or `RunAggregationQuery`."""
    asked: list[tuple[str, Any]] = []
    meter = agent.ReadMeter()
    counted = meter.requested

    def requested(method: str, request: Any) -> None:
        asked.append((method.rsplit("/", 1)[-1], request))
        counted(method, request)

    meter.requested = requested  # type: ignore[method-assign]
    with agent.metered_firestore(meter):
        yield asked


def queried_collections(asked: list[tuple[str, Any]]) -> list[str]:
    queries = [request.structured_query for method, request in asked if method == "RunQuery"]
    return [part.collection_id for query in queries for part in query.from_]
