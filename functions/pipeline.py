"""/pipeline?workspaceId=: GET the deal pipeline's stages; PUT {stages, version} replaces them (admins)."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors, json_body
from functions.responses import json_response
from functions.rest import route, workspace_member
from shared.crm.deals import Pipelines
from shared.crm.models import PipelineUpdate
from shared.principals import Role


def _read(request: flask.Request) -> flask.Response:
    _, workspace_id = workspace_member(request, Role.VIEWER)
    return json_response(Pipelines().get(workspace_id))


def _replace(request: flask.Request) -> flask.Response:
    principal, workspace_id = workspace_member(request, Role.ADMIN)
    return json_response(Pipelines().update(workspace_id, principal, json_body(request, PipelineUpdate)))


@functions_framework.http
@answers_errors
def pipeline(request: flask.Request) -> flask.Response:
    return route(request, {"GET": _read, "PUT": _replace})
