"""Cloud Tasks → long CRM repairs: undo a sync run, purge a disconnected mailbox's mail."""

from __future__ import annotations

from typing import Literal

import flask
import functions_framework
from pydantic import BaseModel, ConfigDict, Field

from functions.http import answers_errors, json_body
from functions.responses import json_response
from shared.crm.repair import CrmRepair
from shared.log import get_logger

log = get_logger("crm_maintenance")


class MaintenanceTask(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    action: Literal["undo_sync_run", "purge_mailbox"]
    workspace_id: str = Field(alias="workspaceId", min_length=1)
    sync_run_id: str | None = Field(default=None, alias="syncRunId")
    mailbox_id: str | None = Field(default=None, alias="mailboxId")


@functions_framework.http
@answers_errors
def crm_maintenance(request: flask.Request) -> flask.Response:
    task = json_body(request, MaintenanceTask)
    repair = CrmRepair()
    if task.action == "undo_sync_run" and task.sync_run_id:
        result = repair.undo_sync_run(task.workspace_id, task.sync_run_id)
    elif task.action == "purge_mailbox" and task.mailbox_id:
        result = repair.purge_mailbox(task.workspace_id, task.mailbox_id)
    else:
        return json_response({"error": {"code": "invalid_input", "message": f"{task.action} needs its id"}}, 400)
    log.info(task.action, extra={"workspaceId": task.workspace_id, "interactions": result.interactions})
    return json_response({"interactions": result.interactions, "contactsDeleted": result.contacts_deleted})
