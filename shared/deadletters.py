"""Input Rapport could not process is kept, with the reason, instead of being lost or retried forever.

A dead letter names the mailbox it came from (when known) and, when it can go through the pipeline
again, the topic it came from: `replay` republishes its payload there. Letters expire `expireAt`
(Firestore's TTL policy on that field, declared in terraform, deletes them), are purged with their
mailbox's data, and each one recorded is logged as `dead letter recorded`, which a log-based
metric counts and an alert watches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.clients import firestore_client
from shared.errors import Conflict, NotFound
from shared.log import get_logger
from shared.settings import get_settings

log = get_logger("deadletters")

COLLECTION = "deadLetters"
MAX_KEPT_BYTES = 512 * 1024  # keeps well under Firestore's 1 MiB document limit
TTL_FIELD = "expireAt"  # the field Firestore's TTL policy deletes by (terraform/modules/rapport/firestore.tf)
RECORDED_LOG_MESSAGE = "dead letter recorded"  # what the log-based metric counts (terraform/.../monitoring.tf)
LIST_LIMIT = 500
DELETE_PAGE = 400


def record_dead_letter(
    *,
    source: str,
    reason: str,
    payload: bytes,
    workspace_id: str | None = None,
    topic: str | None = None,
    stub_path: str | None = None,
    db: firestore.Client | None = None,
    **about: str,
) -> str:
    """Stores the payload once per (source, payload, `about`): a redelivery of the same bad input adds nothing.
    `about` names what the payload belongs to (its mailbox, its message), stored with it. `topic` (a key
    of resources.json's topics) is where a replay republishes the payload; `stub_path` names the
    document standing in for the input meanwhile (an unreadable message's interaction), which a replay
    removes so that the input is taken in afresh."""
    db = db or firestore_client()
    identity = source.encode() + b"\0" + payload + b"".join(f"\0{k}={v}".encode() for k, v in sorted(about.items()))
    letter_id = hashlib.sha256(identity).hexdigest()[:32]
    now = datetime.now(UTC)
    db.document(COLLECTION, letter_id).set(
        {
            "source": source,
            "reason": reason,
            "workspaceId": workspace_id,
            "topic": topic,
            "stubPath": stub_path,
            "payload": payload[:MAX_KEPT_BYTES],
            "truncated": len(payload) > MAX_KEPT_BYTES,
            "recordedAt": now,
            TTL_FIELD: now + timedelta(days=get_settings().dead_letter_ttl_days),
        }
        | about
    )
    log.warning(
        RECORDED_LOG_MESSAGE,
        extra={"deadLetterId": letter_id, "source": source, "reason": reason, "workspaceId": workspace_id, **about},
    )
    return letter_id


def record_message_dead_letter(
    *,
    source: str,
    reason: str,
    payload: bytes,
    workspace_id: str,
    mailbox_id: str,
    message_id: str,
    topic: str | None = None,
    stub_path: str | None = None,
) -> str:
    """One message that could not be stored, kept alone: the rest of its batch is stored and the sync goes on."""
    return record_dead_letter(
        source=source,
        reason=reason,
        payload=payload,
        workspace_id=workspace_id,
        topic=topic,
        stub_path=stub_path,
        mailboxId=mailbox_id,
        messageId=message_id,
    )


@dataclass(frozen=True)
class DeadLetter:
    id: str
    source: str
    reason: str
    workspace_id: str | None
    mailbox_id: str | None
    topic: str | None
    size: int
    truncated: bool
    recorded_at: datetime | None
    expire_at: datetime | None

    @property
    def replayable(self) -> bool:
        return bool(self.topic) and not self.truncated

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "reason": self.reason,
            "workspaceId": self.workspace_id,
            "mailboxId": self.mailbox_id,
            "bytes": self.size,
            "replayable": self.replayable,
            "recordedAt": self.recorded_at.isoformat() if self.recorded_at else None,
            "expireAt": self.expire_at.isoformat() if self.expire_at else None,
        }

    @classmethod
    def of(cls, snapshot: firestore.DocumentSnapshot) -> DeadLetter:
        data = snapshot.to_dict() or {}
        return cls(
            id=snapshot.id,
            source=str(data.get("source") or ""),
            reason=str(data.get("reason") or ""),
            workspace_id=data.get("workspaceId"),
            mailbox_id=data.get("mailboxId"),
            topic=data.get("topic"),
            size=len(data.get("payload") or b""),
            truncated=bool(data.get("truncated")),
            recorded_at=data.get("recordedAt"),
            expire_at=data.get(TTL_FIELD),
        )


def _publish(topic: str, data: bytes) -> None:
    from shared import clients
    from shared.resources import resources

    clients.publisher().publish(clients.topic_path(resources().topic(topic)), data).result(timeout=60)


class DeadLetters:
    """Lists, replays and purges dead letters: for an operator (all of them) or a workspace's admins
    (`workspace_id` set: only that workspace's)."""

    def __init__(self, *, db: firestore.Client | None = None, publish: Callable[[str, bytes], None] = _publish) -> None:
        self._db = db or firestore_client()
        self._publish = publish

    def _query(self, workspace_id: str | None, mailbox_id: str | None) -> Any:
        query: Any = self._db.collection(COLLECTION)
        if workspace_id is not None:
            query = query.where(filter=FieldFilter("workspaceId", "==", workspace_id))
        if mailbox_id is not None:
            query = query.where(filter=FieldFilter("mailboxId", "==", mailbox_id))
        return query

    def list(
        self, *, workspace_id: str | None = None, mailbox_id: str | None = None, limit: int = LIST_LIMIT
    ) -> list[DeadLetter]:
        """By mailbox, then reason, then newest first."""
        letters = [DeadLetter.of(s) for s in self._query(workspace_id, mailbox_id).limit(limit).stream()]
        letters.sort(key=lambda letter: -(letter.recorded_at.timestamp() if letter.recorded_at else 0))
        return sorted(letters, key=lambda letter: (letter.mailbox_id or "", letter.reason))

    def replay(self, letter_id: str, *, workspace_id: str | None = None) -> DeadLetter:
        """Republishes the payload to the topic it came from, then forgets the letter: the pipeline
        takes it from there (and records a new letter if it fails again)."""
        reference = self._db.document(COLLECTION, letter_id)
        snapshot = reference.get()
        data = snapshot.to_dict() or {}
        if not snapshot.exists or (workspace_id is not None and data.get("workspaceId") != workspace_id):
            raise NotFound("no such dead letter", id=letter_id)
        letter = DeadLetter.of(snapshot)
        if not letter.replayable:
            why = "it was cut to fit" if letter.truncated else "its source takes no republished input"
            raise Conflict(f"this dead letter cannot be replayed: {why}", id=letter_id)
        if data.get("stubPath"):
            self._remove_stub(str(data["stubPath"]), letter_id)
        self._publish(str(letter.topic), bytes(data["payload"]))
        reference.delete(option=self._db.write_option(last_update_time=snapshot.update_time))
        log.info("dead letter replayed", extra={"deadLetterId": letter_id, "topic": letter.topic})
        return letter

    def _remove_stub(self, path: str, letter_id: str) -> None:
        """Deletes the stand-in this letter left, unless something else has been stored there since."""
        stub = self._db.document(path).get()
        if stub.exists and (stub.to_dict() or {}).get("deadLetterId") == letter_id:
            self._db.document(path).delete(option=self._db.write_option(last_update_time=stub.update_time))

    def purge(self, *, workspace_id: str | None = None, mailbox_id: str | None = None) -> int:
        """Deletes the letters of a workspace or one of its mailboxes (all of them when neither is named)."""
        deleted = 0
        query = self._query(workspace_id, mailbox_id)
        while page := list(query.limit(DELETE_PAGE).stream()):
            batch = self._db.batch()
            for snapshot in page:
                batch.delete(snapshot.reference)
            batch.commit()
            deleted += len(page)
        return deleted
