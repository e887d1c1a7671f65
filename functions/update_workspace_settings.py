"""POST {workspaceId, settings: {contactCreation?, blocklist?, requirePreview?, groupThreshold?, ownDomains?}}
by an admin → the workspace's contact policy changes; newly blocked mail leaves the CRM in the background."""

from __future__ import annotations

import flask
import functions_framework
from pydantic import BaseModel, ConfigDict, Field

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from shared.auth import require_role
from shared.principals import Role
from shared.workspace_settings import SettingsChange, WorkspaceSettingsService


class UpdateWorkspaceSettings(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: str = Field(alias="workspaceId", min_length=1, max_length=128)
    settings: SettingsChange


@functions_framework.http
@answers_errors
def update_workspace_settings(request: flask.Request) -> flask.Response:
    body = json_body(request, UpdateWorkspaceSettings)
    require_role(body.workspace_id, caller(request), Role.ADMIN)
    saved = WorkspaceSettingsService().update(body.workspace_id, body.settings)
    return json_response({"settings": saved.stored()})
