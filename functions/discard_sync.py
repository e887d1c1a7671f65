"""POST {workspaceId, mailboxId} by an admin → drop a mailbox's staged first sync; the mailbox stays connected."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.crm.answers import Status
from shared.crm.models import RecordId
from shared.crm.preview import PreviewService
from shared.principals import Role


class DiscardSync(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    mailbox_id: str = Field(alias="mailboxId", min_length=1, max_length=128)


@command(
    "/discard-sync",
    summary="Drop a mailbox's staged first sync (admins)",
    minimum=Role.ADMIN,
    body=DiscardSync,
    answer=Status,
    status=202,
)
def discard_sync(call: Call[DiscardSync, None]) -> dict[str, Any]:
    PreviewService().discard(call.body.workspace_id, mailbox_id=call.body.mailbox_id, by_uid=call.principal.uid)
    return {"status": "discarding"}
