"""/task/{id}: GET reads a task; PATCH changes it (with the version the client saw); DELETE removes it."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors
from functions.rest import serve_record
from shared.crm.kinds import TASKS


@functions_framework.http
@answers_errors
def task(request: flask.Request) -> flask.Response:
    return serve_record(request, TASKS)
