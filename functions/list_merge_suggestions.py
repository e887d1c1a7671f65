"""POST {workspaceId, recompute?} → the workspace's open merge suggestions (recomputing them needs a member)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.auth import require_role
from shared.crm.answers import MergeSuggestionList
from shared.crm.merges import MergeSuggestions
from shared.crm.models import RecordId
from shared.principals import Role


class ListMergeSuggestions(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    recompute: bool = False


@command(
    "/list-merge-suggestions",
    summary="Open merge suggestions; `recompute` (members) finds them anew",
    minimum=Role.VIEWER,
    body=ListMergeSuggestions,
    answer=MergeSuggestionList,
)
def list_merge_suggestions(call: Call[ListMergeSuggestions, None]) -> dict[str, Any]:
    suggestions = MergeSuggestions()
    if call.body.recompute:
        require_role(call.body.workspace_id, call.principal, Role.MEMBER)
        suggestions.compute(call.body.workspace_id)
    return {"suggestions": suggestions.open(call.body.workspace_id)}
