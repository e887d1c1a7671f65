"""POST {workspaceId, mailboxId, deleteData} → stop syncing that mailbox, revoke Rapport's access."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.calendar.channels import stop_calendar
from shared.crm.answers import Disconnected
from shared.crm.models import RecordId
from shared.gmail.connect import disconnect_mailbox_as
from shared.gmail.mailboxes import MailboxRef
from shared.principals import Role


class DisconnectGmail(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    mailbox_id: str = Field(alias="mailboxId", min_length=1, max_length=128)
    delete_data: bool = Field(default=False, alias="deleteData")


@command(
    "/disconnect-gmail",
    summary="Stop syncing a mailbox and revoke access (its owner or an admin)",
    minimum=Role.MEMBER,
    body=DisconnectGmail,
    answer=Disconnected,
)
def disconnect_gmail(call: Call[DisconnectGmail, None]) -> dict[str, Any]:
    body = call.body
    ref = MailboxRef(body.workspace_id, body.mailbox_id)
    disconnect_mailbox_as(
        ref,
        actor_uid=call.principal.uid,
        actor_role=call.member_role,
        delete_data=body.delete_data,
        before_forget=stop_calendar,
    )
    return {"status": "disconnected", "dataDeletion": "queued" if body.delete_data else "kept"}
