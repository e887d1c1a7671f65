"""POST {workspaceId, syncRunId} by an admin → take everything that sync run brought back out of the CRM."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, command
from shared.clients import firestore_client
from shared.crm.answers import Status
from shared.crm.models import RecordId
from shared.errors import NotFound
from shared.messaging import tasks
from shared.principals import Role


class UndoSyncRun(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    sync_run_id: str = Field(alias="syncRunId", min_length=1, max_length=128)


@command(
    "/undo-sync-run",
    summary="Take what a sync run brought back out of the CRM (admins)",
    minimum=Role.ADMIN,
    body=UndoSyncRun,
    answer=Status,
    status=202,
)
def undo_sync_run(call: Call[UndoSyncRun, None]) -> dict[str, Any]:
    body = call.body
    if not firestore_client().document("workspaces", body.workspace_id, "syncRuns", body.sync_run_id).get().exists:
        raise NotFound("no such sync run", syncRunId=body.sync_run_id)
    payload = {"action": "undo_sync_run", "workspaceId": body.workspace_id, "syncRunId": body.sync_run_id}
    tasks.enqueue("crm_maintenance", payload)
    return {"status": "queued"}
