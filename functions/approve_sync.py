"""POST {workspaceId, mailboxId, settings?} by an admin → optionally change the contact policy first, then
let the mailbox's staged first sync into the CRM (applied by a crm-maintenance task)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.crm.answers import Status
from shared.crm.models import RecordId
from shared.crm.preview import PreviewService
from shared.principals import Role
from shared.workspace_settings import SettingsChange


class ApproveSync(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    mailbox_id: str = Field(alias="mailboxId", min_length=1, max_length=128)
    settings: SettingsChange | None = None


@command(
    "/approve-sync",
    summary="Let a mailbox's staged first sync into the CRM (admins)",
    minimum=Role.ADMIN,
    body=ApproveSync,
    answer=Status,
    status=202,
)
def approve_sync(call: Call[ApproveSync, None]) -> dict[str, Any]:
    body = call.body
    PreviewService().approve(
        body.workspace_id, mailbox_id=body.mailbox_id, by_uid=call.principal.uid, change=body.settings
    )
    return {"status": "applying"}
