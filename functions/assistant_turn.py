"""Cloud Tasks → one answer of the assistant: the model and tools loop, streamed into Firestore."""

from __future__ import annotations

import flask

from functions._lib.callers import internal_http
from functions._lib.http import answers_errors, json_body
from functions._lib.responses import json_response
from shared.assistant.loop import Assistant
from shared.assistant.service import TurnTask


@internal_http
@answers_errors
def assistant_turn(request: flask.Request) -> flask.Response:
    task = json_body(request, TurnTask)
    status = Assistant().answer(task.workspace_id, task.uid, task.conversation_id, task.message_id)
    return json_response({"status": status})
