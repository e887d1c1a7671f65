"""The workspace's activity feed behind the audit page: changes people made (the audit log), sync runs
and imports, newest first, in one list with one cursor.

Each source is one server-side query (equality filters and a time order, `limit` documents from the
cursor on), so a page costs the same however long the log is; the pages of the sources are merged by
(time, id). Filters: who (`actorUid`: the author of a change or import, the owner of a synced mailbox),
what (`entity` kind or one record's `entityKey`: changes only) and which action (`sync`: sync runs;
`import`: imports and the changes they wrote; any other, changes).
"""

from __future__ import annotations

import base64
import binascii
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from pydantic import BaseModel, ConfigDict, Field

from shared.clients import firestore_client
from shared.crm.audit import COLLECTION as AUDIT
from shared.crm.audit import public
from shared.crm.models import RecordId
from shared.errors import InvalidInput

MAX_FEED_PAGE = 100
IN_LIMIT = 30  # values one `in` filter may take
SYNC, IMPORT = "sync", "import"


class ActivityQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    workspaceId: RecordId
    actorUid: str | None = Field(default=None, min_length=1, max_length=128)
    action: str | None = Field(default=None, pattern=r"^[a-z_-]{1,40}$")
    entity: str | None = Field(default=None, pattern=r"^[a-zA-Z]{1,40}$")
    entityKey: str | None = Field(default=None, min_length=3, max_length=200)
    cursor: str | None = Field(default=None, max_length=400)
    limit: int = Field(default=50, ge=1, le=MAX_FEED_PAGE)


@dataclass(frozen=True)
class FeedSource:
    item_type: str
    collection: str
    time_field: str
    filters: tuple[str, ...]  # the equality filters it may be asked for, as stored field names
    item: Callable[[dict[str, Any]], dict[str, Any]]


def _change(data: dict[str, Any]) -> dict[str, Any]:
    return data


def _sync_run(data: dict[str, Any]) -> dict[str, Any]:
    return {"action": SYNC, **data}


def _import(data: dict[str, Any]) -> dict[str, Any]:
    return {"action": IMPORT, "actorUid": data.get("createdBy"), **data}


def _takeout(data: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "takeout", **_import(data)}


CHANGES = FeedSource("change", AUDIT, "at", ("actorUid", "action", "entity", "entityKey"), _change)
SYNC_RUNS = FeedSource("syncRun", "syncRuns", "startedAt", ("mailboxId",), _sync_run)
IMPORTS = FeedSource("import", "imports", "createdAt", ("createdBy",), _import)  # CSV
TAKEOUTS = FeedSource("import", "takeoutImports", "createdAt", ("createdBy",), _takeout)  # Takeout mbox
FEED_SOURCES = (CHANGES, SYNC_RUNS, IMPORTS, TAKEOUTS)


def feed_index_shapes() -> list[tuple[str, tuple[str, ...], str]]:
    """(collection, equality fields, time field, newest first) of every filtered query the feed makes;
    shared/crm/indexes.py turns them into composite indexes. `entity` and `entityKey` never combine."""
    shapes: list[tuple[str, tuple[str, ...], str]] = []
    for source in FEED_SOURCES:
        for size in range(1, len(source.filters) + 1):
            for fields in itertools.combinations(source.filters, size):
                if not {"entity", "entityKey"} <= set(fields):
                    shapes.append((source.collection, fields, source.time_field))
    return shapes


class ActivityFeed:
    def __init__(self, *, db: firestore.Client | None = None) -> None:
        self._db = db or firestore_client()

    def page(self, query: ActivityQuery) -> dict[str, Any]:
        if query.entity and query.entityKey:
            raise InvalidInput("entityKey: filter by a kind or by one record, not both", field="entityKey")
        workspace = self._db.collection("workspaces").document(query.workspaceId)
        after = _decode_cursor(query.cursor) if query.cursor else None
        items: list[dict[str, Any]] = []
        for source, filters in self._plan(workspace, query):
            built: firestore.Query = workspace.collection(source.collection)
            for name, value in filters.items():
                op = "in" if isinstance(value, list) else "=="
                built = built.where(filter=FieldFilter(name, op, value))
            built = built.order_by(source.time_field, direction=firestore.Query.DESCENDING)
            built = built.order_by("__name__", direction=firestore.Query.DESCENDING)
            if after is not None:
                built = built.start_after({source.time_field: after[0], "__name__": after[1]})
            for snapshot in built.limit(query.limit).stream():
                data = snapshot.to_dict() or {}
                items.append({**source.item(data), "type": source.item_type, "id": snapshot.id})
                items[-1]["at"] = data.get(source.time_field)
        items.sort(key=lambda item: (item["at"], item["id"]), reverse=True)
        page = items[: query.limit]
        more = len(items) > query.limit
        return {
            "items": [public(item) for item in page],
            "nextCursor": _encode_cursor(page[-1]["at"], page[-1]["id"]) if more else None,
        }

    def _plan(
        self, workspace: firestore.DocumentReference, query: ActivityQuery
    ) -> list[tuple[FeedSource, dict[str, Any]]]:
        """Which sources the filters leave, and the equality filters each one gets."""
        change = {
            name: value
            for name, value in {
                "actorUid": query.actorUid,
                "action": query.action,
                "entity": query.entity,
                "entityKey": query.entityKey,
            }.items()
            if value is not None
        }
        planned: list[tuple[FeedSource, dict[str, Any]]] = []
        if query.action != SYNC:  # "import" keeps the entries of the records an import wrote
            planned.append((CHANGES, change))
        if query.entity or query.entityKey:
            return planned
        if query.action in (None, IMPORT):
            by = {"createdBy": query.actorUid} if query.actorUid else {}
            planned.extend([(IMPORTS, by), (TAKEOUTS, by)])
        if query.action in (None, SYNC):
            if query.actorUid is None:
                planned.append((SYNC_RUNS, {}))
            else:  # a person's sync runs are those of the mailboxes they connected
                owned = workspace.collection("mailboxes").where(filter=FieldFilter("ownerUid", "==", query.actorUid))
                mailboxes = sorted(s.id for s in owned.stream())[:IN_LIMIT]
                if mailboxes:
                    planned.append((SYNC_RUNS, {"mailboxId": mailboxes}))
        return planned


def _encode_cursor(at: datetime, item_id: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{item_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, item_id = text.split("|", 1)
        when = datetime.fromisoformat(at)
    except (ValueError, UnicodeDecodeError, binascii.Error) as error:
        raise InvalidInput("cursor: not a cursor this API gave out", field="cursor") from error
    if not item_id or "/" in item_id or when.tzinfo is None:
        raise InvalidInput("cursor: not a cursor this API gave out", field="cursor")
    return when, item_id
