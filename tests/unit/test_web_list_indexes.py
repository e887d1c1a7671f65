"""The web app's contacts list asks Firestore only for (filter, sort) pairs firestore.indexes.json holds:
the sorts and filters in web/src/data/contacts.ts are the ones shared/crm/indexes.py declares."""

from __future__ import annotations

import re
from pathlib import Path

from shared.crm.indexes import WEB_CONTACT_FILTERS, WEB_CONTACT_SORTS, firestore_indexes

CONTACTS_TS = Path(__file__).resolve().parents[2] / "web" / "src" / "data" / "contacts.ts"


def _web_sorts() -> set[tuple[str, bool]]:
    source = CONTACTS_TS.read_text()
    block = source[source.index("export const CONTACT_SORTS") :]
    block = block[: block.index("} as const")]
    return {
        (field, direction == "desc")
        for field, direction in re.findall(r'field: "([^"]+)", direction: "(asc|desc)"', block)
    }


def _web_filters() -> set[str]:
    source = CONTACTS_TS.read_text()
    body = source[source.index("export function contactConstraints") :]
    body = body[: body.index("\n}\n")]
    return set(re.findall(r'where\("([^"]+)", "=="', body))


def test_the_web_lists_sorts_and_filters_are_the_declared_ones():
    assert _web_sorts() == {(sort.field, sort.descending) for sort in WEB_CONTACT_SORTS}
    assert _web_filters() == set(WEB_CONTACT_FILTERS)


def test_every_filter_with_every_sort_has_its_composite_index():
    indexes = {
        tuple((f["fieldPath"], f.get("order")) for f in index["fields"])
        for index in firestore_indexes()["indexes"]
        if index["collectionGroup"] == "contacts"
    }
    for field in WEB_CONTACT_FILTERS:
        for field_sorted, descending in _web_sorts():
            assert ((field, "ASCENDING"), (field_sorted, "DESCENDING" if descending else "ASCENDING")) in indexes
