"""POST {workspaceId, ids?} → the caller's own notices named by `ids` (or, without them, all unread ones) read."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.crm.answers import Answer
from shared.crm.models import RecordId
from shared.notifications import Notifications
from shared.principals import Role


class MarkRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    ids: Annotated[list[RecordId], Field(max_length=500)] | None = Field(
        default=None, description="The notices to mark read; left out, every unread one."
    )


class Marked(Answer):
    marked: int


@command(
    "/mark-notifications-read",
    summary="Mark your notifications read",
    minimum=Role.VIEWER,
    body=MarkRead,
    answer=Marked,
)
def mark_notifications_read(call: Call[MarkRead, None]) -> dict[str, Any]:
    marked = Notifications().mark_read(call.body.workspace_id, call.principal.uid, call.body.ids)
    return {"marked": marked}
