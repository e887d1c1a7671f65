"""Connected mailboxes in Firestore: routing, encrypted credentials, the sync cursor and the sync lease."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore

from shared import ids
from shared.clients import firestore_client
from shared.crypto import EncryptedSecret, SecretBox, secret_box
from shared.errors import MailboxDisconnected, NotFound

MAILBOX_INDEX = "mailboxIndex"
MAILBOX_CREDENTIALS = "mailboxCredentials"


@dataclass(frozen=True)
class MailboxRef:
    workspace_id: str
    mailbox_id: str


class MailboxStore:
    def __init__(self, *, db: firestore.Client | None = None, box: SecretBox | None = None) -> None:
        self._db = db or firestore_client()
        self._box = box or secret_box()

    def _doc(self, ref: MailboxRef) -> firestore.DocumentReference:
        return self._db.document("workspaces", ref.workspace_id, "mailboxes", ref.mailbox_id)

    # -- routing and credentials ----------------------------------------------------------------
    def find_by_address(self, email: str) -> MailboxRef | None:
        snapshot = self._db.document(MAILBOX_INDEX, email.strip().lower()).get()
        if not snapshot.exists:
            return None
        data = snapshot.to_dict() or {}
        return MailboxRef(data["workspaceId"], data["mailboxId"])

    def save_connection(self, *, workspace_id: str, owner_uid: str, email: str, refresh_token: str) -> MailboxRef:
        """Stores (or replaces) the grant for a mailbox; reconnecting keeps its cursor and history."""
        address = email.strip().lower()
        ref = MailboxRef(workspace_id, ids.mailbox_id(address))
        sealed = self._box.seal(refresh_token, context=ref.mailbox_id)
        now = datetime.now(UTC)
        batch = self._db.batch()
        batch.set(
            self._db.document(MAILBOX_CREDENTIALS, ref.mailbox_id),
            {"workspaceId": workspace_id, "email": address, "refreshToken": sealed.model_dump(), "updatedAt": now},
        )
        batch.set(self._db.document(MAILBOX_INDEX, address), {"workspaceId": workspace_id, "mailboxId": ref.mailbox_id})
        batch.set(
            self._doc(ref),
            {
                "email": address,
                "ownerUid": owner_uid,
                "status": "connected",
                "connectedAt": now,
                "sync": {"stage": "queued", "lastError": None},
            },
            merge=True,
        )
        batch.commit()
        return ref

    def refresh_token(self, ref: MailboxRef) -> str:
        snapshot = self._db.document(MAILBOX_CREDENTIALS, ref.mailbox_id).get()
        if not snapshot.exists:
            raise MailboxDisconnected("this mailbox has no stored Google grant; connect Gmail again")
        sealed = EncryptedSecret.model_validate((snapshot.to_dict() or {})["refreshToken"])
        return self._box.open(sealed, context=ref.mailbox_id)

    def get(self, ref: MailboxRef) -> dict[str, Any]:
        snapshot = self._doc(ref).get()
        if not snapshot.exists:
            raise NotFound("no such mailbox", mailbox_id=ref.mailbox_id)
        return snapshot.to_dict() or {}

    # -- notifications ----------------------------------------------------------------------------
    def claim_notification(self, ref: MailboxRef, history_id: int, *, window: timedelta) -> bool:
        """True when this notification needs a sync task: it is newer than both the cursor and
        any sync already queued within `window`. Duplicates and stragglers collapse here."""

        @firestore.transactional
        def claim(transaction: firestore.Transaction) -> bool:
            snapshot = self._doc(ref).get(transaction=transaction)
            if not snapshot.exists:
                raise NotFound("no such mailbox", mailbox_id=ref.mailbox_id)
            data = snapshot.to_dict() or {}
            if data.get("status") != "connected" or history_id <= int(data.get("historyId") or 0):
                return False
            pending = data.get("pendingSync") or {}
            queued_recently = pending.get("at") and pending["at"] > datetime.now(UTC) - window
            return not (queued_recently and history_id <= int(pending.get("historyId") or 0))

        return bool(claim(self._db.transaction()))

    def mark_sync_queued(self, ref: MailboxRef, history_id: int) -> None:
        self._doc(ref).update(
            {
                "pendingSync": {"historyId": history_id, "at": firestore.SERVER_TIMESTAMP},
                "notifiedHistoryId": history_id,
            }
        )

    # -- the sync lease ---------------------------------------------------------------------------
    def acquire_lease(self, ref: MailboxRef, holder: str, *, seconds: int) -> bool:
        """One sync worker per mailbox. A worker that finds the lease taken asks its holder to run once more."""

        @firestore.transactional
        def acquire(transaction: firestore.Transaction) -> bool:
            snapshot = self._doc(ref).get(transaction=transaction)
            lease = (snapshot.to_dict() or {}).get("lease") or {}
            now = datetime.now(UTC)
            if (
                lease.get("holder")
                and lease["holder"] != holder
                and lease.get("expiresAt")
                and lease["expiresAt"] > now
            ):
                transaction.update(self._doc(ref), {"resyncRequested": True})
                return False
            transaction.update(
                self._doc(ref),
                {"lease": {"holder": holder, "expiresAt": now + timedelta(seconds=seconds)}, "resyncRequested": False},
            )
            return True

        return bool(acquire(self._db.transaction()))

    def release_or_continue(self, ref: MailboxRef, holder: str) -> bool:
        """Called by the holder after a pass: True means run again (something arrived meanwhile)."""

        @firestore.transactional
        def finish(transaction: firestore.Transaction) -> bool:
            data = self._doc(ref).get(transaction=transaction).to_dict() or {}
            if data.get("resyncRequested"):
                transaction.update(self._doc(ref), {"resyncRequested": False})
                return True
            if (data.get("lease") or {}).get("holder") == holder:
                transaction.update(self._doc(ref), {"lease": firestore.DELETE_FIELD})
            return False

        return bool(finish(self._db.transaction()))

    def release_lease(self, ref: MailboxRef, holder: str) -> None:
        @firestore.transactional
        def release(transaction: firestore.Transaction) -> None:
            data = self._doc(ref).get(transaction=transaction).to_dict() or {}
            if (data.get("lease") or {}).get("holder") == holder:
                transaction.update(self._doc(ref), {"lease": firestore.DELETE_FIELD})

        release(self._db.transaction())

    # -- cursor and status -----------------------------------------------------------------------
    def advance_cursor(self, ref: MailboxRef, history_id: int, **sync_fields: Any) -> None:
        """Moves the cursor forward only; a late writer with an older historyId changes nothing."""

        @firestore.transactional
        def advance(transaction: firestore.Transaction) -> None:
            data = self._doc(ref).get(transaction=transaction).to_dict() or {}
            update: dict[str, Any] = {f"sync.{key}": value for key, value in sync_fields.items()}
            if history_id > int(data.get("historyId") or 0):
                update["historyId"] = history_id
            transaction.update(self._doc(ref), update)

        advance(self._db.transaction())

    def reset_cursor(self, ref: MailboxRef) -> None:
        self._doc(ref).update({"historyId": firestore.DELETE_FIELD})

    def update_sync(self, ref: MailboxRef, **fields: Any) -> None:
        self._doc(ref).update({f"sync.{key}": value for key, value in fields.items()})

    def count_sync(self, ref: MailboxRef, **increments: int) -> None:
        self._doc(ref).update({f"sync.{key}": firestore.Increment(n) for key, n in increments.items()})

    def save_watch(self, ref: MailboxRef, *, history_id: int, expiration_ms: int) -> None:
        self._doc(ref).update(
            {"watch": {"historyId": history_id, "expiration": datetime.fromtimestamp(expiration_ms / 1000, UTC)}}
        )

    def mark_disconnected(self, ref: MailboxRef, reason: str) -> None:
        self._doc(ref).update(
            {
                "status": "disconnected",
                "sync.stage": "disconnected",
                "sync.lastError": reason,
                "lease": firestore.DELETE_FIELD,
            }
        )
