"""POST {workspaceId, invitationId} by the signed-in user the invitation was sent to → they join."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from functions.rest import route
from shared.crm.models import InvitationAccept
from shared.workspaces import Membership


def _accept(request: flask.Request) -> flask.Response:
    principal = caller(request)
    body = json_body(request, InvitationAccept)
    return json_response(Membership().accept(body.workspace_id, invitation_id=body.invitation_id, principal=principal))


@functions_framework.http
@answers_errors
def accept_invitation(request: flask.Request) -> flask.Response:
    return route(request, {"POST": _accept})
