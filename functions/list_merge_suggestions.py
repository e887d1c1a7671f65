"""POST {workspaceId, recompute?} → the workspace's open merge suggestions (recomputing them needs a member)."""

from __future__ import annotations

import flask
import functions_framework
from pydantic import BaseModel, ConfigDict, Field

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from shared.auth import require_role
from shared.crm.merges import MergeSuggestions
from shared.crm.models import RecordId
from shared.principals import Role


class ListMergeSuggestions(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    recompute: bool = False


@functions_framework.http
@answers_errors
def list_merge_suggestions(request: flask.Request) -> flask.Response:
    body = json_body(request, ListMergeSuggestions)
    require_role(body.workspace_id, caller(request), Role.MEMBER if body.recompute else Role.VIEWER)
    suggestions = MergeSuggestions()
    if body.recompute:
        suggestions.compute(body.workspace_id)
    return json_response({"suggestions": suggestions.open(body.workspace_id)})
