"""POST {workspaceId, settings: {contactCreation?, blocklist?, requirePreview?, groupThreshold?, ownDomains?}}
by an admin → the workspace's contact policy changes; newly blocked mail leaves the CRM in the background."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.crm.answers import SettingsAnswer
from shared.crm.models import RecordId
from shared.principals import Role
from shared.workspace_settings import SettingsChange, WorkspaceSettingsService


class UpdateWorkspaceSettings(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    settings: SettingsChange


@command(
    "/update-workspace-settings",
    summary="Change the workspace's contact policy (admins)",
    minimum=Role.ADMIN,
    body=UpdateWorkspaceSettings,
    answer=SettingsAnswer,
)
def update_workspace_settings(call: Call[UpdateWorkspaceSettings, None]) -> dict[str, Any]:
    saved = WorkspaceSettingsService().update(call.body.workspace_id, call.body.settings)
    return {"settings": saved.stored()}
