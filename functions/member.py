"""/member/{uid}?workspaceId=: PATCH {role} changes a member's role (admins; owners only by owners);
DELETE removes a member (admins) or leaves (oneself). The last owner always stays."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from functions.rest import WorkspaceQuery, path_id, query_args, route
from shared.auth import require_role
from shared.crm.models import RoleChange
from shared.principals import Role
from shared.workspaces import Membership


def _change(request: flask.Request) -> flask.Response:
    principal = caller(request)
    workspace_id = query_args(request, WorkspaceQuery).workspaceId
    body = json_body(request, RoleChange)
    actor_role = require_role(workspace_id, principal, Role.ADMIN)
    changed = Membership().change_role(
        workspace_id, actor=principal, actor_role=actor_role, uid=path_id(request), role=body.role
    )
    return json_response(changed)


def _remove(request: flask.Request) -> flask.Response:
    principal = caller(request)
    workspace_id = query_args(request, WorkspaceQuery).workspaceId
    actor_role = require_role(workspace_id, principal, Role.VIEWER)
    Membership().remove(workspace_id, actor=principal, actor_role=actor_role, uid=path_id(request))
    return flask.Response(status=204)


@functions_framework.http
@answers_errors
def member(request: flask.Request) -> flask.Response:
    return route(request, {"PATCH": _change, "DELETE": _remove})
