"""Input Rapport could not process is kept, with the reason, instead of being lost or retried forever."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from google.cloud import firestore

from shared.clients import firestore_client

COLLECTION = "deadLetters"
MAX_KEPT_BYTES = 512 * 1024  # keeps well under Firestore's 1 MiB document limit


def record_dead_letter(
    *, source: str, reason: str, payload: bytes, workspace_id: str | None = None, db: firestore.Client | None = None
) -> str:
    """Stores the payload once per (source, payload): a redelivery of the same bad input adds nothing."""
    db = db or firestore_client()
    letter_id = hashlib.sha256(source.encode() + b"\0" + payload).hexdigest()[:32]
    db.document(COLLECTION, letter_id).set(
        {
            "source": source,
            "reason": reason,
            "workspaceId": workspace_id,
            "payload": payload[:MAX_KEPT_BYTES],
            "truncated": len(payload) > MAX_KEPT_BYTES,
            "recordedAt": datetime.now(UTC),
        }
    )
    return letter_id
