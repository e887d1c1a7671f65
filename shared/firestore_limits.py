"""Firestore's limits on one document, measured the way Firestore documents it.

Sizes follow https://firebase.google.com/docs/firestore/storage-size: a string is its UTF-8
bytes plus one, numbers and times eight bytes, a map the sizes of its keys and values, and a
document its name, its fields and 32 bytes more. Limits are from
https://firebase.google.com/docs/firestore/quotas.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from google.cloud.firestore_v1 import DocumentReference, GeoPoint

MAX_DOCUMENT_BYTES = 1_048_576
MAX_INDEXED_VALUE_BYTES = 1_500  # longer values are cut in the index, and queries on them go wrong
MAX_FIELDS = 20_000
MAX_INDEX_ENTRIES = 40_000
# One commit's request: Firestore takes 10 MiB, its emulator 4 MiB; a commit stays well under both.
MAX_COMMIT_BYTES = 3 * 1024 * 1024
MAX_WRITES_PER_COMMIT = 450  # Firestore allows 500 writes in one commit; keep a margin


def is_document_id(text: str) -> bool:
    """Whether Firestore accepts `text` as a document id: not empty, no slash, not `.`/`..`, not `__x__`."""
    return (
        0 < len(text.encode("utf-8", "surrogatepass")) <= 1_500
        and "/" not in text
        and text not in {".", ".."}
        and not (text.startswith("__") and text.endswith("__"))
    )


def string_size(text: str) -> int:
    if text.isascii():
        return len(text) + 1
    return len(text.encode("utf-8", "surrogatepass")) + 1


def name_size(path: str) -> int:
    """A document name: each collection id and document id of its path as a string, plus 16."""
    return sum(string_size(segment) for segment in path.split("/")) + 16


def value_size(value: Any) -> int:
    # The common shapes first, by exact type, in loops: ingestion sizes every interaction it plans.
    kind = type(value)
    if kind is str:
        return string_size(value)
    if kind is dict:
        size = 0
        for key, item in value.items():
            size += string_size(key) + value_size(item)
        return size
    if kind is list:
        size = 0
        for item in value:
            size += value_size(item)
        return size
    if value is None or kind is bool:
        return 1
    if kind is int or kind is float:
        return 8
    return _other_value_size(value)


def _other_value_size(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return string_size(value)
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, Mapping):
        return sum(string_size(str(key)) + value_size(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return sum(value_size(item) for item in value)
    if isinstance(value, DocumentReference):
        return name_size(value.path)
    if isinstance(value, GeoPoint):
        return 16
    # Integers, floats, times, and the transforms that become one (server time, increment, minimum...).
    return 8


def document_size(path: str, data: Mapping[str, Any]) -> int:
    return name_size(path) + value_size(data) + 32


def field_count(data: Mapping[str, Any]) -> int:
    """Every field and every field of a map in it, maps inside arrays included."""
    return sum(1 + _nested_fields(value) for value in data.values())


def _nested_fields(value: Any) -> int:
    if isinstance(value, Mapping):
        return field_count(value)
    if isinstance(value, list | tuple):
        return sum(_nested_fields(item) for item in value)
    return 0


def indexed_values(data: Mapping[str, Any], exempt: frozenset[str] = frozenset()) -> Iterator[tuple[str, Any]]:
    """(field path, value) of each value single-field indexes hold: scalars and map subfields, and
    each array element (array-contains). Fields in `exempt` (index exemptions) are left out."""
    for key, value in data.items():
        path = str(key)
        if path in exempt:
            continue
        if isinstance(value, Mapping):
            for sub_path, sub_value in indexed_values(value):
                yield f"{path}.{sub_path}", sub_value
        elif isinstance(value, list | tuple):
            for item in value:
                yield path, item
        else:
            yield path, value


def index_entries(data: Mapping[str, Any], exempt: frozenset[str] = frozenset()) -> int:
    """Single-field index entries: two (ascending, descending) for a scalar, one for an array element."""
    entries = 0
    for key, value in data.items():
        if str(key) in exempt:
            continue
        if isinstance(value, Mapping):
            entries += index_entries(value)
        elif isinstance(value, list | tuple):
            entries += len({repr(item) for item in value})
        else:
            entries += 2
    return entries


def problems(path: str, data: Mapping[str, Any], exempt: frozenset[str] = frozenset()) -> list[str]:
    """What about this document Firestore would refuse or index wrongly; empty when it is fine."""
    found: list[str] = []
    size = document_size(path, data)
    if size > MAX_DOCUMENT_BYTES:
        found.append(f"{size} bytes, over the {MAX_DOCUMENT_BYTES}-byte document limit")
    if (fields := field_count(data)) > MAX_FIELDS:
        found.append(f"{fields} fields, over the {MAX_FIELDS}-field limit")
    if (entries := index_entries(data, exempt)) > MAX_INDEX_ENTRIES:
        found.append(f"{entries} index entries, over the {MAX_INDEX_ENTRIES}-entry limit")
    for field_path, value in indexed_values(data, exempt):
        if not isinstance(value, datetime) and value_size(value) > MAX_INDEXED_VALUE_BYTES:
            found.append(f"{field_path} is {value_size(value)} bytes, over the indexed-value limit")
    return found
