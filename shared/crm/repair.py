"""Taking mail back out of the CRM: undoing a sync run, or purging a disconnected mailbox.

Counters are rebuilt from the interactions that remain (each carries its people), so the result
is what ingestion would have produced without the removed mail. Contacts left with no mail are
deleted unless a person worked on them by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.clients import firestore_client
from shared.deadletters import DeadLetters
from shared.errors import Conflict, NotFound
from shared.sharing import delete_content, forgetting

PAGE = 200
ARRAY_QUERY_LIMIT = 30  # values one array-contains-any filter may take


@dataclass
class RemovalResult:
    interactions: int = 0
    contacts_updated: int = 0
    contacts_deleted: int = 0
    companies_updated: int = 0
    companies_deleted: int = 0
    touched_contacts: set[str] = field(default_factory=set)
    touched_companies: set[str] = field(default_factory=set)


class CrmRepair:
    def __init__(self, *, db: firestore.Client | None = None) -> None:
        self._db = db or firestore_client()

    def _workspace(self, workspace_id: str) -> firestore.DocumentReference:
        return self._db.collection("workspaces").document(workspace_id)

    def undo_sync_run(self, workspace_id: str, *, run_id: str) -> RemovalResult:
        """Everything one sync run brought in leaves the CRM. Its interactions stay as tombstones, so
        a later resync does not bring the same mail back."""
        run = self._workspace(workspace_id).collection("syncRuns").document(run_id)
        snapshot = run.get()
        if not snapshot.exists:
            raise NotFound("no such sync run", sync_run_id=run_id)
        if (snapshot.to_dict() or {}).get("state") == "running":
            raise Conflict("this sync run is still running; undo it when it has finished")
        result = self._remove(workspace_id, "syncRunId", run_id, keep_tombstones=True)
        run.update({"state": "undone", "undoneAt": datetime.now(UTC), "undoneInteractions": result.interactions})
        return result

    def purge_mailbox(self, workspace_id: str, *, mailbox_id: str) -> RemovalResult:
        """Deletes what a mailbox brought in, its dead letters too; reconnecting it later brings the
        mail in afresh."""
        DeadLetters(db=self._db).purge(workspace_id=workspace_id, mailbox_id=mailbox_id)
        return self._remove(workspace_id, "mailboxId", mailbox_id, keep_tombstones=False)

    def remove_involving(self, workspace_id: str, blocked: list[str]) -> RemovalResult:
        """Mail with a participant on `blocked` (addresses, or domains with their subdomains) leaves the
        CRM. Its interactions stay, marked skipped, so a resync does not bring it back. Staged mail
        is left to its approval, which checks the blocklist itself."""
        pending = [s for s in self._involving(workspace_id, blocked).values() if not _staged_or_blocked(s)]
        return self._block_mail(workspace_id, pending, erased=set())

    def erase_mail_of(self, workspace_id: str, *, addresses: list[str], contact_ids: list[str]) -> RemovalResult:
        """A person's erasure: every interaction naming one of their addresses or contacts, staged mail
        too, becomes a blocked stub with no content, people or addresses. The erased contacts are not
        recounted (they are about to go); everyone else on that mail is."""
        found = self._involving(workspace_id, addresses)
        interactions = self._workspace(workspace_id).collection("interactions")
        for field_path in ("contactIds", "uncountedIds"):
            for start in range(0, len(contact_ids), ARRAY_QUERY_LIMIT):
                chunk = contact_ids[start : start + ARRAY_QUERY_LIMIT]
                query = interactions.where(filter=FieldFilter(field_path, "array_contains_any", chunk))
                found.update((s.id, s) for s in query.stream())
        return self._block_mail(workspace_id, list(found.values()), erased=set(contact_ids))

    def _block_mail(
        self, workspace_id: str, pending: list[firestore.DocumentSnapshot], *, erased: set[str]
    ) -> RemovalResult:
        result = RemovalResult()
        for snapshot in pending:
            data = snapshot.to_dict() or {}
            result.touched_contacts.update(set(data.get("contactIds", [])) - erased)
            result.touched_companies.update(data.get("companyIds", []))
        for start in range(0, len(pending), PAGE // 2):
            batch = self._db.batch()
            for snapshot in pending[start : start + PAGE // 2]:
                # Blocked mail keeps a stub and no content (shared/sharing.py).
                batch.update(snapshot.reference, forgetting() | {"skipped": "blocked"})
                delete_content(batch, snapshot.reference)
            batch.commit()
        result.interactions = len(pending)
        self._recount_contacts(workspace_id, result)
        self._recount_companies(workspace_id, result)
        return result

    def _involving(self, workspace_id: str, blocked: list[str]) -> dict[str, firestore.DocumentSnapshot]:
        interactions = self._workspace(workspace_id).collection("interactions")
        found: dict[str, firestore.DocumentSnapshot] = {}
        by_field = {
            "participantEmails": sorted(e for e in blocked if "@" in e),
            "participantDomains": sorted(e for e in blocked if "@" not in e),
        }
        for field_path, values in by_field.items():
            for start in range(0, len(values), ARRAY_QUERY_LIMIT):
                query = interactions.where(
                    filter=FieldFilter(field_path, "array_contains_any", values[start : start + ARRAY_QUERY_LIMIT])
                )
                found.update((s.id, s) for s in query.stream())
        return found

    def _remove(self, workspace_id: str, field_path: str, value: str, *, keep_tombstones: bool) -> RemovalResult:
        interactions = self._workspace(workspace_id).collection("interactions")
        result = RemovalResult()
        query = interactions.where(filter=FieldFilter(field_path, "==", value))
        if keep_tombstones:
            query = query.where(filter=FieldFilter("undone", "==", False))
        while True:
            page = list(query.limit(PAGE // 2).stream())  # each writes up to four documents
            if not page:
                break
            batch = self._db.batch()
            for snapshot in page:
                data = snapshot.to_dict() or {}
                result.touched_contacts.update(data.get("contactIds", []))
                result.touched_companies.update(data.get("companyIds", []))
                if keep_tombstones:  # a stub, without content or people
                    batch.update(snapshot.reference, forgetting() | {"undone": True})
                else:
                    batch.delete(snapshot.reference)
                delete_content(batch, snapshot.reference)
            batch.commit()
            result.interactions += len(page)
        self._recount_contacts(workspace_id, result)
        self._recount_companies(workspace_id, result)
        return result

    def _interactions_with(self, workspace_id: str, field_path: str, value: str) -> Iterable[dict[str, Any]]:
        interactions = self._workspace(workspace_id).collection("interactions")
        for snapshot in interactions.where(filter=FieldFilter(field_path, "array_contains", value)).stream():
            data = snapshot.to_dict() or {}
            if not data.get("pending"):  # a meeting still to come counts nowhere yet (shared/calendar/meetings.py)
                yield data

    def contact_totals(self, workspace_id: str, *, contact_id: str) -> dict[str, Any]:
        """A contact's counters as ingestion would have kept them, rebuilt from the interactions naming it."""
        sent = received = 0
        times: list[int] = []
        for interaction in self._interactions_with(workspace_id, "contactIds", contact_id):
            people: list[dict[str, Any]] = interaction.get("people", [])
            mine = [p for p in people if p.get("contactId") == contact_id]
            # After a merge two addresses of one person can share a message: it still counts once.
            sent += max((int(p.get("sent", 0)) for p in mine), default=0)
            received += max((int(p.get("received", 0)) for p in mine), default=0)
            times.append(_epoch_ms(interaction["occurredAt"]))
        return {
            "sentCount": sent,
            "receivedCount": received,
            "interactionCount": len(times),
            "firstInteractionMs": min(times) if times else None,
            "lastInteractionMs": max(times) if times else None,
        }

    def _recount_contacts(self, workspace_id: str, result: RemovalResult) -> None:
        contacts = self._workspace(workspace_id).collection("contacts")
        for contact_id in sorted(result.touched_contacts):
            totals = self.contact_totals(workspace_id, contact_id=contact_id)
            reference = contacts.document(contact_id)
            if totals["interactionCount"] == 0 and not _worked_on_by_hand(reference.get().to_dict() or {}):
                reference.delete()
                result.contacts_deleted += 1
                continue
            stored = {key: firestore.DELETE_FIELD if value is None else value for key, value in totals.items()}
            reference.update(stored | {"updatedAt": firestore.SERVER_TIMESTAMP})
            result.contacts_updated += 1

    def _recount_companies(self, workspace_id: str, result: RemovalResult) -> None:
        companies = self._workspace(workspace_id).collection("companies")
        for domain in sorted(result.touched_companies):
            times = [_epoch_ms(i["occurredAt"]) for i in self._interactions_with(workspace_id, "companyIds", domain)]
            reference = companies.document(domain)
            if not times and not _worked_on_by_hand(reference.get().to_dict() or {}):
                reference.delete()
                result.companies_deleted += 1
                continue
            reference.update(_totals(len(times), times))
            result.companies_updated += 1


def _staged_or_blocked(snapshot: firestore.DocumentSnapshot) -> bool:
    data = snapshot.to_dict() or {}
    return bool(data.get("staged")) or data.get("skipped") == "blocked"


def _worked_on_by_hand(document: dict[str, Any]) -> bool:
    return bool(document.get("manualFields")) or document.get("source") == "manual"


def _epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _totals(count: int, times: list[int]) -> dict[str, Any]:
    return {
        "interactionCount": count,
        "firstInteractionMs": min(times) if times else firestore.DELETE_FIELD,
        "lastInteractionMs": max(times) if times else firestore.DELETE_FIELD,
        "updatedAt": firestore.SERVER_TIMESTAMP,
    }
