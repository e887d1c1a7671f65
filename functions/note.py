"""/note/{id}: GET reads a note; PATCH changes it (with the version the client saw); DELETE removes it."""

from __future__ import annotations

import flask
import functions_framework

from functions.http import answers_errors
from functions.rest import serve_record
from shared.crm.kinds import NOTES


@functions_framework.http
@answers_errors
def note(request: flask.Request) -> flask.Response:
    return serve_record(request, NOTES)
