"""Search by name, email, company and tags, designed for Firestore.

Each searchable document stores `searchTokens`: every prefix (up to MAX_PREFIX characters) of
every normalised word of its searchable fields, plus whole email addresses. A query asks
Firestore for one token with `array_contains` (a single-field index, no composite needed) and
keeps the documents holding every other word of the query too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.clients import firestore_client
from shared.crm.audit import public
from shared.errors import InvalidInput

TOKENS_FIELD = "searchTokens"
MAX_PREFIX = 16
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """Lower case without accents, so "José" is found by "jose"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def search_tokens(values: Iterable[Any]) -> list[str]:
    """Prefix tokens of every word in `values` (strings or lists of strings)."""
    tokens: set[str] = set()
    for value in _strings(values):
        if "@" in value:
            tokens.add(normalise(value.strip())[:254])
        for word in words(value):
            tokens.update(word[:length] for length in range(1, min(len(word), MAX_PREFIX) + 1))
    return sorted(tokens)


def _strings(values: Iterable[Any]) -> Iterable[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, list | tuple):
            yield from (item for item in value if isinstance(item, str))


def query_terms(text: str) -> list[str]:
    """The words of a query, longest first (the most selective one goes to Firestore)."""
    terms = [word[:MAX_PREFIX] for word in words(text)]
    if not terms:
        raise InvalidInput("q: type at least one letter or digit", field="q")
    return sorted(set(terms), key=len, reverse=True)


@dataclass(frozen=True)
class Hit:
    kind: str
    record: dict[str, Any]


class Search:
    def __init__(self, *, db: firestore.Client | None = None) -> None:
        self._db = db or firestore_client()

    def search(self, workspace_id: str, text: str, *, collections: Sequence[str], limit: int = 20) -> list[Hit]:
        """At most `limit` hits of each collection."""
        terms = query_terms(text)
        hits: list[Hit] = []
        for collection in collections:
            found: list[Hit] = []
            query = (
                self._db.collection("workspaces", workspace_id, collection)
                .where(filter=FieldFilter(TOKENS_FIELD, "array_contains", terms[0]))
                .limit(limit * 3)  # room for documents the other words then rule out
            )
            for snapshot in query.stream():
                data = snapshot.to_dict() or {}
                if set(terms[1:]) <= set(data.get(TOKENS_FIELD, [])):
                    found.append(Hit(collection, {"id": snapshot.id, **(public(data) or {})}))
            hits.extend(found[:limit])
        return hits
