"""/invitation/{id}?workspaceId=: POST renews a pending invitation (resend), DELETE revokes it (admins)."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from functions._lib.rest import WorkspaceQuery
from shared.crm.answers import Invitation
from shared.gmail.invitation_mail import deliver
from shared.principals import Role
from shared.workspaces import Membership


@operation(
    "POST",
    "/invitation/{id}",
    summary="Renew a pending invitation: the same link, sent again (admins)",
    minimum=Role.ADMIN,
    query=WorkspaceQuery,
    answer=Invitation,
)
def _resend(call: Call[None, WorkspaceQuery]) -> dict[str, Any]:
    renewed = Membership().resend(call.workspace_id, actor=call.principal, invitation_id=call.params["id"])
    return deliver(call.workspace_id, renewed, call.principal)


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


invitation = http_function("invitation", _resend, _revoke)
