"""Cloud Tasks → long CRM repairs and follow-ups: undo a sync run, purge a disconnected mailbox's mail,
apply or drop a staged first sync, clean up after a workspace's settings changed, and enrich a
backfill's contacts once it is stored; embed a workspace's mail for mail search, a pass at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import flask
from pydantic import BaseModel, ConfigDict, Field

from functions._lib.callers import internal_http
from functions._lib.http import answers_errors, json_body
from functions._lib.responses import json_response
from shared.crm.followup import BackfillFollowUp
from shared.crm.ingest import Ingestor
from shared.crm.models import RecordId
from shared.crm.preview import PreviewService
from shared.crm.repair import CrmRepair
from shared.errors import InvalidInput
from shared.log import get_logger
from shared.mailsearch.backfill import TASK_PASS_SECONDS, continue_index

log = get_logger("crm_maintenance")


class MaintenanceTask(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    action: Literal[
        "undo_sync_run",
        "purge_mailbox",
        "apply_staged",
        "discard_staged",
        "settings_changed",
        "finish_backfill",
        "index_mail",
    ]
    workspace_id: RecordId = Field(alias="workspaceId")
    sync_run_id: str | None = Field(default=None, alias="syncRunId")
    mailbox_id: str | None = Field(default=None, alias="mailboxId")
    blocked: list[str] = Field(default_factory=list)
    attempt: int = Field(default=0, ge=0)

    def needs(self, value: str | None, name: str) -> str:
        if not value:
            raise InvalidInput(f"{self.action} needs its {name}", field=name)
        return value


def _undo_sync_run(task: MaintenanceTask) -> dict[str, Any]:
    result = CrmRepair().undo_sync_run(task.workspace_id, run_id=task.needs(task.sync_run_id, "syncRunId"))
    return {"interactions": result.interactions, "contactsDeleted": result.contacts_deleted}


def _purge_mailbox(task: MaintenanceTask) -> dict[str, Any]:
    result = CrmRepair().purge_mailbox(task.workspace_id, mailbox_id=task.needs(task.mailbox_id, "mailboxId"))
    return {"interactions": result.interactions, "contactsDeleted": result.contacts_deleted}


def _apply_staged(task: MaintenanceTask) -> dict[str, Any]:
    return {
        "interactions": Ingestor().apply_staged(task.workspace_id, mailbox_id=task.needs(task.mailbox_id, "mailboxId"))
    }


def _discard_staged(task: MaintenanceTask) -> dict[str, Any]:
    return {
        "interactions": PreviewService().drop_staged(
            task.workspace_id, mailbox_id=task.needs(task.mailbox_id, "mailboxId")
        )
    }


def _settings_changed(task: MaintenanceTask) -> dict[str, Any]:
    removed = CrmRepair().remove_involving(task.workspace_id, task.blocked) if task.blocked else None
    previews = PreviewService().refresh_all(task.workspace_id)
    return {"interactions": removed.interactions if removed else 0, "previewsRefreshed": previews}


def _finish_backfill(task: MaintenanceTask) -> dict[str, Any]:
    mailbox_id, run_id = task.needs(task.mailbox_id, "mailboxId"), task.needs(task.sync_run_id, "syncRunId")
    outcome = BackfillFollowUp().run(task.workspace_id, mailbox_id=mailbox_id, run_id=run_id, attempt=task.attempt)
    return {"state": outcome.state, "contacts": outcome.contacts}


def _index_mail(task: MaintenanceTask) -> dict[str, Any]:
    return continue_index(task.workspace_id, seconds=TASK_PASS_SECONDS).summary()


ACTIONS: dict[str, Callable[[MaintenanceTask], dict[str, Any]]] = {
    "undo_sync_run": _undo_sync_run,
    "purge_mailbox": _purge_mailbox,
    "apply_staged": _apply_staged,
    "discard_staged": _discard_staged,
    "settings_changed": _settings_changed,
    "finish_backfill": _finish_backfill,
    "index_mail": _index_mail,
}


@internal_http
@answers_errors
def crm_maintenance(request: flask.Request) -> flask.Response:
    task = json_body(request, MaintenanceTask)
    outcome = ACTIONS[task.action](task)
    log.info(task.action, extra={"workspaceId": task.workspace_id, **outcome})
    return json_response(outcome)
