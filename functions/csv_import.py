"""/csv-import?workspaceId=: POST /preview {kind, csv} shows what an import would do; POST /apply applies it;
DELETE /{importId} undoes a whole import (members; records edited since are kept)."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors, json_body
from functions.responses import json_response
from functions.rest import function_path, path_id, route, workspace_member
from shared.crm.csv_io import CsvImports
from shared.crm.models import CsvImport
from shared.errors import NotFound
from shared.principals import Role


def _post(request: flask.Request) -> flask.Response:
    principal, workspace_id = workspace_member(request, Role.MEMBER)
    body = json_body(request, CsvImport)
    if function_path(request) == "/preview":
        return json_response(CsvImports().preview(workspace_id, body))
    if function_path(request) == "/apply":
        return json_response(CsvImports().apply(workspace_id, principal, body), 201)
    raise NotFound("POST /preview or /apply")


def _undo(request: flask.Request) -> flask.Response:
    principal, workspace_id = workspace_member(request, Role.MEMBER)
    return json_response(CsvImports().undo(workspace_id, actor=principal, import_id=path_id(request)))


@functions_framework.http
@answers_errors
def csv_import(request: flask.Request) -> flask.Response:
    return route(request, {"POST": _post, "DELETE": _undo})
