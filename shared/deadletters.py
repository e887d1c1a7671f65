"""Input Rapport could not process is kept, with the reason, instead of being lost or retried forever."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from google.cloud import firestore

from shared.clients import firestore_client

COLLECTION = "deadLetters"
MAX_KEPT_BYTES = 512 * 1024  # keeps well under Firestore's 1 MiB document limit


def record_dead_letter(
    *,
    source: str,
    reason: str,
    payload: bytes,
    workspace_id: str | None = None,
    db: firestore.Client | None = None,
    **about: str,
) -> str:
    """Stores the payload once per (source, payload, `about`): a redelivery of the same bad input adds nothing.
    `about` names what the payload belongs to (its mailbox, its message), stored with it."""
    db = db or firestore_client()
    identity = source.encode() + b"\0" + payload + b"".join(f"\0{k}={v}".encode() for k, v in sorted(about.items()))
    letter_id = hashlib.sha256(identity).hexdigest()[:32]
    db.document(COLLECTION, letter_id).set(
        {
            "source": source,
            "reason": reason,
            "workspaceId": workspace_id,
            "payload": payload[:MAX_KEPT_BYTES],
            "truncated": len(payload) > MAX_KEPT_BYTES,
            "recordedAt": datetime.now(UTC),
        }
        | about
    )
    return letter_id


def record_message_dead_letter(
    *, source: str, reason: str, payload: bytes, workspace_id: str, mailbox_id: str, message_id: str
) -> str:
    """One message that could not be stored, kept alone: the rest of its batch is stored and the sync goes on."""
    return record_dead_letter(
        source=source,
        reason=reason,
        payload=payload,
        workspace_id=workspace_id,
        mailboxId=mailbox_id,
        messageId=message_id,
    )
