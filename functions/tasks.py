"""/tasks: GET lists a workspace's tasks (filters, sort, cursor); POST creates one."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors
from functions.rest import serve_collection
from shared.crm.kinds import TASKS


@functions_framework.http
@answers_errors
def tasks(request: flask.Request) -> flask.Response:
    return serve_collection(request, TASKS)
