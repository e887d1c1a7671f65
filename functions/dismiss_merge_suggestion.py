"""POST {workspaceId, suggestionId} by a member → the suggestion is dismissed and never suggested again."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.crm.answers import Dismissed
from shared.crm.merges import MergeSuggestions
from shared.crm.models import RecordId
from shared.principals import Role


class DismissMergeSuggestion(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    suggestion_id: RecordId = Field(alias="suggestionId")


@command(
    "/dismiss-merge-suggestion",
    summary="Dismiss a merge suggestion for good",
    minimum=Role.MEMBER,
    body=DismissMergeSuggestion,
    answer=Dismissed,
)
def dismiss_merge_suggestion(call: Call[DismissMergeSuggestion, None]) -> dict[str, Any]:
    MergeSuggestions().dismiss(call.body.workspace_id, suggestion=call.body.suggestion_id, by_uid=call.principal.uid)
    return {"suggestionId": call.body.suggestion_id, "status": "dismissed"}
