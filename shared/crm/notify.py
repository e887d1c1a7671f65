"""The notices record changes send (shared/notifications.py): a deal handed to someone, a member named in a note.

Each is a `Kind.on_change` hook: it reads the change's audit entry and adds its notices to the same
commit, so a change that fails notifies nobody and one that succeeds notifies once.
"""

from __future__ import annotations

import re
from typing import Any

from google.cloud import firestore

from shared import notifications
from shared.crm.audit import AuditEntry
from shared.notifications import Notification, NotificationKind

_MENTION = re.compile(r"(?<![\w.])@([^\s@,;:!?()<>\[\]]+(?:@[^\s@,;:!?()<>\[\]]+)?)")


def _who(entry: AuditEntry) -> str:
    return entry.actor.email or "A teammate"


def deal_assigned(batch: firestore.WriteBatch, workspace: firestore.DocumentReference, entry: AuditEntry) -> None:
    """A deal given a new owner tells that owner, unless they gave it to themselves."""
    before, after = entry.before or {}, entry.after or {}
    owner = after.get("ownerUid")
    if not owner or owner == before.get("ownerUid") or owner == entry.actor.uid:
        return
    notice = Notification(
        kind=NotificationKind.DEAL_ASSIGNED,
        recipient_uid=owner,
        key=f"deal-{entry.entity_id}-owner-v{after.get('version', 0)}",
        title=f"{_who(entry)} assigned you the deal {after.get('name') or entry.entity_id}",
        link={"kind": "deal", "id": entry.entity_id},
        actor_uid=entry.actor.uid,
    )
    notifications.add(batch, workspace, notice, entry.at)


def mentioned_uids(text: str, members: dict[str, dict[str, Any]]) -> set[str]:
    """Members named in the text as @email, @Display Name, or @the part of their address before the @."""
    lowered = text.lower()
    tokens = {match.group(1).rstrip(".").lower() for match in _MENTION.finditer(lowered)}
    found: set[str] = set()
    for uid, member in members.items():
        email = str(member.get("email") or "").lower()
        name = str(member.get("displayName") or "").strip().lower()
        by_address = bool(email) and (email in tokens or email.split("@")[0] in tokens)
        by_name = bool(name) and re.search(rf"(?<![\w.])@{re.escape(name)}(?!\w)", lowered) is not None
        if by_address or by_name:
            found.add(uid)
    return found


def note_mentions(batch: firestore.WriteBatch, workspace: firestore.DocumentReference, entry: AuditEntry) -> None:
    """Members newly named in a note (created, or edited to name them) are told, once per note."""
    before, after = entry.before or {}, entry.after or {}
    text = str(after.get("body") or "")
    if "@" not in text:
        return
    members = {s.id: s.to_dict() or {} for s in workspace.collection("members").stream()}
    newly = mentioned_uids(text, members) - mentioned_uids(str(before.get("body") or ""), members) - {entry.actor.uid}
    excerpt = text if len(text) <= 200 else text[:199] + "…"
    parent_type, _, parent_id = str(after.get("parentKey") or "").partition(":")
    for uid in sorted(newly):
        notice = Notification(
            kind=NotificationKind.MENTION,
            recipient_uid=uid,
            key=f"mention-{entry.entity_id}-{uid}",
            title=f"{_who(entry)} mentioned you in a note",
            body=excerpt,
            link={"kind": parent_type, "id": parent_id} if parent_id else None,
            actor_uid=entry.actor.uid,
        )
        notifications.add(batch, workspace, notice, entry.at)
