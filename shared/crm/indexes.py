"""Every composite index Rapport's queries need, derived from the queries' own declarations.

Lists declare their filters and sorts (`Listing`), the timeline its sources; the few fixed
queries elsewhere are declared below. `firestore_indexes()` is what `firestore.indexes.json`
must hold; tests/unit/test_indexes.py checks the file against it and scans the code for
literal query chains this registry would miss.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from shared import deadletters
from shared.crm.activity import feed_index_shapes
from shared.crm.kinds import KINDS
from shared.crm.records import Listing, Sort
from shared.crm.timeline import AUDIT_LISTING, SOURCES
from shared.settings import PRODUCTION_EMBEDDING_DIMENSIONS
from shared.sharing import EMBEDDINGS

Order = Literal["ASCENDING", "DESCENDING", "CONTAINS", "VECTOR"]


@dataclass(frozen=True)
class IndexField:
    path: str
    order: Order
    dimension: int = 0  # a vector field's

    def to_json(self) -> dict[str, Any]:
        if self.order == "VECTOR":
            return {"fieldPath": self.path, "vectorConfig": {"dimension": self.dimension, "flat": {}}}
        if self.order == "CONTAINS":
            return {"fieldPath": self.path, "arrayConfig": "CONTAINS"}
        return {"fieldPath": self.path, "order": self.order}


@dataclass(frozen=True)
class CompositeIndex:
    collection: str
    fields: tuple[IndexField, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "collectionGroup": self.collection,
            "queryScope": "COLLECTION",
            "fields": [f.to_json() for f in self.fields],
        }


def _filtered(field: str, op: str) -> IndexField:
    return IndexField(field, "CONTAINS" if op == "array_contains" else "ASCENDING")


def _sorted(sort: Sort) -> IndexField:
    return IndexField(sort.field, "DESCENDING" if sort.descending else "ASCENDING")


def listing_indexes(listing: Listing) -> list[CompositeIndex]:
    """One filter and one sort on another field need a composite index; equality or sort alone do not."""
    return [
        CompositeIndex(listing.collection, (_filtered(f.field, f.op), _sorted(sort)))
        for f in listing.filters
        for sort in listing.sorts
        if f.field != sort.field
    ]


def timeline_indexes() -> list[CompositeIndex]:
    return [
        CompositeIndex(source.collection, (_filtered(source.field, source.op), _sorted(Sort(source.time_field, True))))
        for sources in SOURCES.values()
        for source in sources
    ]


# Fixed queries outside the lists: a contact's newest mail (enrichment, relationship strength); the web
# app's live timelines and the dashboard's mail per week, which ask for mail not staged since the rules
# let clients read no other (web/src/data/records.ts, DashboardPage.tsx).
DECLARED = [
    CompositeIndex(
        "interactions", (_filtered("contactIds", "array_contains"), _sorted(Sort("occurredAt", descending=True)))
    ),
    *(
        CompositeIndex(
            "interactions",
            (_filtered(field, "array_contains"), _filtered("staged", "=="), _sorted(Sort("occurredAt", True))),
        )
        for field in ("contactIds", "companyIds")
    ),
    CompositeIndex("interactions", (_filtered("staged", "=="), _sorted(Sort("occurredAt", False)))),
]

# The web app's paged contacts list (web/src/data/contacts.ts) combines any of these equality filters
# with any of these sorts; Firestore merges one (filter, sort) index per filter for several filters.
# tests/unit/test_web_list_indexes.py keeps the two in step.
WEB_CONTACT_FILTERS = ("ownerUid", "companyId", "goingCold")
WEB_CONTACT_SORTS = (
    Sort("lastInteractionMs", descending=True),
    Sort("strength.score", descending=True),
    Sort("companyName"),
    Sort("name"),
)
DECLARED += [
    CompositeIndex("contacts", (_filtered(field, "=="), _sorted(sort)))
    for field in WEB_CONTACT_FILTERS
    for sort in WEB_CONTACT_SORTS
]

# The Gmail sidebar (shared/addon/service.py): a person's open tasks and the user's own, soonest due first.
DECLARED += [
    CompositeIndex("tasks", (_filtered(field, "=="), _filtered("done", "=="), _sorted(Sort("dueDate"))))
    for field in ("assigneeUid", "parentKey")
]

# Meetings still to come, counted once they end (shared/calendar/meetings.py).
DECLARED.append(
    CompositeIndex("interactions", (_filtered("mailboxId", "=="), _filtered("pending", "=="), _sorted(Sort("endMs"))))
)
# A full calendar sync's window of meetings, to find those it no longer lists (shared/calendar/meetings.py).
DECLARED.append(CompositeIndex("interactions", (_filtered("mailboxId", "=="), _sorted(Sort("startMs")))))
# A meeting taken back that held a record's first interaction: the oldest that still counts (calendar/restore.py).
DECLARED += [
    CompositeIndex("interactions", (_filtered(field, "array_contains"), _sorted(Sort("occurredAt"))))
    for field in ("contactIds", "companyIds")
]

# Collection-group queries need a single-field index with that scope, declared as an override
# (the collection-scope defaults are listed too, since an override replaces them).
COLLECTION_GROUP_FIELDS = (
    ("mailboxes", "status"),  # renewal and catch-up find every connected mailbox
    ("invitations", "email"),  # a newcomer sees the invitations waiting for their address
    ("members", "email"),  # the Gmail sidebar finds its user's memberships by their verified address
)


def _override(collection: str, field: str) -> dict[str, Any]:
    return {
        "collectionGroup": collection,
        "fieldPath": field,
        "indexes": [
            {"order": "ASCENDING", "queryScope": "COLLECTION"},
            {"order": "DESCENDING", "queryScope": "COLLECTION"},
            {"arrayConfig": "CONTAINS", "queryScope": "COLLECTION"},
            {"order": "ASCENDING", "queryScope": "COLLECTION_GROUP"},
        ],
    }


# Large fields never filtered or sorted on: indexing them would cost a write of index entries for
# every person and every word-bearing string on each of a mailbox's thousands of interactions.
UNINDEXED_FIELDS = (
    ("interactions", "people"),
    ("content", "snippet"),
    ("audit", "before"),
    ("audit", "after"),
    (deadletters.COLLECTION, "payload"),
    # Per-member sums and co-occurrence edges (decision 27): read by document, never queried; only
    # memberScores is sorted on.
    ("contacts", "memberStrength"),
    ("contacts", "cooccur"),
    ("interactions", "attendees"),  # a meeting's attendees, up to 50 (shared/calendar/meetings.py)
    ("content", "replyContext"),  # an inline reply's quotes and answers (shared/mail/reply_context.py)
)
# Fields Firestore's TTL policies delete documents by (terraform reads them from firestore.indexes.json).
TTL_FIELDS = ((deadletters.COLLECTION, deadletters.TTL_FIELD),)


def _exemption(collection: str, field: str) -> dict[str, Any]:
    return {"collectionGroup": collection, "fieldPath": field, "indexes": []}


def activity_indexes() -> list[CompositeIndex]:
    """The activity feed's filtered sources, newest first (shared/crm/activity.py)."""
    return [
        CompositeIndex(collection, (*(IndexField(f, "ASCENDING") for f in fields), IndexField(time, "DESCENDING")))
        for collection, fields, time in feed_index_shapes()
    ]


def mail_search_indexes() -> list[CompositeIndex]:
    """Mail search's nearest-neighbour queries, filtered to the readable mailboxes and maybe a time range
    (shared/mailsearch/search.py)."""
    vector = IndexField("embedding", "VECTOR", PRODUCTION_EMBEDDING_DIMENSIONS)
    mailbox, when = IndexField("mailboxId", "ASCENDING"), IndexField("occurredAt", "ASCENDING")
    return [CompositeIndex(EMBEDDINGS, (mailbox, vector)), CompositeIndex(EMBEDDINGS, (mailbox, when, vector))]


def composite_indexes() -> list[CompositeIndex]:
    listings = [kind.listing for kind in KINDS.values()] + [AUDIT_LISTING]
    found = [index for listing in listings for index in listing_indexes(listing)] + timeline_indexes() + DECLARED
    found += activity_indexes() + mail_search_indexes()
    unique = {repr(index.to_json()): index for index in found}
    return sorted(unique.values(), key=lambda index: repr(index.to_json()))


def firestore_indexes() -> dict[str, Any]:
    """The content `firestore.indexes.json` must have."""
    return {
        "indexes": [index.to_json() for index in composite_indexes()],
        "fieldOverrides": [_override(collection, field) for collection, field in COLLECTION_GROUP_FIELDS]
        + [_exemption(collection, field) for collection, field in UNINDEXED_FIELDS]
        + [{**_exemption(collection, field), "ttl": True} for collection, field in TTL_FIELDS],
    }


if __name__ == "__main__":  # regenerate: python -m shared.crm.indexes > firestore.indexes.json
    print(json.dumps(firestore_indexes(), indent=2))
