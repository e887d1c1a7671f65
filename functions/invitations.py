"""/invitations?workspaceId=: GET pending invitations; POST {email, role} invites someone (admins)."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from functions._lib.rest import WorkspaceQuery
from shared.crm.answers import Invitation, InvitationList
from shared.crm.models import InvitationCreate
from shared.gmail.invitation_mail import deliver
from shared.principals import Role
from shared.workspaces import Membership


@operation(
    "GET",
    "/invitations",
    summary="Pending invitations (admins)",
    answer=InvitationList,
    minimum=Role.ADMIN,
    query=WorkspaceQuery,
)
def _list(call: Call[None, WorkspaceQuery]) -> dict[str, Any]:
    return {"items": Membership().invitations(call.workspace_id)}


@operation(
    "POST",
    "/invitations",
    summary="Invite someone by email (admins)",
    answer=Invitation,
    minimum=Role.ADMIN,
    query=WorkspaceQuery,
    body=InvitationCreate,
    status=201,
)
def _invite(call: Call[InvitationCreate, WorkspaceQuery]) -> dict[str, Any]:
    body = call.body
    created = Membership().invite(call.workspace_id, call.principal, call.member_role, body.email, body.role)
    return deliver(call.workspace_id, created, call.principal)


invitations = http_function("invitations", _list, _invite)
