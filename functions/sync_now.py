"""POST {workspaceId, mailboxId} by a member → a sync pass now (history since the cursor)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.crm.answers import Status
from shared.crm.models import RecordId
from shared.gmail.connect import sync_now as start_sync
from shared.gmail.mailboxes import MailboxRef
from shared.principals import Role


class SyncNow(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    mailbox_id: str = Field(alias="mailboxId", min_length=1, max_length=128)


@command(
    "/sync-now",
    summary="A sync pass now for a connected mailbox",
    minimum=Role.MEMBER,
    body=SyncNow,
    answer=Status,
    status=202,
)
def sync_now(call: Call[SyncNow, None]) -> dict[str, Any]:
    start_sync(MailboxRef(call.body.workspace_id, call.body.mailbox_id))
    return {"status": "queued"}
