"""A record's history: the activity timeline of a contact, company or deal, and the audit log as a list.

The timeline merges, newest first, the record's mail (interactions), notes, tasks and audit
entries. Each source is one query (an equality or array-contains filter and a time order),
declared here as data so shared/crm/indexes.py can derive the indexes they need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.clients import firestore_client
from shared.crm.audit import COLLECTION as AUDIT
from shared.crm.audit import entity_key, public
from shared.crm.kinds import PARENT_COLLECTIONS
from shared.crm.records import Filter, Listing, Page, Sort
from shared.errors import NotFound
from shared.sharing import MailContent

ParentType = Literal["contact", "company", "deal"]

# The audit log as a list: a record's history (`entityKey`), one person's changes, or everything; newest first.
AUDIT_LISTING = Listing(
    AUDIT,
    filters=(Filter("entityKey", "entityKey"), Filter("actorUid", "actorUid"), Filter("entity", "entity")),
    sorts=(Sort("at", descending=True),),
    default_sort="at",
)


@dataclass(frozen=True)
class Source:
    """One stream of timeline items: documents of `collection` whose `field` matches the record."""

    item_type: str
    collection: str
    field: str
    op: Literal["==", "array_contains"]
    time_field: str
    value: Callable[[str, str], str]  # (parent type, parent id) → the value to match


def _by_id(_: str, parent_id: str) -> str:
    return parent_id


NOTES = Source("note", "notes", "parentKey", "==", "createdAt", entity_key)
TASKS = Source("task", "tasks", "parentKey", "==", "createdAt", entity_key)
CHANGES = Source("change", AUDIT, "entityKey", "==", "at", entity_key)
CONTACT_MAIL = Source("interaction", "interactions", "contactIds", "array_contains", "occurredAt", _by_id)
COMPANY_MAIL = Source("interaction", "interactions", "companyIds", "array_contains", "occurredAt", _by_id)
SOURCES: dict[str, tuple[Source, ...]] = {
    "contact": (CONTACT_MAIL, NOTES, TASKS, CHANGES),
    "company": (COMPANY_MAIL, NOTES, TASKS, CHANGES),
    "deal": (NOTES, TASKS, CHANGES),
}
# Meetings further ahead than this are not shown yet: a recurring series' far instances would fill the page.
UPCOMING_DAYS = 60
# Audit entries keep whole records before and after; the timeline shows what changed, not the copies.
_TIMELINE_OMITS = {"before", "after", "people", "searchTokens", "searchKeys"}


class Timeline:
    def __init__(self, *, db: firestore.Client | None = None) -> None:
        self._db = db or firestore_client()

    def of(
        self,
        workspace_id: str,
        *,
        parent_type: ParentType,
        parent_id: str,
        before: datetime | None,
        limit: int,
        reader_uid: str,
    ) -> dict[str, Any]:
        """The newest `limit` items; mail shows what its mailbox shares with `reader_uid` (shared/sharing.py)."""
        workspace = self._db.collection("workspaces").document(workspace_id)
        if not workspace.collection(PARENT_COLLECTIONS[parent_type]).document(parent_id).get().exists:
            raise NotFound(f"no such {parent_type}", id=parent_id)
        items: list[dict[str, Any]] = []
        horizon = datetime.now(UTC) + timedelta(days=UPCOMING_DAYS)
        for source in SOURCES[parent_type]:
            query = workspace.collection(source.collection).where(
                filter=FieldFilter(source.field, source.op, source.value(parent_type, parent_id))
            )
            until = before if before is not None else horizon if source.collection == "interactions" else None
            if until is not None:
                query = query.where(filter=FieldFilter(source.time_field, "<", until))
            query = query.order_by(source.time_field, direction=firestore.Query.DESCENDING).limit(limit)
            items.extend(_item(source, snapshot) for snapshot in query.stream())
        items.sort(key=lambda item: item["at"], reverse=True)
        page = items[:limit]
        mail = [item for item in page if item["type"] == "interaction"]
        shown = {i["id"]: i for i in MailContent(db=self._db).attach(workspace_id, mail, reader_uid=reader_uid)}
        page = [shown.get(item["id"], item) if item["type"] == "interaction" else item for item in page]
        return {
            "items": [public(item) for item in page],
            "nextBefore": page[-1]["at"].isoformat() if len(items) > limit else None,
        }


def _item(source: Source, snapshot: Any) -> dict[str, Any]:
    data = snapshot.to_dict() or {}
    details = {key: value for key, value in data.items() if key not in _TIMELINE_OMITS}
    return {"type": source.item_type, "id": snapshot.id, "at": data.get(source.time_field), **details}


class AuditLog:
    def __init__(self, *, db: firestore.Client | None = None) -> None:
        self._db = db or firestore_client()

    def list_page(self, query: Any) -> Page:
        workspace_id = query.model_dump()["workspaceId"]
        return AUDIT_LISTING.page(self._db.collection("workspaces", workspace_id, AUDIT), query)
