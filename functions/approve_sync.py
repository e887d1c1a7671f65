"""POST {workspaceId, mailboxId, settings?} by an admin → optionally change the contact policy first, then
let the mailbox's staged first sync into the CRM (applied by a crm-maintenance task)."""

from __future__ import annotations

import flask
import functions_framework
from pydantic import BaseModel, ConfigDict, Field

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from shared.auth import require_role
from shared.crm.preview import PreviewService
from shared.principals import Role
from shared.workspace_settings import SettingsChange


class ApproveSync(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: str = Field(alias="workspaceId", min_length=1, max_length=128)
    mailbox_id: str = Field(alias="mailboxId", min_length=1, max_length=128)
    settings: SettingsChange | None = None


@functions_framework.http
@answers_errors
def approve_sync(request: flask.Request) -> flask.Response:
    body = json_body(request, ApproveSync)
    principal = caller(request)
    require_role(body.workspace_id, principal, Role.ADMIN)
    PreviewService().approve(body.workspace_id, mailbox_id=body.mailbox_id, by_uid=principal.uid, change=body.settings)
    return json_response({"status": "applying"}, 202)
