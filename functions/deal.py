"""/deal/{id}: GET reads a deal; PATCH changes it (with the version the client saw); DELETE removes it."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors
from functions.rest import serve_record
from shared.crm.kinds import DEALS


@functions_framework.http
@answers_errors
def deal(request: flask.Request) -> flask.Response:
    return serve_record(request, DEALS)
