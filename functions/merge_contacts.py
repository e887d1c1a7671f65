"""POST {workspaceId, targetId, sourceId, suggestionId?} by a member → the source contact merges into the target."""

from __future__ import annotations

import flask
import functions_framework
from pydantic import BaseModel, ConfigDict, Field

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from shared.auth import require_role
from shared.crm.merges import ContactMerger
from shared.crm.models import RecordId
from shared.principals import Role


class MergeContacts(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    target_id: RecordId = Field(alias="targetId")
    source_id: RecordId = Field(alias="sourceId")
    suggestion_id: RecordId | None = Field(default=None, alias="suggestionId")


@functions_framework.http
@answers_errors
def merge_contacts(request: flask.Request) -> flask.Response:
    body = json_body(request, MergeContacts)
    principal = caller(request)
    require_role(body.workspace_id, principal, Role.MEMBER)
    result = ContactMerger().merge(
        body.workspace_id,
        target_id=body.target_id,
        source_id=body.source_id,
        by_uid=principal.uid,
        suggestion=body.suggestion_id,
    )
    return json_response(
        {
            "mergeId": result.merge_id,
            "targetId": result.target_id,
            "sourceId": result.source_id,
            "interactionsMoved": result.interactions_moved,
        }
    )
