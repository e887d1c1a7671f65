"""/dead-letters?workspaceId=: the workspace's dead letters by mailbox and reason, and POST
/dead-letters/replay {workspaceId, deadLetterId} to send one through the pipeline again (admins)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions._lib.handlers import Call, http_function, operation
from functions._lib.rest import WorkspaceQuery
from shared.crm.answers import DeadLetterList, Status
from shared.crm.models import RecordId
from shared.deadletters import DeadLetters
from shared.principals import Role


class ReplayDeadLetter(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: RecordId = Field(alias="workspaceId")
    dead_letter_id: str = Field(alias="deadLetterId", min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")


@operation(
    "GET",
    "/dead-letters",
    summary="Input the pipeline could not process, by mailbox and reason (admins)",
    minimum=Role.ADMIN,
    query=WorkspaceQuery,
    answer=DeadLetterList,
)
def _list(call: Call[None, WorkspaceQuery]) -> dict[str, Any]:
    return {"items": [letter.public() for letter in DeadLetters().list(workspace_id=call.workspace_id)]}


@operation(
    "POST",
    "/dead-letters/replay",
    summary="Send a dead letter through the pipeline again (admins)",
    minimum=Role.ADMIN,
    body=ReplayDeadLetter,
    answer=Status,
    status=202,
)
def _replay(call: Call[ReplayDeadLetter, None]) -> dict[str, Any]:
    DeadLetters().replay(call.body.dead_letter_id, workspace_id=call.body.workspace_id)
    return {"status": "replayed"}


dead_letters = http_function("dead_letters", _list, _replay)
