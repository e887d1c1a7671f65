"""POST {workspaceId, mergeId} by a member → the merge is undone: both contacts as they were before it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.crm.answers import Unmerged
from shared.crm.merges import ContactMerger
from shared.crm.models import RecordId
from shared.principals import Role


class UnmergeContacts(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    merge_id: RecordId = Field(alias="mergeId")


@command(
    "/unmerge-contacts",
    summary="Undo a merge: both contacts as they were",
    minimum=Role.MEMBER,
    body=UnmergeContacts,
    answer=Unmerged,
)
def unmerge_contacts(call: Call[UnmergeContacts, None]) -> dict[str, Any]:
    record = ContactMerger().unmerge(call.body.workspace_id, merge_id=call.body.merge_id, by=call.principal)
    return {"mergeId": call.body.merge_id, "targetId": record["targetId"], "sourceId": record["sourceId"]}
