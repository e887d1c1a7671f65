"""Each user's conversations with the assistant, in Firestore where the web app reads them live.

`workspaces/{ws}/members/{uid}/conversations/{cid}` and its `messages/{mid}`: a question
(`role: user`) and its answer (`role: assistant`), whose `text` grows as the model streams it and
whose `status` goes queued → running → done or error (docs/decisions/0024). Only the user reads
them (firestore.rules); only the server writes them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore

from shared.clients import firestore_client
from shared.errors import NotFound
from shared.principals import Principal

QUEUED, RUNNING, DONE, ERROR = "queued", "running", "done", "error"
HISTORY_MESSAGES = 20  # earlier turns sent back to the model with a new question


@dataclass(frozen=True)
class Turn:
    """A question and the answer it waits for."""

    conversation_id: str
    question_id: str
    answer_id: str


class Conversations:
    def __init__(self, *, db: firestore.Client | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self._db = db or firestore_client()
        self._now = clock or (lambda: datetime.now(UTC))

    def conversation(self, workspace_id: str, uid: str, conversation_id: str) -> firestore.DocumentReference:
        return self._db.document("workspaces", workspace_id, "members", uid, "conversations", conversation_id)

    def message(
        self, workspace_id: str, uid: str, conversation_id: str, message_id: str
    ) -> firestore.DocumentReference:
        return self.conversation(workspace_id, uid, conversation_id).collection("messages").document(message_id)

    def ask(
        self,
        workspace_id: str,
        principal: Principal,
        question: str,
        *,
        conversation_id: str | None,
        about: dict[str, Any] | None = None,
    ) -> Turn:
        """Stores the question and an empty answer waiting for the model, in one commit."""
        now = self._now()
        batch = self._db.batch()
        if conversation_id is None:
            conversation_id = uuid.uuid4().hex[:20]
            batch.create(
                self.conversation(workspace_id, principal.uid, conversation_id),
                {"title": question[:80], "createdAt": now, "updatedAt": now},
            )
        else:
            reference = self.conversation(workspace_id, principal.uid, conversation_id)
            if not reference.get().exists:
                raise NotFound("no such conversation of yours", id=conversation_id)
            batch.update(reference, {"updatedAt": now})
        turn = Turn(conversation_id, uuid.uuid4().hex[:20], uuid.uuid4().hex[:20])
        question_doc = {"role": "user", "text": question, "createdAt": now}
        if about:
            question_doc["about"] = about  # the record the user had open: {kind, id, name}
        answer_doc = {
            "role": "assistant",
            "status": QUEUED,
            "text": "",
            "questionId": turn.question_id,
            "askedBy": {"uid": principal.uid, "email": principal.email},
            "proposalIds": [],
            "toolCalls": [],
            "modelCalls": [],
            "costMicros": 0,
            "standIn": False,
            # A moment later than the question, so the two sort in the order they were asked.
            "createdAt": now.replace(microsecond=min(now.microsecond + 1, 999_999)),
            "updatedAt": now,
        }
        batch.create(self.message(workspace_id, principal.uid, conversation_id, turn.question_id), question_doc)
        batch.create(self.message(workspace_id, principal.uid, conversation_id, turn.answer_id), answer_doc)
        batch.commit()
        return turn

    def claim(self, reference: firestore.DocumentReference) -> dict[str, Any] | None:
        """The queued answer, now running; None when another delivery of the task took it first."""
        snapshot = reference.get()
        data = snapshot.to_dict() if snapshot.exists else None
        if data is None or data.get("status") != QUEUED:
            return None
        try:
            reference.update(
                {"status": RUNNING, "updatedAt": self._now()},
                option=self._db.write_option(last_update_time=snapshot.update_time),
            )
        except exceptions.FailedPrecondition:
            return None
        return data

    def history(self, workspace_id: str, uid: str, conversation_id: str, *, before_id: str) -> list[dict[str, Any]]:
        """The conversation's finished turns before `before_id` (the question being answered), oldest first."""
        messages = (
            self.conversation(workspace_id, uid, conversation_id)
            .collection("messages")
            .order_by("createdAt", direction=firestore.Query.DESCENDING)
            .limit(HISTORY_MESSAGES + 2)
        )
        earlier: list[dict[str, Any]] = []
        for snapshot in messages.stream():
            data = snapshot.to_dict() or {}
            if snapshot.id == before_id or data.get("status") in (QUEUED, RUNNING, ERROR):
                continue
            earlier.append(data)
        earlier.reverse()
        return earlier[-HISTORY_MESSAGES:]

    def question(self, workspace_id: str, uid: str, conversation_id: str, question_id: str) -> dict[str, Any]:
        """The question's document: `text`, and `about` when it was asked on a record's page."""
        return self.message(workspace_id, uid, conversation_id, question_id).get().to_dict() or {}

    def update(self, reference: firestore.DocumentReference, fields: dict[str, Any]) -> None:
        reference.update({**fields, "updatedAt": self._now()})
