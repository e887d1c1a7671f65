"""/search?workspaceId=&q=: contacts, companies and deals whose name, email, company or tags start with the words."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors
from functions.responses import json_response
from functions.rest import member, route
from shared.crm.kinds import SEARCHED
from shared.crm.models import SearchQuery
from shared.crm.search import Search
from shared.principals import Role


def _search(request: flask.Request) -> flask.Response:
    _, query = member(request, Role.VIEWER, SearchQuery)
    hits = Search().search(query.workspace_id, query.q, collections=SEARCHED, limit=query.limit)
    return json_response({"items": [{"kind": hit.kind, **hit.record} for hit in hits]})


@functions_framework.http
@answers_errors
def search(request: flask.Request) -> flask.Response:
    return route(request, {"GET": _search})
