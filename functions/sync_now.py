"""POST {workspaceId, mailboxId} by a member → a sync pass now (history since the cursor)."""

from __future__ import annotations

import flask
import functions_framework
from pydantic import BaseModel, ConfigDict, Field

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from shared.auth import require_role
from shared.errors import Conflict
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.gmail.sync import SyncService
from shared.principals import Role


class SyncNow(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: str = Field(alias="workspaceId", min_length=1, max_length=128)
    mailbox_id: str = Field(alias="mailboxId", min_length=1, max_length=128)


@functions_framework.http
@answers_errors
def sync_now(request: flask.Request) -> flask.Response:
    body = json_body(request, SyncNow)
    require_role(body.workspace_id, caller(request), Role.MEMBER)
    ref = MailboxRef(body.workspace_id, body.mailbox_id)
    store = MailboxStore()
    if store.get(ref).get("status") != "connected":
        raise Conflict("this mailbox is disconnected; connect Gmail again first")
    SyncService(store=store).request_sync(ref)
    return json_response({"status": "queued"}, 202)
