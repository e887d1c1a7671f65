"""Contact edits by people, with field-level provenance and no lost updates.

A field a person set is listed in the contact's `manualFields`; extraction and enrichment never
overwrite those (and merges let them win). Every edit checks the `version` the editor saw and
bumps it, inside one transaction: a stale edit raises Conflict carrying the current values
instead of silently overwriting someone else's. Ingestion's counters never touch `version`, so
incoming mail does not make an open edit form stale. What must land with the edit (fields that
follow from it, its audit entry) is written in that same transaction, so an edit never stands
without them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from shared.clients import firestore_client
from shared.errors import Conflict, InvalidInput, NotFound
from shared.transactions import transactional

# Fields only Rapport itself writes: counters, identity, merge and provenance bookkeeping, computed stats.
SYSTEM_FIELDS = frozenset(
    {
        "email",
        "emails",
        "sentCount",
        "receivedCount",
        "interactionCount",
        "firstInteractionMs",
        "lastInteractionMs",
        "updatedAt",
        "createdAt",
        "mergedInto",
        "lastMergeId",
        "manualFields",
        "editedBy",
        "editedAtMs",
        "fieldSources",
        "version",
        "relationship",
        "strength",
        "goingCold",
        "coldSinceMs",
        "recentMs",
        "enrichment",
        "searchTokens",
        "searchKeys",
    }
)
FIELD_SOURCES = "fieldSources"
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")


# Fields that follow from the contact as edited (its search tokens), stored with the edit.
Derive = Callable[[Mapping[str, Any]], dict[str, Any]]
# Further writes that must commit with the edit or not at all (its audit entry).
Record = Callable[[firestore.Transaction, "ContactEdit"], None]


@dataclass(frozen=True)
class ContactEdit:
    contact_id: str
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def version(self) -> int:
        return version_of(self.after)


def version_of(contact: Mapping[str, Any]) -> int:
    return int(contact.get("version") or 0)


class ContactEditor:
    def __init__(
        self, *, db: firestore.Client | None = None, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._db = db or firestore_client()
        self._now = now

    def update(
        self,
        workspace_id: str,
        *,
        contact_id: str,
        changes: Mapping[str, Any],
        by_uid: str,
        expected_version: int,
        derive: Derive = lambda _: {},
        record: Record = lambda _transaction, _edit: None,
    ) -> ContactEdit:
        """Sets `changes` (stored field names; None clears a value and still marks it as set by hand),
        with the fields `derive` adds and the writes `record` makes, all in one commit."""
        _check_editable(changes)
        reference = self._db.document("workspaces", workspace_id, "contacts", contact_id)
        edit: ContactEdit = transactional(self._apply)(
            self._db.transaction(), reference, dict(changes), by_uid, expected_version, derive, record
        )
        return edit

    def _apply(
        self,
        transaction: firestore.Transaction,
        reference: firestore.DocumentReference,
        changes: dict[str, Any],
        by_uid: str,
        expected_version: int,
        derive: Derive,
        record: Record,
    ) -> ContactEdit:
        snapshot = reference.get(transaction=transaction)
        if not snapshot.exists:
            raise NotFound("no such contact", contactId=reference.id)
        before = snapshot.to_dict() or {}
        if before.get("mergedInto"):
            raise Conflict("this contact was merged into another; edit that one", mergedInto=before["mergedInto"])
        if version_of(before) != expected_version:
            raise Conflict(
                "someone changed this contact since you loaded it",
                current=_current_values(before, changes),
                version=version_of(before),
            )
        edited_at_ms = int(self._now().timestamp() * 1000)
        provenance = {
            "manualFields": sorted(set(before.get("manualFields") or []) | set(changes)),
            FIELD_SOURCES: person_sources(before, changes, uid=by_uid, at_ms=edited_at_ms),
            "editedBy": by_uid,
            "editedAtMs": edited_at_ms,
            "version": expected_version + 1,
        }
        write = {**changes, **provenance}
        write.update(derive({**before, **write}))
        transaction.update(reference, write)
        edit = ContactEdit(reference.id, before, {**before, **write})
        record(transaction, edit)
        return edit


def person_sources(
    before: Mapping[str, Any], changes: Iterable[str], *, uid: str, at_ms: int
) -> dict[str, dict[str, Any]]:
    """The record's `fieldSources` after a person set `changes`: per field, who set it and when (epoch ms).
    Fields nobody edited keep what they had; the page shows where those came from (mail, signature, AI)."""
    sources = {name: dict(entry) for name, entry in (before.get(FIELD_SOURCES) or {}).items()}
    sources.update({name: {"source": "person", "uid": uid, "atMs": at_ms} for name in changes})
    return sources


def _check_editable(changes: Mapping[str, Any]) -> None:
    if not changes:
        raise InvalidInput("nothing to change", field="changes")
    for name in sorted(changes):
        if name in SYSTEM_FIELDS:
            raise InvalidInput(f"{name} is kept by Rapport and cannot be edited", field=name)
        if not _FIELD_NAME.fullmatch(name):  # a dot would reach into a map; backticks, into anything
            raise InvalidInput(f"{name!r} is not a contact field", field=name)


def _current_values(contact: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """What the losing editor needs to decide again: the current value of every field they tried to set."""
    return {name: contact.get(name) for name in sorted(changes)}
