"""A person's data protection rights: deleting their contact (keeping or erasing their mail) and
exporting what the workspace holds about them (docs/decisions/0020).

Erasure removes the person and keeps the log honest: their mail becomes blocked stubs (so a resync
does not bring it back, and exactly-once still holds), their notes, tasks, merge records and the
notifications that name them go, audit entries about them keep who did what and when but lose the
copied values, and their addresses join the blocklist so new mail does not make them a contact again. Every step can run
again; the contact itself goes last, so a failed erasure is finished by asking again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared import notifications
from shared.clients import firestore_client
from shared.crm import audit, intro_via
from shared.crm.audit import entity_key
from shared.crm.kinds import CONTACTS, records
from shared.crm.preview import PreviewService
from shared.crm.records import as_record
from shared.crm.repair import CrmRepair
from shared.errors import Conflict, NotFound
from shared.principals import Principal
from shared.sharing import MailContent
from shared.workspace_settings import WorkspaceSettingsService

# What an audit entry's before and after become when the person they copied is erased.
REDACTED: dict[str, Any] = {"redacted": True}
IN_LIMIT = 30  # values one `in` or `array_contains_any` filter may take
PAGE = 200  # documents per commit, well under Firestore's 500 writes


class MailChoice(StrEnum):
    KEEP = "keep"  # the contact goes; the mail stays as it is (docs/decisions/0020)
    ERASE = "erase"  # the right to erasure: the contact, its mail and every copy of it


class PersonData:
    """What the workspace holds about one contact, found the same way for erasure and export."""

    def __init__(self, db: firestore.Client, workspace_id: str, contact_id: str) -> None:
        self.workspace = db.collection("workspaces").document(workspace_id)
        self.contact_id = contact_id
        self._db = db

    def contact(self) -> dict[str, Any] | None:
        return self.workspace.collection("contacts").document(self.contact_id).get().to_dict()

    def aliases(self) -> list[firestore.DocumentSnapshot]:
        """Contacts merged into this one: the same person under another address."""
        query = self.workspace.collection("contacts").where(filter=FieldFilter("mergedInto", "==", self.contact_id))
        return list(query.stream())

    def attached(self, collection: str) -> list[firestore.DocumentSnapshot]:
        """Notes or tasks on the contact."""
        key = entity_key("contact", self.contact_id)
        return list(self.workspace.collection(collection).where(filter=FieldFilter("parentKey", "==", key)).stream())

    def merges(self) -> list[firestore.DocumentSnapshot]:
        merges = self.workspace.collection("merges")
        found: dict[str, firestore.DocumentSnapshot] = {}
        for side in ("targetId", "sourceId"):
            found.update((s.id, s) for s in merges.where(filter=FieldFilter(side, "==", self.contact_id)).stream())
        return list(found.values())

    def suggestions(self) -> list[firestore.DocumentSnapshot]:
        query = self.workspace.collection("mergeSuggestions").where(
            filter=FieldFilter("contactIds", "array_contains", self.contact_id)
        )
        return list(query.stream())

    def notices(self, contact_ids: list[str]) -> list[firestore.DocumentSnapshot]:
        """Members' notifications that open one of these contacts (shared/notifications.py): they name them."""
        found: list[firestore.DocumentSnapshot] = []
        for member in self.workspace.collection("members").list_documents():
            mine = member.collection(notifications.COLLECTION)
            for start in range(0, len(contact_ids), IN_LIMIT):
                query = mine.where(filter=FieldFilter("link.id", "in", contact_ids[start : start + IN_LIMIT]))
                found.extend(
                    s for s in query.stream() if ((s.to_dict() or {}).get("link") or {}).get("kind") == "contact"
                )
        return found

    def audit_entries(self, keys: list[str]) -> list[firestore.DocumentSnapshot]:
        found: list[firestore.DocumentSnapshot] = []
        log = self.workspace.collection(audit.COLLECTION)
        for start in range(0, len(keys), IN_LIMIT):
            query = log.where(filter=FieldFilter("entityKey", "in", keys[start : start + IN_LIMIT]))
            found.extend(query.stream())
        return found

    def mail(self) -> list[firestore.DocumentSnapshot]:
        query = self.workspace.collection("interactions").where(
            filter=FieldFilter("contactIds", "array_contains", self.contact_id)
        )
        return [s for s in query.stream() if not (s.to_dict() or {}).get("staged")]

    def deals(self) -> list[firestore.DocumentSnapshot]:
        query = self.workspace.collection("deals").where(
            filter=FieldFilter("contactIds", "array_contains", self.contact_id)
        )
        return list(query.stream())


def addresses_of(contact: dict[str, Any]) -> list[str]:
    emails = [contact.get("email"), *(contact.get("emails") or [])]
    return sorted({e.strip().lower() for e in emails if isinstance(e, str) and "@" in e})


class ContactRemoval:
    """DELETE /contact/{id}?mail=keep|erase. Asking again after it is done changes nothing."""

    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        settings: WorkspaceSettingsService | None = None,
        repair: CrmRepair | None = None,
        previews: PreviewService | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db or firestore_client()
        self._settings = settings or WorkspaceSettingsService(db=self._db)
        self._repair = repair or CrmRepair(db=self._db)
        self._previews = previews or PreviewService(db=self._db)
        self._now = clock

    def delete(
        self, workspace_id: str, *, actor: Principal, contact_id: str, mail: MailChoice, version: int | None
    ) -> None:
        if mail is MailChoice.KEEP:
            with contextlib.suppress(NotFound):  # deleted already: the outcome asked for holds
                records(CONTACTS).delete(workspace_id, actor=actor, record_id=contact_id, version=version)
            return
        self.erase(workspace_id, actor=actor, contact_id=contact_id, version=version)

    def erase(self, workspace_id: str, *, actor: Principal, contact_id: str, version: int | None) -> None:
        person = PersonData(self._db, workspace_id, contact_id)
        contact = person.contact()
        if contact is None:
            return  # erased (or never here): nothing of it is left to find by its id
        if version is not None and version != contact.get("version", 0):
            raise Conflict(
                "this contact was changed by someone else since you read it", current=as_record(contact_id, contact)
            )
        aliases = person.aliases()
        addresses = sorted({a for doc in [contact, *(s.to_dict() or {} for s in aliases)] for a in addresses_of(doc)})
        contact_ids = sorted({contact_id, *(s.id for s in aliases)})
        # Blocked first, so mail arriving while the rest runs is stored as a stub already.
        if addresses:
            self._settings.block(workspace_id, addresses)
        self._repair.erase_mail_of(workspace_id, addresses=addresses, contact_ids=contact_ids)
        self._previews.refresh_all(workspace_id)  # a waiting first-sync preview listed them too
        attached = person.attached("notes") + person.attached("tasks")
        keys = [entity_key("contact", c) for c in contact_ids]
        keys += [entity_key("note" if s.reference.parent.id == "notes" else "task", s.id) for s in attached]
        self._redact(person.audit_entries(keys))
        notices = person.notices(contact_ids)
        gone = [s.reference for s in (*attached, *notices, *person.merges(), *person.suggestions(), *aliases)]
        self._delete(gone)
        intro_via.forget(self._db, person.workspace, contact, contact_ids)  # copies that name them (decision 27)
        # Last, with the entry that says it happened: an entry that holds no trace of what was erased.
        batch = self._db.batch()
        batch.delete(person.workspace.collection("contacts").document(contact_id))
        entry = audit.AuditEntry(actor, "erase", CONTACTS.name, contact_id, None, None, self._now())
        audit.record(batch, person.workspace, entry)
        batch.commit()

    def _redact(self, entries: Iterable[firestore.DocumentSnapshot]) -> None:
        pending = [s for s in entries if not (s.to_dict() or {}).get("redacted")]
        for start in range(0, len(pending), PAGE):
            batch = self._db.batch()
            for snapshot in pending[start : start + PAGE]:
                data = snapshot.to_dict() or {}
                batch.update(
                    snapshot.reference,
                    {
                        "before": None if data.get("before") is None else REDACTED,
                        "after": None if data.get("after") is None else REDACTED,
                        "redacted": True,
                    },
                )
            batch.commit()

    def _delete(self, references: list[firestore.DocumentReference]) -> None:
        for start in range(0, len(references), PAGE):
            batch = self._db.batch()
            for reference in references[start : start + PAGE]:
                batch.delete(reference)
            batch.commit()


class PersonExporter:
    """GET /contact/{id}/export: one person's data as JSON, with mail content as its mailboxes share it
    with the caller (shared/sharing.py)."""

    def __init__(self, *, db: firestore.Client | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self._db = db or firestore_client()
        self._now = clock or (lambda: datetime.now(UTC))

    def of(self, workspace_id: str, *, contact_id: str, reader_uid: str) -> dict[str, Any]:
        person = PersonData(self._db, workspace_id, contact_id)
        contact = person.contact()
        if contact is None:
            raise NotFound("no such contact", id=contact_id)
        aliases = person.aliases()
        mail = [{"id": s.id, **(s.to_dict() or {})} for s in person.mail()]
        mail.sort(key=lambda item: item.get("occurredAt") or datetime.min.replace(tzinfo=UTC))
        shown: list[dict[str, Any]] = []
        content = MailContent(db=self._db)
        for start in range(0, len(mail), PAGE):
            shown.extend(content.attach(workspace_id, mail[start : start + PAGE], reader_uid=reader_uid))
        notes, tasks = person.attached("notes"), person.attached("tasks")
        keys = [entity_key("contact", c) for c in sorted({contact_id, *(s.id for s in aliases)})]
        keys += [entity_key("note", s.id) for s in notes] + [entity_key("task", s.id) for s in tasks]
        entries = sorted(person.audit_entries(keys), key=lambda s: (s.to_dict() or {}).get("at") or 0)
        return {
            "exportedAt": self._now().isoformat(),
            "contact": as_record(contact_id, contact),
            "mergedContacts": [as_record(s.id, s.to_dict() or {}) for s in aliases],
            "interactions": [_mail_item(item) for item in shown],
            "notes": [as_record(s.id, s.to_dict() or {}) for s in notes],
            "tasks": [as_record(s.id, s.to_dict() or {}) for s in tasks],
            "deals": [as_record(s.id, s.to_dict() or {}) for s in person.deals()],
            "audit": [{"id": s.id, **(audit.public(s.to_dict()) or {})} for s in entries],
        }


def _mail_item(interaction: dict[str, Any]) -> dict[str, Any]:
    """An interaction as the export shows it: metadata and readable content, not ingestion's bookkeeping."""
    hidden = {"uncountedIds", "staged", "skipped", "undone", "labelIds", "deadLetterId"}
    return audit.public({k: v for k, v in interaction.items() if k not in hidden}) or {}
