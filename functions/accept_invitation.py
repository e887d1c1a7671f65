"""GET the pending invitations to the signed-in user's verified address; POST {workspaceId, invitationId}
by the user the invitation was sent to → they join."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, http_function, operation
from shared.crm.answers import InvitationsForYou, Joined
from shared.crm.models import InvitationAccept
from shared.workspaces import Membership


@operation(
    "GET",
    "/accept-invitation",
    summary="Invitations waiting for your verified address, in any workspace",
    minimum=None,
    answer=InvitationsForYou,
)
def _waiting(call: Call[None, None]) -> dict[str, Any]:
    return {"items": Membership().invitations_for(call.principal)}


@operation(
    "POST",
    "/accept-invitation",
    summary="Accept an invitation sent to your address",
    minimum=None,
    body=InvitationAccept,
    answer=Joined,
)
def _accept(call: Call[InvitationAccept, None]) -> dict[str, Any]:
    return Membership().accept(call.body.workspace_id, invitation_id=call.body.invitation_id, principal=call.principal)


accept_invitation = http_function("accept_invitation", _waiting, _accept)
