"""/member/{uid}?workspaceId=: PATCH {role} changes a member's role (admins; owners only by owners);
DELETE removes a member (admins) or leaves (oneself). The last owner always stays. PUT
/member/{uid}/gmail-aliases {gmailAliases} approves the other addresses whose Gmail they may connect (admins)."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from functions._lib.rest import WorkspaceQuery
from shared.crm.answers import Member
from shared.crm.models import GmailAliases, RoleChange
from shared.principals import Role
from shared.workspaces import Membership


@operation(
    "PATCH",
    "/member/{uid}",
    summary="Change a member's role (admins)",
    answer=Member,
    minimum=Role.ADMIN,
    query=WorkspaceQuery,
    body=RoleChange,
)
def _change(call: Call[RoleChange, WorkspaceQuery]) -> dict[str, Any]:
    return Membership().change_role(
        call.workspace_id,
        actor=call.principal,
        actor_role=call.member_role,
        uid=call.params["uid"],
        role=call.body.role,
    )


@operation(
    "DELETE",
    "/member/{uid}",
    summary="Remove a member (admins), or leave",
    minimum=Role.VIEWER,
    query=WorkspaceQuery,
    status=204,
)
def _remove(call: Call[None, WorkspaceQuery]) -> None:
    Membership().remove(call.workspace_id, actor=call.principal, actor_role=call.member_role, uid=call.params["uid"])


@operation(
    "PUT",
    "/member/{uid}/gmail-aliases",
    summary="Approve the other addresses whose Gmail a member may connect (admins)",
    answer=Member,
    minimum=Role.ADMIN,
    query=WorkspaceQuery,
    body=GmailAliases,
)
def _approve_aliases(call: Call[GmailAliases, WorkspaceQuery]) -> dict[str, Any]:
    return Membership().set_gmail_aliases(
        call.workspace_id, actor=call.principal, uid=call.params["uid"], aliases=call.body.gmail_aliases
    )


member = http_function("member", _change, _remove, _approve_aliases)
