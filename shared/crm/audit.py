"""The audit log: one document per change under `workspaces/{ws}/audit/{id}` — who, what, when, before, after.

An entry is written in the same commit as the change it describes, so the log can neither miss
a change nor record one that did not happen.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from google.cloud import firestore

from shared.principals import Principal

COLLECTION = "audit"
# Kept on documents for queries only; never part of what a change "was".
INTERNAL_FIELDS = frozenset({"searchTokens", "searchKeys"})


def entity_key(kind: str, entity_id: str) -> str:
    """One field to filter a record's history (and notes, tasks) by: `contact:c_123`."""
    return f"{kind}:{entity_id}"


def public(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """A document as the API and the log show it: JSON values, internal fields left out."""
    if data is None:
        return None
    return {key: jsonable(value) for key, value in data.items() if key not in INTERNAL_FIELDS}


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, bytes):
        return None  # raw payloads never leave the server
    if isinstance(value, firestore.DocumentReference):
        return value.path
    return value


@dataclass(frozen=True)
class AuditEntry:
    actor: Principal
    # create | update | delete | import | undo-import | invite | resend | accept | revoke | role | remove | leave
    # | gmail_aliases | merge | unmerge
    action: str
    kind: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime

    def document(self) -> dict[str, Any]:
        return {
            "actorUid": self.actor.uid,
            "actorEmail": self.actor.email,
            "action": self.action,
            "entity": self.kind,
            "entityId": self.entity_id,
            "entityKey": entity_key(self.kind, self.entity_id),
            "before": public(self.before),
            "after": public(self.after),
            "changedFields": changed_fields(self.before, self.after),
            "at": self.at,
            **({"via": self.actor.via} if self.actor.via else {}),
        }


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    old, new = before or {}, after or {}
    return sorted(key for key in old.keys() | new.keys() if key not in INTERNAL_FIELDS and old.get(key) != new.get(key))


def record(
    writer: firestore.WriteBatch | firestore.Transaction, workspace: firestore.DocumentReference, entry: AuditEntry
) -> None:
    """Adds the entry to the commit that makes the change."""
    writer.set(workspace.collection(COLLECTION).document(uuid.uuid4().hex), entry.document())
