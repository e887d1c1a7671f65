"""POST {workspaceId, mailboxId, deleteData} → stop syncing that mailbox, revoke Rapport's access."""

from __future__ import annotations

import flask
import functions_framework
from pydantic import BaseModel, ConfigDict, Field

from functions.http import answers_errors, caller, json_body
from functions.responses import json_response
from shared.auth import require_role
from shared.errors import PermissionDenied
from shared.gmail.connect import disconnect_mailbox
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.principals import Role


class DisconnectGmail(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: str = Field(alias="workspaceId", min_length=1, max_length=128)
    mailbox_id: str = Field(alias="mailboxId", min_length=1, max_length=128)
    delete_data: bool = Field(default=False, alias="deleteData")


@functions_framework.http
@answers_errors
def disconnect_gmail(request: flask.Request) -> flask.Response:
    principal = caller(request)
    body = json_body(request, DisconnectGmail)
    role = require_role(body.workspace_id, principal, Role.MEMBER)
    ref = MailboxRef(body.workspace_id, body.mailbox_id)
    store = MailboxStore()
    # Owners and admins may disconnect any mailbox; a member only their own.
    if role == Role.MEMBER and store.get(ref).get("ownerUid") != principal.uid:
        raise PermissionDenied("only the mailbox's owner or a workspace admin can disconnect it")
    disconnect_mailbox(ref, delete_data=body.delete_data, store=store)
    return json_response({"status": "disconnected", "dataDeletion": "queued" if body.delete_data else "kept"})
