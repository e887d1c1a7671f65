"""/audit?workspaceId=: the audit log, newest first: who changed what, when, before and after.
Filter by `entityKey` (e.g. `deal:abc`), `actorUid` or `entity`; page with `cursor`."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from shared.crm.answers import AuditPage
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


audit = http_function("audit", _list)
