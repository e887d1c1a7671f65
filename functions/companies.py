"""/companies: GET lists a workspace's companies (filters, sort, cursor); POST creates one."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors
from functions.rest import serve_collection
from shared.crm.kinds import COMPANIES


@functions_framework.http
@answers_errors
def companies(request: flask.Request) -> flask.Response:
    return serve_collection(request, COMPANIES)
