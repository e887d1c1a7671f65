"""Search by name, email, company and tags, designed for Firestore.

Each searchable document stores its search tokens: every prefix (up to MAX_PREFIX characters) of
every normalised word of its searchable fields, plus whole email addresses. They are kept twice:
as the list `searchTokens` (what records stored before the map existed are backfilled from) and
as the keys of the map `searchKeys`. A query, here and in the web app's search box, asks for
every word at once, one equality filter per word on `searchKeys.<word>`: Firestore indexes each
map key on its own and merges equality filters without a composite index, so the answer is every
document holding all the words (none is lost behind the first page of one word's matches), at
most `limit` of them, read from the index.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.field_path import FieldPath

from shared.clients import firestore_client
from shared.crm.audit import public
from shared.errors import InvalidInput

TOKENS_FIELD = "searchTokens"
KEYS_FIELD = "searchKeys"
MAX_PREFIX = 16
MAX_TERMS = 10  # equality filters one query carries; more words than this are refused, never dropped
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


def indexed(tokens: list[str]) -> dict[str, Any]:
    """The fields a document is searched by, from its tokens: written together, always."""
    return {TOKENS_FIELD: tokens, KEYS_FIELD: dict.fromkeys(tokens, True)}


def indexed_union(tokens: list[str]) -> dict[str, Any]:
    """The same fields for a merging set: `tokens` added to both, without reading the record first."""
    return {TOKENS_FIELD: firestore.ArrayUnion(tokens), KEYS_FIELD: dict.fromkeys(tokens, True)}


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
    distinct = sorted(set(terms), key=len, reverse=True)
    if len(distinct) > MAX_TERMS:
        raise InvalidInput(f"q: search with at most {MAX_TERMS} different words", field="q")
    return distinct


def _holding(term: str) -> FieldFilter:
    return FieldFilter(FieldPath(KEYS_FIELD, term).to_api_repr(), "==", True)


@dataclass(frozen=True)
class Hit:
    kind: str
    record: dict[str, Any]


class Search:
    def __init__(self, *, db: firestore.Client | None = None) -> None:
        self._db = db or firestore_client()

    def search(self, workspace_id: str, text: str, *, collections: Sequence[str], limit: int = 20) -> list[Hit]:
        """At most `limit` hits of each collection, each holding every word of `text`."""
        terms = query_terms(text)
        hits: list[Hit] = []
        for collection in collections:
            query: Any = self._db.collection("workspaces", workspace_id, collection)
            for term in terms:
                query = query.where(filter=_holding(term))
            for snapshot in query.limit(limit).stream():
                hits.append(Hit(collection, {"id": snapshot.id, **(public(snapshot.to_dict()) or {})}))
        return hits
