"""Where a calendar connection's state lives (decision 37).

- `workspaces/{w}/mailboxes/{m}.calendar`: what members see: status, last sync, last error.
- `calendarSync/{w}_{m}`: the sync token and the current channel; never readable by clients.
- `calendarChannels/{channelId}`: a push channel's route back to its mailbox, its secret token's
  SHA-256 (the token itself is only ever held by Google) and the highest message number seen.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.clients import firestore_client
from shared.gmail.mailboxes import MailboxRef, credentials_id
from shared.transactions import transactional

CALENDAR_SYNC = "calendarSync"
CALENDAR_CHANNELS = "calendarChannels"


class CalendarStatus(StrEnum):
    CONNECTING = "connecting"  # consent given; the first sync is queued
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"  # Google refused the grant; connecting the calendar again resumes


class PushVerdict(StrEnum):
    SYNC = "sync"  # a new change: queue a sync
    DUPLICATE = "duplicate"  # this message number (or a later one) was seen already
    HANDSHAKE = "handshake"  # Google's first message on a new channel; nothing changed
    UNKNOWN_CHANNEL = "unknown_channel"
    FORGED = "forged"  # the channel exists but the token or resource does not match


@dataclass(frozen=True)
class ChannelRecord:
    channel_id: str
    resource_id: str
    expiration: datetime


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarStore:
    def __init__(self, *, db: firestore.Client | None = None) -> None:
        self._db = db or firestore_client()

    def _mailbox(self, ref: MailboxRef) -> firestore.DocumentReference:
        return self._db.document("workspaces", ref.workspace_id, "mailboxes", ref.mailbox_id)

    def _sync(self, ref: MailboxRef) -> firestore.DocumentReference:
        return self._db.document(CALENDAR_SYNC, credentials_id(ref))

    def _channel(self, channel_id: str) -> firestore.DocumentReference:
        return self._db.document(CALENDAR_CHANNELS, channel_id)

    # -- status members see ------------------------------------------------------------------------
    def status(self, ref: MailboxRef) -> str | None:
        data = self._mailbox(ref).get(field_paths=["calendar"]).to_dict() or {}
        return (data.get("calendar") or {}).get("status")

    def mark_connecting(self, ref: MailboxRef) -> None:
        self._mailbox(ref).update(
            {
                "calendar.status": CalendarStatus.CONNECTING.value,
                "calendar.lastError": None,
                "calendar.connectedAt": datetime.now(UTC),
            }
        )

    def mark_synced(self, ref: MailboxRef, *, events: int, full: bool) -> None:
        update: dict[str, Any] = {
            "calendar.status": CalendarStatus.CONNECTED.value,
            "calendar.lastSyncAt": datetime.now(UTC),
            "calendar.lastError": None,
            "calendar.eventsSynced": firestore.Increment(events),
        }
        if full:
            update["calendar.lastFullSyncAt"] = datetime.now(UTC)
        self._mailbox(ref).update(update)

    def mark_disconnected(self, ref: MailboxRef, reason: str) -> None:
        """The calendar alone stops: the mailbox's Gmail status and its meetings so far are left as they are.
        The sync token is kept, so reconnecting carries on from where it stopped."""
        self._mailbox(ref).update({"calendar.status": CalendarStatus.DISCONNECTED.value, "calendar.lastError": reason})

    def forget(self, ref: MailboxRef) -> None:
        """The mailbox is being disconnected: its calendar state goes with it (channels are stopped first)."""
        batch = self._db.batch()
        batch.delete(self._sync(ref))
        batch.update(self._mailbox(ref), {"calendar": firestore.DELETE_FIELD})
        batch.commit()

    # -- sync token --------------------------------------------------------------------------------
    def sync_state(self, ref: MailboxRef) -> dict[str, Any]:
        return self._sync(ref).get().to_dict() or {}

    def save_sync_token(self, ref: MailboxRef, sync_token: str) -> None:
        self._sync(ref).set(
            {
                "workspaceId": ref.workspace_id,
                "mailboxId": ref.mailbox_id,
                "syncToken": sync_token,
                "syncedAt": datetime.now(UTC),
            },
            merge=True,
        )

    def drop_sync_token(self, ref: MailboxRef) -> None:
        self._sync(ref).set({"syncToken": firestore.DELETE_FIELD}, merge=True)

    # -- channels ----------------------------------------------------------------------------------
    def save_channel(self, ref: MailboxRef, channel: ChannelRecord, token: str) -> None:
        batch = self._db.batch()
        batch.set(
            self._channel(channel.channel_id),
            {
                "workspaceId": ref.workspace_id,
                "mailboxId": ref.mailbox_id,
                "resourceId": channel.resource_id,
                "tokenSha256": token_digest(token),
                "expiration": channel.expiration,
                "lastMessageNumber": 0,
            },
        )
        batch.set(
            self._sync(ref),
            {
                "workspaceId": ref.workspace_id,
                "mailboxId": ref.mailbox_id,
                "channel": {
                    "id": channel.channel_id,
                    "resourceId": channel.resource_id,
                    "expiration": channel.expiration,
                },
            },
            merge=True,
        )
        batch.commit()

    def current_channel(self, ref: MailboxRef) -> ChannelRecord | None:
        channel = self.sync_state(ref).get("channel") or {}
        if not channel.get("id"):
            return None
        return ChannelRecord(str(channel["id"]), str(channel["resourceId"]), channel["expiration"])

    def drop_channel(self, channel_id: str) -> None:
        self._channel(channel_id).delete()

    def clear_current_channel(self, ref: MailboxRef) -> None:
        self._sync(ref).set({"channel": firestore.DELETE_FIELD}, merge=True)

    def channels_expiring_before(self, moment: datetime) -> list[MailboxRef]:
        query = self._db.collection(CALENDAR_SYNC).where(filter=FieldFilter("channel.expiration", "<", moment))
        return [
            MailboxRef(data["workspaceId"], data["mailboxId"]) for data in (s.to_dict() or {} for s in query.stream())
        ]

    def judge_push(
        self, *, channel_id: str, token: str | None, resource_id: str, state: str, message_number: int
    ) -> tuple[PushVerdict, MailboxRef | None]:
        """Checks a push against its channel and counts its message number once: a number not above the
        highest seen is a duplicate (Google delivers at least once, and not always in order)."""
        reference = self._channel(channel_id)

        @transactional
        def judge(transaction: firestore.Transaction) -> tuple[PushVerdict, MailboxRef | None]:
            snapshot = reference.get(transaction=transaction)
            if not snapshot.exists:
                return PushVerdict.UNKNOWN_CHANNEL, None
            data = snapshot.to_dict() or {}
            genuine = hmac.compare_digest(token_digest(token or ""), str(data.get("tokenSha256", ""))) and (
                hmac.compare_digest(resource_id, str(data.get("resourceId", "")))
            )
            if not token or not genuine:
                return PushVerdict.FORGED, None
            ref = MailboxRef(str(data["workspaceId"]), str(data["mailboxId"]))
            if message_number <= int(data.get("lastMessageNumber") or 0):
                return PushVerdict.DUPLICATE, ref
            transaction.update(reference, {"lastMessageNumber": message_number})
            return (PushVerdict.HANDSHAKE if state == "sync" else PushVerdict.SYNC), ref

        return judge(self._db.transaction())
