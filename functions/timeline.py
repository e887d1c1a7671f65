"""/timeline?workspaceId=&parentType=&parentId=: the activity of a contact, company or deal, newest first:
mail, notes, tasks and changes (page on with `before`)."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors
from functions.responses import json_response
from functions.rest import member, route
from shared.crm.models import TimelineQuery
from shared.crm.timeline import Timeline
from shared.principals import Role


def _read(request: flask.Request) -> flask.Response:
    _, query = member(request, Role.VIEWER, TimelineQuery)
    timeline = Timeline().of(
        query.workspace_id,
        parent_type=query.parent_type,
        parent_id=query.parent_id,
        before=query.before,
        limit=query.limit,
    )
    return json_response(timeline)


@functions_framework.http
@answers_errors
def timeline(request: flask.Request) -> flask.Response:
    return route(request, {"GET": _read})
