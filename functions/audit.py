"""/audit?workspaceId=: the audit log, newest first: who changed what, when, before and after.
Filter by `entityKey` (e.g. `deal:abc`), `actorUid` or `entity`; page with `cursor`.
/audit/feed: the same changes with sync runs and imports, filters combined (shared/crm/activity.py)."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from shared.crm.activity import ActivityFeed, ActivityQuery
from shared.crm.answers import ActivityPage, AuditPage
from shared.crm.timeline import AUDIT_LISTING, AuditLog
from shared.principals import Role


@operation(
    "GET",
    "/audit",
    summary="The audit log, newest first",
    minimum=Role.VIEWER,
    query=AUDIT_LISTING.query_model,
    answer=AuditPage,
)
def _list(call: Call[None, Any]) -> dict[str, Any]:
    return AuditLog().list_page(call.query).to_dict()


@operation(
    "GET",
    "/audit/feed",
    summary="Changes, sync runs and imports, newest first, filtered by person, record and action",
    minimum=Role.VIEWER,
    query=ActivityQuery,
    answer=ActivityPage,
)
def _feed(call: Call[None, ActivityQuery]) -> dict[str, Any]:
    return ActivityFeed().page(call.query)


audit = http_function("audit", _list, _feed)
