"""/invitation/{id}?workspaceId=: DELETE revokes a pending invitation (admins)."""

from __future__ import annotations

from functions._lib.handlers import Call, http_function, operation
from functions._lib.rest import WorkspaceQuery
from shared.principals import Role
from shared.workspaces import Membership


@operation(
    "DELETE",
    "/invitation/{id}",
    summary="Revoke an invitation (admins)",
    minimum=Role.ADMIN,
    query=WorkspaceQuery,
    status=204,
)
def _revoke(call: Call[None, WorkspaceQuery]) -> None:
    Membership().revoke(call.workspace_id, actor=call.principal, invitation_id=call.params["id"])


invitation = http_function("invitation", _revoke)
