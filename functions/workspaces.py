"""/workspaces: GET the caller's workspaces with their role; POST {name} creates one with the caller as owner."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from functions.rest import route
from shared.crm.models import WorkspaceCreate
from shared.workspaces import Membership


def _mine(request: flask.Request) -> flask.Response:
    return json_response({"items": Membership().workspaces_of(caller(request).uid)})


def _create(request: flask.Request) -> flask.Response:
    principal = caller(request)
    body = json_body(request, WorkspaceCreate)
    return json_response(Membership().create(principal, body.name), 201)


@functions_framework.http
@answers_errors
def workspaces(request: flask.Request) -> flask.Response:
    return route(request, {"GET": _mine, "POST": _create})
