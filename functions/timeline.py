"""/timeline?workspaceId=&parentType=&parentId=: the activity of a contact, company or deal, newest first:
mail, notes, tasks and changes (page on with `before`)."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from shared.crm.answers import TimelinePage
from shared.crm.models import TimelineQuery
from shared.crm.timeline import Timeline
from shared.principals import Role


@operation(
    "GET",
    "/timeline",
    summary="A record's activity, newest first",
    minimum=Role.VIEWER,
    query=TimelineQuery,
    answer=TimelinePage,
)
def _read(call: Call[None, TimelineQuery]) -> dict[str, Any]:
    query = call.query
    return Timeline().of(
        query.workspace_id,
        parent_type=query.parent_type,
        parent_id=query.parent_id,
        before=query.before,
        limit=query.limit,
        reader_uid=call.principal.uid,
    )


timeline = http_function("timeline", _read)
