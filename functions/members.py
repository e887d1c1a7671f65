"""/members?workspaceId=: GET the workspace's members and their roles (any member may look)."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors
from functions.responses import json_response
from functions.rest import route, workspace_member
from shared.principals import Role
from shared.workspaces import Membership


def _list(request: flask.Request) -> flask.Response:
    _, workspace_id = workspace_member(request, Role.VIEWER)
    return json_response({"items": Membership().members(workspace_id)})


@functions_framework.http
@answers_errors
def members(request: flask.Request) -> flask.Response:
    return route(request, {"GET": _list})
