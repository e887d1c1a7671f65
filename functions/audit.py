"""/audit?workspaceId=: the audit log, newest first: who changed what, when, before and after.
Filter by `entityKey` (e.g. `deal:abc`), `actorUid` or `entity`; page with `cursor`."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors
from functions.responses import json_response
from functions.rest import member, route
from shared.crm.timeline import AUDIT_LISTING, AuditLog
from shared.principals import Role


def _list(request: flask.Request) -> flask.Response:
    _, query = member(request, Role.VIEWER, AUDIT_LISTING.query_model)
    return json_response(AuditLog().list_page(query).to_dict())


@functions_framework.http
@answers_errors
def audit(request: flask.Request) -> flask.Response:
    return route(request, {"GET": _list})
