"""POST {workspaceId, suggestionId} by a member → the suggestion is dismissed and never suggested again."""

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


class DismissMergeSuggestion(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    suggestion_id: RecordId = Field(alias="suggestionId")


@functions_framework.http
@answers_errors
def dismiss_merge_suggestion(request: flask.Request) -> flask.Response:
    body = json_body(request, DismissMergeSuggestion)
    principal = caller(request)
    require_role(body.workspace_id, principal, Role.MEMBER)
    MergeSuggestions().dismiss(body.workspace_id, suggestion=body.suggestion_id, by_uid=principal.uid)
    return json_response({"suggestionId": body.suggestion_id, "status": "dismissed"})
