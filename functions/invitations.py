"""/invitations?workspaceId=: GET pending invitations; POST {email, role} invites someone (admins)."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from functions.rest import WorkspaceQuery, query_args, route, workspace_member
from shared.auth import require_role
from shared.crm.models import InvitationCreate
from shared.principals import Role
from shared.workspaces import Membership


def _list(request: flask.Request) -> flask.Response:
    _, workspace_id = workspace_member(request, Role.ADMIN)
    return json_response({"items": Membership().invitations(workspace_id)})


def _invite(request: flask.Request) -> flask.Response:
    principal = caller(request)
    workspace_id = query_args(request, WorkspaceQuery).workspaceId
    body = json_body(request, InvitationCreate)
    actor_role = require_role(workspace_id, principal, Role.ADMIN)
    return json_response(Membership().invite(workspace_id, principal, actor_role, body.email, body.role), 201)


@functions_framework.http
@answers_errors
def invitations(request: flask.Request) -> flask.Response:
    return route(request, {"GET": _list, "POST": _invite})
