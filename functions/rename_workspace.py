"""POST {workspaceId, name} by an admin → the workspace's new name (audited)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from functions._lib.handlers import Call, command
from shared.crm.answers import Answer
from shared.crm.models import Name, RecordId
from shared.principals import Role
from shared.workspace_profile import WorkspaceProfile


class RenameWorkspace(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    name: Name

    @field_validator("name")
    @classmethod
    def _not_blank(cls, name: str) -> str:
        if not name.strip():
            raise ValueError("a workspace needs a name")
        return name.strip()


class RenamedWorkspace(Answer):
    id: str
    name: str


@command(
    "/rename-workspace",
    summary="Rename the workspace (admins)",
    minimum=Role.ADMIN,
    body=RenameWorkspace,
    answer=RenamedWorkspace,
)
def rename_workspace(call: Call[RenameWorkspace, None]) -> dict[str, Any]:
    return WorkspaceProfile().rename(call.body.workspace_id, call.principal, call.body.name)
