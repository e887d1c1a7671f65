"""POST {workspaceId, syncRunId} by an admin → take everything that sync run brought back out of the CRM."""

from __future__ import annotations

import flask
import functions_framework
from pydantic import BaseModel, ConfigDict, Field

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from shared.auth import require_role
from shared.clients import firestore_client
from shared.errors import NotFound
from shared.messaging import tasks
from shared.principals import Role


class UndoSyncRun(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: str = Field(alias="workspaceId", min_length=1, max_length=128)
    sync_run_id: str = Field(alias="syncRunId", min_length=1, max_length=128)


@functions_framework.http
@answers_errors
def undo_sync_run(request: flask.Request) -> flask.Response:
    body = json_body(request, UndoSyncRun)
    require_role(body.workspace_id, caller(request), Role.ADMIN)
    if not firestore_client().document("workspaces", body.workspace_id, "syncRuns", body.sync_run_id).get().exists:
        raise NotFound("no such sync run", syncRunId=body.sync_run_id)
    payload = {"action": "undo_sync_run", "workspaceId": body.workspace_id, "syncRunId": body.sync_run_id}
    tasks.enqueue("crm_maintenance", payload)
    return json_response({"status": "queued"}, 202)
