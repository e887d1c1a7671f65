"""In-app notifications: one document per notice under `workspaces/{ws}/members/{uid}/notifications/{id}`.

Each is written by the service where its event happens, in the same commit as the change where there
is one (a deal's new owner, a note's mentions), under an id derived from the event: a retried handler
writes the same document again, or finds it there, and never notifies twice. Only the recipient reads
them (firestore.rules); they mark them read through the API. Each member turns kinds off in
`workspaces/{ws}/members/{uid}/settings/notifications` (`{"enabled": {kind: bool}}`; missing means on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.clients import firestore_client

COLLECTION = "notifications"
SETTINGS_COLLECTION = "settings"
SETTINGS_DOCUMENT = "notifications"
MARK_PAGE = 400  # well under a batch's 500 writes


class NotificationKind(StrEnum):
    DEAL_ASSIGNED = "deal_assigned"
    MENTION = "mention"
    GOING_COLD = "going_cold"
    SYNC_FAILED = "sync_failed"
    IMPORT_FAILED = "import_failed"


def import_failed(*, recipient_uid: str, key: str, title: str, reason: str, import_id: str) -> Notification:
    """A CSV or Takeout import that failed as a whole, for the person who started it."""
    return Notification(
        kind=NotificationKind.IMPORT_FAILED,
        recipient_uid=recipient_uid,
        key=key,
        title=title,
        body=reason,
        link={"kind": "imports", "id": import_id},
    )


@dataclass(frozen=True)
class Notification:
    kind: NotificationKind
    recipient_uid: str
    key: str  # derived from the event, so that the same event always lands on the same document
    title: str
    body: str = ""
    link: dict[str, str] | None = None  # {"kind": "deal", "id": "..."}: what the notice opens
    actor_uid: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def document(self, now: datetime) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "title": self.title[:300],
            "body": self.body[:500],
            "link": self.link,
            "actorUid": self.actor_uid,
            "createdAt": now,
            "read": False,
            "readAt": None,
            **self.extra,
        }


def member_ref(workspace: firestore.DocumentReference, uid: str) -> firestore.DocumentReference:
    return workspace.collection("members").document(uid)


def notification_ref(workspace: firestore.DocumentReference, uid: str, key: str) -> firestore.DocumentReference:
    return member_ref(workspace, uid).collection(COLLECTION).document(key)


def settings_ref(workspace: firestore.DocumentReference, uid: str) -> firestore.DocumentReference:
    return member_ref(workspace, uid).collection(SETTINGS_COLLECTION).document(SETTINGS_DOCUMENT)


def enabled_kinds(workspace: firestore.DocumentReference, uid: str) -> dict[str, bool]:
    """Every kind with whether the member wants it; a member who never chose gets them all."""
    stored = (settings_ref(workspace, uid).get().to_dict() or {}).get("enabled") or {}
    return {kind.value: bool(stored.get(kind.value, True)) for kind in NotificationKind}


def wanted(workspace: firestore.DocumentReference, notification: Notification) -> bool:
    """Only members are notified (a removed member's uid may linger on records), and only of kinds left on."""
    if not member_ref(workspace, notification.recipient_uid).get().exists:
        return False
    return enabled_kinds(workspace, notification.recipient_uid)[notification.kind.value]


def add(
    writer: firestore.WriteBatch | firestore.Transaction,
    workspace: firestore.DocumentReference,
    notification: Notification,
    now: datetime,
    *,
    merge: bool = False,
) -> bool:
    """Adds the notice to the commit that makes its change. With `merge`, a notice already there takes the
    new one's fields (counters in `extra` as increments add up) and shows as unread again."""
    if not wanted(workspace, notification):
        return False
    reference = notification_ref(workspace, notification.recipient_uid, notification.key)
    writer.set(reference, notification.document(now), merge=merge)
    return True


def deliver(
    workspace: firestore.DocumentReference,
    notification: Notification,
    *,
    db: firestore.Client | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> bool:
    """Writes a notice on its own, once: a second delivery of the same key finds it there and changes nothing."""
    if not wanted(workspace, notification):
        return False
    reference = notification_ref(workspace, notification.recipient_uid, notification.key)
    try:
        reference.create(notification.document(now()))
    except exceptions.AlreadyExists:
        return False
    return True


class Notifications:
    """What a member does with their own notices: mark them read, choose the kinds they get."""

    def __init__(self, *, db: firestore.Client | None = None, now: Callable[[], datetime] | None = None) -> None:
        self._db = db or firestore_client()
        self._now = now or (lambda: datetime.now(UTC))

    def _workspace(self, workspace_id: str) -> firestore.DocumentReference:
        return self._db.collection("workspaces").document(workspace_id)

    def mark_read(self, workspace_id: str, uid: str, ids: list[str] | None) -> int:
        """Marks the named notices (or, with None, every unread one) read; returns how many changed."""
        workspace = self._workspace(workspace_id)
        now = self._now()
        if ids is not None:
            references = [notification_ref(workspace, uid, key) for key in dict.fromkeys(ids)]
            unread = [s.reference for s in self._db.get_all(references) if s.exists and not s.get("read")]
            return self._mark(unread, now)
        unread_query = (
            member_ref(workspace, uid)
            .collection(COLLECTION)
            .where(filter=FieldFilter("read", "==", False))
            .limit(MARK_PAGE)
        )
        marked = 0
        while page := [s.reference for s in unread_query.stream()]:
            marked += self._mark(page, now)
        return marked

    def _mark(self, references: list[firestore.DocumentReference], now: datetime) -> int:
        for start in range(0, len(references), MARK_PAGE):
            batch = self._db.batch()
            for reference in references[start : start + MARK_PAGE]:
                batch.update(reference, {"read": True, "readAt": now})
            batch.commit()
        return len(references)

    def settings(self, workspace_id: str, uid: str) -> dict[str, bool]:
        return enabled_kinds(self._workspace(workspace_id), uid)

    def choose(self, workspace_id: str, uid: str, enabled: dict[NotificationKind, bool]) -> dict[str, bool]:
        """Turns kinds on or off; kinds not named keep their choice."""
        workspace = self._workspace(workspace_id)
        changes = {kind.value: bool(on) for kind, on in enabled.items()}
        settings_ref(workspace, uid).set({"enabled": changes, "updatedAt": self._now()}, merge=True)
        return enabled_kinds(workspace, uid)
