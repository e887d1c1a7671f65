"""POST {workspaceId, mailboxId, level} by the mailbox's owner → what teammates read of its mail:
`everything`, `subject` (subject and metadata) or `metadata` (who, when, how often). It applies to
mail already stored, since the rules read the level at every read (decision 19)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.crm.answers import Answer
from shared.crm.models import RecordId
from shared.principals import Role
from shared.sharing import MailboxSharing, SharingLevel


class SharingChange(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    mailbox_id: str = Field(alias="mailboxId", min_length=1, max_length=128)
    level: SharingLevel


class MailboxSharingAnswer(Answer):
    """The mailbox and the level its owner chose."""

    mailbox_id: str
    sharing: SharingLevel


@command(
    "/mailbox-sharing",
    summary="The mailbox's owner chooses what teammates read of its mail",
    minimum=Role.VIEWER,  # any member may own a mailbox; ownership is checked on the mailbox itself
    body=SharingChange,
    answer=MailboxSharingAnswer,
)
def mailbox_sharing(call: Call[SharingChange, None]) -> dict[str, Any]:
    body = call.body
    return MailboxSharing().set_level(body.workspace_id, body.mailbox_id, body.level, by_uid=call.principal.uid)
