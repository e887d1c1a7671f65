"""POST {workspaceId, targetId, sourceId, suggestionId?} by a member → the source contact merges into the target."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.crm.answers import Merged
from shared.crm.merges import ContactMerger
from shared.crm.models import RecordId
from shared.principals import Role


class MergeContacts(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    target_id: RecordId = Field(alias="targetId")
    source_id: RecordId = Field(alias="sourceId")
    suggestion_id: RecordId | None = Field(default=None, alias="suggestionId")


@command(
    "/merge-contacts",
    summary="Merge the source contact into the target",
    minimum=Role.MEMBER,
    body=MergeContacts,
    answer=Merged,
)
def merge_contacts(call: Call[MergeContacts, None]) -> dict[str, Any]:
    body = call.body
    result = ContactMerger().merge(
        body.workspace_id,
        target_id=body.target_id,
        source_id=body.source_id,
        by=call.principal,
        suggestion=body.suggestion_id,
    )
    return {
        "mergeId": result.merge_id,
        "targetId": result.target_id,
        "sourceId": result.source_id,
        "interactionsMoved": result.interactions_moved,
    }
