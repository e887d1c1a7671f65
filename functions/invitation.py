"""/invitation/{id}?workspaceId=: DELETE revokes a pending invitation (admins)."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors
from functions.rest import path_id, route, workspace_member
from shared.principals import Role
from shared.workspaces import Membership


def _revoke(request: flask.Request) -> flask.Response:
    principal, workspace_id = workspace_member(request, Role.ADMIN)
    Membership().revoke(workspace_id, actor=principal, invitation_id=path_id(request))
    return flask.Response(status=204)


@functions_framework.http
@answers_errors
def invitation(request: flask.Request) -> flask.Response:
    return route(request, {"DELETE": _revoke})
