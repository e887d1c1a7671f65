"""POST {workspaceId, invitationId} by the signed-in user the invitation was sent to → they join."""

from __future__ import annotations

from typing import Any

from functions._lib.handlers import Call, command
from shared.crm.answers import Joined
from shared.crm.models import InvitationAccept
from shared.workspaces import Membership


@command(
    "/accept-invitation",
    summary="Accept an invitation sent to your address",
    minimum=None,
    body=InvitationAccept,
    answer=Joined,
)
def accept_invitation(call: Call[InvitationAccept, None]) -> dict[str, Any]:
    return Membership().accept(call.body.workspace_id, invitation_id=call.body.invitation_id, principal=call.principal)
