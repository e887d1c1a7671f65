"""POST {workspaceId, mergeId} by a member → the merge is undone: both contacts as they were before it."""

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


class UnmergeContacts(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    merge_id: RecordId = Field(alias="mergeId")


@functions_framework.http
@answers_errors
def unmerge_contacts(request: flask.Request) -> flask.Response:
    body = json_body(request, UnmergeContacts)
    principal = caller(request)
    require_role(body.workspace_id, principal, Role.MEMBER)
    record = ContactMerger().unmerge(body.workspace_id, merge_id=body.merge_id, by_uid=principal.uid)
    return json_response({"mergeId": body.merge_id, "targetId": record["targetId"], "sourceId": record["sourceId"]})
