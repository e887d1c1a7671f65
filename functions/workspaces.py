"""/workspaces: GET the caller's workspaces with their role; POST {name} creates one with the caller as owner."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from shared.crm.answers import Workspace, WorkspaceList
from shared.crm.models import WorkspaceCreate
from shared.workspaces import Membership


@operation("GET", "/workspaces", summary="Your workspaces and your role in each", answer=WorkspaceList, minimum=None)
def _mine(call: Call[None, None]) -> dict[str, Any]:
    return {"items": Membership().workspaces_of(call.principal.uid)}


@operation(
    "POST",
    "/workspaces",
    summary="Create a workspace; you are its owner",
    answer=Workspace,
    minimum=None,
    body=WorkspaceCreate,
    status=201,
)
def _create(call: Call[WorkspaceCreate, None]) -> dict[str, Any]:
    return Membership().create(call.principal, call.body.name)


workspaces = http_function("workspaces", _mine, _create)
