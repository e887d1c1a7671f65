"""POST {workspaceId, mailboxId} by an admin → drop a mailbox's staged first sync; the mailbox stays connected."""

from __future__ import annotations

import flask
import functions_framework
from pydantic import BaseModel, ConfigDict, Field

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from shared.auth import require_role
from shared.crm.preview import PreviewService
from shared.principals import Role


class DiscardSync(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: str = Field(alias="workspaceId", min_length=1, max_length=128)
    mailbox_id: str = Field(alias="mailboxId", min_length=1, max_length=128)


@functions_framework.http
@answers_errors
def discard_sync(request: flask.Request) -> flask.Response:
    body = json_body(request, DiscardSync)
    principal = caller(request)
    require_role(body.workspace_id, principal, Role.ADMIN)
    PreviewService().discard(body.workspace_id, mailbox_id=body.mailbox_id, by_uid=principal.uid)
    return json_response({"status": "discarding"}, 202)
