"""/members?workspaceId=: GET the workspace's members and their roles (any member may look)."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from functions._lib.rest import WorkspaceQuery
from shared.crm.answers import MemberList
from shared.principals import Role
from shared.workspaces import Membership


@operation(
    "GET", "/members", summary="Members and their roles", minimum=Role.VIEWER, query=WorkspaceQuery, answer=MemberList
)
def _list(call: Call[None, WorkspaceQuery]) -> dict[str, Any]:
    return {"items": Membership().members(call.workspace_id)}


members = http_function("members", _list)
