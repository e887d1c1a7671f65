"""What the HTTP API does for the assistant: take a question, and confirm or decline a proposal.

A question is stored with an empty answer and handed to the `assistant-turn` function through Cloud
Tasks; the API answers at once with the ids the web app then reads live (docs/decisions/0024).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from shared.assistant.about import AboutKind, record_about
from shared.assistant.conversations import Conversations, Turn
from shared.crm.answers import Answer
from shared.crm.models import ApiModel, RecordId, encodable
from shared.messaging.tasks import enqueue
from shared.principals import Principal

QUEUE = "assistant_turns"
MAX_QUESTION_CHARS = 4000
# Stripped before its length is checked, so a blank question is refused (Text's validator runs after).
Question = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION_CHARS),
    AfterValidator(encodable),
]


class RecordRef(ApiModel):
    """The record whose page the user is on when asking."""

    kind: AboutKind
    id: RecordId


class AskBody(ApiModel):
    workspace_id: RecordId
    question: Question = Field(description=f"The user's message, 1 to {MAX_QUESTION_CHARS} characters.")
    conversation_id: RecordId | None = Field(default=None, description="Continue this conversation; new if unset.")
    about: RecordRef | None = Field(
        default=None, description="The contact, company or deal the user is looking at; the assistant is told of it."
    )


class TurnTask(ApiModel):
    """What the `assistant-turn` function is asked to run."""

    workspace_id: RecordId
    uid: RecordId
    conversation_id: RecordId
    message_id: RecordId


def ask(workspace_id: str, principal: Principal, body: AskBody) -> Turn:
    about = record_about(workspace_id, body.about.kind, body.about.id) if body.about else None
    turn = Conversations().ask(
        workspace_id, principal, body.question, conversation_id=body.conversation_id, about=about
    )
    task = TurnTask(
        workspace_id=workspace_id, uid=principal.uid, conversation_id=turn.conversation_id, message_id=turn.answer_id
    )
    enqueue(QUEUE, task.model_dump(by_alias=True))
    return turn


class Asked(Answer):
    """Where the answer appears: `workspaces/{ws}/members/{uid}/conversations/{conversationId}/messages/{messageId}`"""

    conversation_id: str
    question_id: str
    message_id: str


class ProposalDecided(Answer):
    id: str
    status: str
    record: dict[str, Any] | None = Field(default=None, description="The record as the change left it (confirmed).")
    draft: dict[str, Any] | None = Field(
        default=None, description="The Gmail draft a confirmed draft_email created: draftId, messageId, threadId."
    )


class ProposalBody(ApiModel):
    workspace_id: RecordId


def turn_answer(turn: Turn) -> Asked:
    return Asked(conversation_id=turn.conversation_id, question_id=turn.question_id, message_id=turn.answer_id)
