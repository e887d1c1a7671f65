"""One person per human: merging contacts (with exact undo) and suggesting merges.

Merging B into A moves B's interactions to A: each interaction's `people` entry for B names A and
its `contactIds` lose B. Counters are then rebuilt from interactions, the same way undoing a sync
run rebuilds them, so A counts a message that reached both addresses once. Rewriting interactions
(rather than counting by address at read time) keeps every reader simple: a contact's mail is
always "interactions whose contactIds contain it". B stays as an alias (`mergedInto: A`) so mail
from B's addresses keeps counting into A.

Everything a merge changes is recorded in `merges/{mergeId}`: the before-images of A and B, the
aliases of B that were redirected and the addresses that were B's. Undo restores both documents,
gives B's addresses back their interactions and rebuilds counters, which equal the before-images
unless mail arrived in between. Merges into one contact undo in reverse order (`lastMergeId`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.clients import firestore_client
from shared.crm import audit
from shared.crm.contacts import FIELD_SOURCES, SYSTEM_FIELDS, version_of
from shared.crm.kinds import CONTACTS
from shared.crm.member_strength import EDGES_FIELD, MEMBER_FIELD, SCORES_FIELD, merged_fields
from shared.crm.relationships import COLD_SINCE_FIELD, RECENT_FIELD, RelationshipStats
from shared.crm.repair import CrmRepair
from shared.crm.search import indexed, search_tokens
from shared.errors import Conflict, InvalidInput, NotFound
from shared.mail.addresses import canonical_mailbox
from shared.mail.companies import company_domain, is_free_mail_domain
from shared.principals import Principal
from shared.transactions import transactional

MAX_WRITES_PER_COMMIT = 450
PAGE = 200
COUNTER_FIELDS = ("sentCount", "receivedCount", "interactionCount", "firstInteractionMs", "lastInteractionMs")
# What a merge never copies from B to A: Rapport's own bookkeeping, and how A came to exist.
# Per-member sums add up rather than one side winning (member_strength.merged_fields).
NOT_COMBINED = SYSTEM_FIELDS | {"source", MEMBER_FIELD, EDGES_FIELD, SCORES_FIELD}


class MergeState(StrEnum):
    APPLIED = "applied"
    UNDONE = "undone"


class SuggestionStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class SuggestionReason(StrEnum):
    SAME_MAILBOX = "same_mailbox"  # plus-addressing or Gmail's dots: one mailbox, two spellings
    SAME_NAME_SAME_COMPANY = "same_name_same_company"
    SAME_NAME_FREE_MAIL = "same_name_free_mail"


@dataclass(frozen=True)
class MergeResult:
    merge_id: str
    target_id: str
    source_id: str
    interactions_moved: int


# ---- pure rules --------------------------------------------------------------------------------------------------


def combined_fields(target: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    """The profile fields A should hold after B merges into it, and its `manualFields`.

    Precedence per field: A's manual value, then B's manual value (a person typed it), then the
    value of whichever contact was heard from or edited more recently, then the other's.
    """
    target_manual = set(target.get("manualFields") or [])
    source_manual = set(source.get("manualFields") or [])
    source_newer = _recency(source) > _recency(target)
    fields: dict[str, Any] = {}
    taken_manual: set[str] = set()
    for name in sorted((set(target) | set(source)) - NOT_COMBINED):
        if name in target_manual or name not in source or source[name] is None:
            continue
        if name in source_manual or (source_newer or name not in target):
            fields[name] = source[name]
            if name in source_manual:
                taken_manual.add(name)
    fields["manualFields"] = sorted(target_manual | taken_manual)
    source_sources = source.get(FIELD_SOURCES) or {}
    taken_sources = {name: source_sources[name] for name in sorted(taken_manual) if name in source_sources}
    if taken_sources:  # who typed a value travels with it
        fields[FIELD_SOURCES] = {**(target.get(FIELD_SOURCES) or {}), **taken_sources}
    return fields


def contact_tokens(contact: Mapping[str, Any]) -> list[str]:
    return search_tokens(contact.get(name) for name in CONTACTS.search_fields)


def _recency(contact: Mapping[str, Any]) -> int:
    return max(int(contact.get("lastInteractionMs") or 0), int(contact.get("editedAtMs") or 0))


def name_key(name: str | None) -> str | None:
    """A display name compared loosely: accents, case, punctuation and word order ignored; two words at least."""
    if not name:
        return None
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()
    words = sorted(re.findall(r"\w+", plain))
    return " ".join(words) if len(words) >= 2 else None


def duplicate_keys(contact: Mapping[str, Any]) -> Iterator[tuple[SuggestionReason, str]]:
    """Keys under which two contacts are probably one person, strongest reason first."""
    emails = sorted(set(contact.get("emails") or []) | ({contact["email"]} if contact.get("email") else set()))
    for email in emails:
        yield SuggestionReason.SAME_MAILBOX, canonical_mailbox(email)
    name = name_key(contact.get("name"))
    if name is None:
        return
    for email in emails:
        company = company_domain(email)
        if company:
            yield SuggestionReason.SAME_NAME_SAME_COMPANY, f"{name}|{company}"
        elif is_free_mail_domain(email.rpartition("@")[2]):
            yield SuggestionReason.SAME_NAME_FREE_MAIL, name


def suggested_pairs(contacts: Mapping[str, Mapping[str, Any]]) -> dict[tuple[str, str], SuggestionReason]:
    """(target, source) → reason, for every pair of live contacts that look like one person.

    In a group the contact with the most interactions is the target, so one person's three
    addresses give two suggestions that all lead to the same contact.
    """
    groups: dict[tuple[SuggestionReason, str], set[str]] = defaultdict(set)
    for contact_id, contact in contacts.items():
        if not contact.get("mergedInto"):
            for key in duplicate_keys(contact):
                groups[key].add(contact_id)
    pairs: dict[tuple[str, str], SuggestionReason] = {}
    seen: set[frozenset[str]] = set()
    for (reason, _), members in sorted(groups.items(), key=lambda item: list(SuggestionReason).index(item[0][0])):
        if len(members) < 2:
            continue
        target = max(sorted(members), key=lambda c: int(contacts[c].get("interactionCount") or 0))
        for source in sorted(members - {target}):
            if frozenset((target, source)) not in seen:
                seen.add(frozenset((target, source)))
                pairs[(target, source)] = reason
    return pairs


def suggestion_id(first: str, second: str) -> str:
    return "ms_" + hashlib.sha256("|".join(sorted((first, second))).encode()).hexdigest()[:20]


# ---- merging -----------------------------------------------------------------------------------------------------


class ContactMerger:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        repair: CrmRepair | None = None,
        stats: RelationshipStats | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db or firestore_client()
        self._repair = repair or CrmRepair(db=self._db)
        self._stats = stats or RelationshipStats(db=self._db)
        self._now = now

    def _workspace(self, workspace_id: str) -> firestore.DocumentReference:
        return self._db.collection("workspaces").document(workspace_id)

    def merge(
        self, workspace_id: str, *, target_id: str, source_id: str, by: Principal, suggestion: str | None = None
    ) -> MergeResult:
        """Merges `source_id` into `target_id`; with `suggestion`, also accepts that suggestion."""
        if target_id == source_id:
            raise InvalidInput("a contact cannot be merged into itself", field="sourceId")
        merge_id = f"m_{uuid.uuid4().hex[:20]}"
        record: dict[str, Any] = transactional(self._record_merge)(
            self._db.transaction(), workspace_id, merge_id, target_id, source_id, by, suggestion
        )
        moved = self._move_interactions(workspace_id, source_id, target_id, lambda person: True)
        self._recount(workspace_id, {target_id: None})
        self._refresh(workspace_id, [target_id], record)
        return MergeResult(merge_id, target_id, source_id, moved)

    def unmerge(self, workspace_id: str, *, merge_id: str, by: Principal) -> dict[str, Any]:
        """Undoes a merge: both contacts as they were, B's mail back with B. Returns the merge record."""
        record: dict[str, Any] = transactional(self._record_unmerge)(self._db.transaction(), workspace_id, merge_id, by)
        target_id, source_id = record["targetId"], record["sourceId"]
        source_emails = set(record["sourceEmails"])
        self._move_interactions(workspace_id, target_id, source_id, lambda person: person.get("email") in source_emails)
        self._recount(workspace_id, {target_id: record["before"]["target"], source_id: record["before"]["source"]})
        self._refresh(workspace_id, [target_id, source_id], record)
        return record

    def _record_merge(
        self,
        transaction: firestore.Transaction,
        workspace_id: str,
        merge_id: str,
        target_id: str,
        source_id: str,
        by: Principal,
        suggestion: str | None,
    ) -> dict[str, Any]:
        workspace = self._workspace(workspace_id)
        contacts = workspace.collection("contacts")
        target = _live_contact(transaction, contacts.document(target_id))
        source = _live_contact(transaction, contacts.document(source_id))
        aliases = list(
            contacts.where(filter=FieldFilter("mergedInto", "==", source_id)).stream(transaction=transaction)
        )
        suggestion_ref = self._open_suggestion(transaction, workspace, suggestion, {target_id, source_id})
        deals = list(
            workspace.collection("deals")
            .where(filter=FieldFilter("contactIds", "array_contains", source_id))
            .stream(transaction=transaction)
        )
        now_ms = _ms(self._now())
        record = {
            "targetId": target_id,
            "sourceId": source_id,
            "state": MergeState.APPLIED.value,
            "byUid": by.uid,
            "atMs": now_ms,
            "before": {"target": target, "source": source},
            "sourceEmails": sorted(_emails(source)),
            "redirectedAliases": sorted(alias.id for alias in aliases),
            # Deals that named B name A now; `hadTarget` says whether A was on the deal already.
            "relinkedDeals": [
                {"id": deal.id, "hadTarget": target_id in ((deal.to_dict() or {}).get("contactIds") or [])}
                for deal in deals
            ],
            "suggestionId": suggestion,
        }
        transaction.create(workspace.collection("merges").document(merge_id), record)
        target_write = (
            combined_fields(target, source)
            | merged_fields(target, source, target_id=target_id, source_id=source_id)
            | {
                "emails": sorted(_emails(target) | _emails(source)),
                "lastMergeId": merge_id,
                "version": version_of(target) + 1,
            }
        )
        # Search finds the merged contact by every name and address it now holds, and no longer the alias.
        target_write.update(indexed(contact_tokens({**target, **target_write})))
        source_write = {"mergedInto": target_id, "version": version_of(source) + 1, **indexed([])}
        transaction.update(contacts.document(target_id), target_write)
        # An alias leaves the short lists (the target is refreshed after the merge and takes its place there).
        unlisted = {COLD_SINCE_FIELD: firestore.DELETE_FIELD, RECENT_FIELD: firestore.DELETE_FIELD}
        transaction.update(contacts.document(source_id), source_write | unlisted)
        at = self._now()
        audit.record(
            transaction,
            workspace,
            audit.AuditEntry(by, "merge", "contact", target_id, target, {**target, **target_write}, at),
        )
        audit.record(
            transaction,
            workspace,
            audit.AuditEntry(by, "merge", "contact", source_id, source, {**source, **source_write}, at),
        )
        for alias in aliases:  # one hop always reaches a live contact
            transaction.update(alias.reference, {"mergedInto": target_id})
        for deal in deals:
            linked = [target_id if c == source_id else c for c in (deal.to_dict() or {}).get("contactIds") or []]
            self._relink(transaction, workspace, by, deal, list(dict.fromkeys(linked)), at)
        if suggestion_ref is not None:
            transaction.update(suggestion_ref, {"status": SuggestionStatus.ACCEPTED.value, "mergeId": merge_id})
        return record

    def _record_unmerge(
        self, transaction: firestore.Transaction, workspace_id: str, merge_id: str, by: Principal
    ) -> dict[str, Any]:
        workspace = self._workspace(workspace_id)
        merge_ref = workspace.collection("merges").document(merge_id)
        snapshot = merge_ref.get(transaction=transaction)
        if not snapshot.exists:
            raise NotFound("no such merge", mergeId=merge_id)
        record = snapshot.to_dict() or {}
        if record.get("state") != MergeState.APPLIED:
            raise Conflict("this merge was already undone", mergeId=merge_id)
        contacts = workspace.collection("contacts")
        target = contacts.document(record["targetId"]).get(transaction=transaction).to_dict() or {}
        source = contacts.document(record["sourceId"]).get(transaction=transaction).to_dict() or {}
        relinked = record.get("relinkedDeals") or []
        deals = [workspace.collection("deals").document(d["id"]).get(transaction=transaction) for d in relinked]
        if target.get("mergedInto") or target.get("lastMergeId") != merge_id:
            raise Conflict(
                "a later merge involves this contact; undo that one first",
                mergeId=target.get("lastMergeId"),
                mergedInto=target.get("mergedInto"),
            )
        transaction.set(contacts.document(record["targetId"]), record["before"]["target"])
        transaction.set(contacts.document(record["sourceId"]), record["before"]["source"])
        at = self._now()
        for contact_id, now, restored in (
            (record["targetId"], target, record["before"]["target"]),
            (record["sourceId"], source, record["before"]["source"]),
        ):
            entry = audit.AuditEntry(by, "unmerge", "contact", contact_id, now, restored, at)
            audit.record(transaction, workspace, entry)
        for alias_id in record.get("redirectedAliases") or []:
            transaction.update(contacts.document(alias_id), {"mergedInto": record["sourceId"]})
        for deal, relink in zip(deals, relinked, strict=True):
            given_back = _given_back(deal, relink["hadTarget"], record["targetId"], record["sourceId"])
            if given_back is not None:
                self._relink(transaction, workspace, by, deal, given_back, at)
        transaction.update(merge_ref, {"state": MergeState.UNDONE.value, "undoneBy": by.uid, "undoneAtMs": _ms(at)})
        if record.get("suggestionId"):
            suggestion = workspace.collection("mergeSuggestions").document(record["suggestionId"])
            transaction.update(suggestion, {"status": SuggestionStatus.OPEN.value, "mergeId": firestore.DELETE_FIELD})
        return record

    @staticmethod
    def _relink(
        transaction: firestore.Transaction,
        workspace: firestore.DocumentReference,
        by: Principal,
        deal: Any,
        contact_ids: list[str],
        at: datetime,
    ) -> None:
        """A deal's people changed by a merge or its undo: a new version, audited like any edit."""
        before = deal.to_dict() or {}
        write = {"contactIds": contact_ids, "version": int(before.get("version") or 0) + 1, "updatedAt": at}
        transaction.update(deal.reference, write)
        entry = audit.AuditEntry(by, "update", "deal", deal.id, before, {**before, **write}, at)
        audit.record(transaction, workspace, entry)

    @staticmethod
    def _open_suggestion(
        transaction: firestore.Transaction,
        workspace: firestore.DocumentReference,
        suggestion: str | None,
        pair: set[str],
    ) -> firestore.DocumentReference | None:
        if suggestion is None:
            return None
        reference = workspace.collection("mergeSuggestions").document(suggestion)
        stored = reference.get(transaction=transaction).to_dict()
        if stored is None:
            raise NotFound("no such merge suggestion", suggestionId=suggestion)
        if set(stored.get("contactIds") or []) != pair:
            raise InvalidInput("the suggestion is about other contacts", field="suggestionId")
        if stored.get("status") != SuggestionStatus.OPEN:
            raise Conflict(f"this suggestion was {stored.get('status')} already", suggestionId=suggestion)
        return reference

    def _move_interactions(
        self, workspace_id: str, old_id: str, new_id: str, moves_person: Callable[[Mapping[str, Any]], bool]
    ) -> int:
        """Re-points the `people` entries of `old_id` that `moves_person` picks at `new_id`; returns how many
        interactions changed. Safe to run again: an interaction already moved matches nothing."""
        query = (
            self._workspace(workspace_id)
            .collection("interactions")
            .where(filter=FieldFilter("contactIds", "array_contains", old_id))
            .order_by("__name__")
            .limit(PAGE)
        )
        moved = 0
        page = list(query.stream())
        while page:
            batch = self._db.batch()
            for snapshot in page:
                update = _moved_people(snapshot.to_dict() or {}, old_id, new_id, moves_person)
                if update is not None:
                    batch.update(snapshot.reference, update)
                    moved += 1
            batch.commit()
            page = list(query.start_after(page[-1]).stream())
        return moved

    def _recount(self, workspace_id: str, contacts: Mapping[str, Mapping[str, Any] | None]) -> None:
        """Counters rebuilt from interactions, written only where they differ from what the document holds."""
        collection = self._workspace(workspace_id).collection("contacts")
        for contact_id, known in contacts.items():
            current = known if known is not None else collection.document(contact_id).get().to_dict() or {}
            totals = self._repair.contact_totals(workspace_id, contact_id=contact_id)
            changed = {key: value for key, value in totals.items() if current.get(key) != value}
            if changed:
                stored = {key: firestore.DELETE_FIELD if value is None else value for key, value in changed.items()}
                collection.document(contact_id).update(stored | {"updatedAt": firestore.SERVER_TIMESTAMP})

    def _refresh(self, workspace_id: str, contact_ids: list[str], record: Mapping[str, Any]) -> None:
        """Stats of the contacts involved, and of every company either belonged to before (its head count moved)."""
        report = self._stats.refresh_contacts(workspace_id, contact_ids=contact_ids)
        before = record["before"]
        earlier = {str(c["companyId"]) for c in (before["target"], before["source"]) if c.get("companyId")}
        self._stats.refresh_companies(workspace_id, earlier - report.companies_touched, report)


def _given_back(deal: Any, had_target: bool, target_id: str, source_id: str) -> list[str] | None:
    """The deal's people after undoing a merge, or None to leave it be: deleted since, B back already, or
    A taken off the deal by someone meanwhile (who then meant the person off it)."""
    if not deal.exists:
        return None
    linked = list((deal.to_dict() or {}).get("contactIds") or [])
    if source_id in linked:
        return None
    if had_target:
        return [*linked, source_id]
    if target_id in linked:
        return [source_id if c == target_id else c for c in linked]
    return None


def _live_contact(transaction: firestore.Transaction, reference: firestore.DocumentReference) -> dict[str, Any]:
    snapshot = reference.get(transaction=transaction)
    if not snapshot.exists:
        raise NotFound("no such contact", contactId=reference.id)
    contact = snapshot.to_dict() or {}
    if contact.get("mergedInto"):
        raise Conflict(
            "this contact was merged into another already", contactId=reference.id, mergedInto=contact["mergedInto"]
        )
    return contact


def _emails(contact: Mapping[str, Any]) -> set[str]:
    return set(contact.get("emails") or []) | ({contact["email"]} if contact.get("email") else set())


def _moved_people(
    interaction: Mapping[str, Any], old_id: str, new_id: str, moves_person: Callable[[Mapping[str, Any]], bool]
) -> dict[str, Any] | None:
    people = [dict(person) for person in interaction.get("people") or []]
    chosen = [p for p in people if p.get("contactId") == old_id and moves_person(p)]
    if not chosen:
        return None
    for person in chosen:
        person["contactId"] = new_id
    still_named = {str(p["contactId"]) for p in people if p.get("contactId")}
    others = set(interaction.get("contactIds") or []) - {old_id}
    return {"people": people, "contactIds": sorted(others | (still_named & {old_id, new_id}))}


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


# ---- suggestions ---------------------------------------------------------------------------------------------------


class MergeSuggestions:
    def __init__(
        self, *, db: firestore.Client | None = None, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._db = db or firestore_client()
        self._now = now

    def _collection(self, workspace_id: str) -> firestore.CollectionReference:
        return self._db.collection("workspaces").document(workspace_id).collection("mergeSuggestions")

    def compute(self, workspace_id: str) -> int:
        """Stores a suggestion for each likely duplicate pair and withdraws open ones that no longer hold.
        Dismissed and accepted suggestions are kept as they are: a dismissed pair is never suggested again."""
        contacts = dict(self._contacts(workspace_id))
        pairs = suggested_pairs(contacts)
        existing = {s.id: s.to_dict() or {} for s in self._collection(workspace_id).stream()}
        now_ms = _ms(self._now())
        writes: list[tuple[str, dict[str, Any] | None]] = []
        wanted: set[str] = set()
        for (target, source), reason in pairs.items():
            key = suggestion_id(target, source)
            wanted.add(key)
            if existing.get(key, {}).get("status", SuggestionStatus.OPEN) == SuggestionStatus.OPEN:
                writes.append((key, _suggestion(target, source, reason, contacts, now_ms)))
        writes += [(key, None) for key, s in existing.items() if key not in wanted and s.get("status") == "open"]
        self._write(workspace_id, writes)
        return len(wanted)

    def open(self, workspace_id: str, limit: int = 100) -> list[dict[str, Any]]:
        query = self._collection(workspace_id).where(filter=FieldFilter("status", "==", SuggestionStatus.OPEN.value))
        found = [{"id": s.id, **(s.to_dict() or {})} for s in query.limit(limit).stream()]
        return sorted(found, key=lambda s: (list(SuggestionReason).index(s["reason"]), s["id"]))

    def dismiss(self, workspace_id: str, *, suggestion: str, by_uid: str) -> None:
        reference = self._collection(workspace_id).document(suggestion)
        transactional(self._dismiss)(self._db.transaction(), reference, by_uid)

    def _dismiss(self, transaction: firestore.Transaction, reference: firestore.DocumentReference, by_uid: str) -> None:
        stored = reference.get(transaction=transaction).to_dict()
        if stored is None:
            raise NotFound("no such merge suggestion", suggestionId=reference.id)
        if stored.get("status") == SuggestionStatus.ACCEPTED:
            raise Conflict("this suggestion was accepted; undo the merge instead", mergeId=stored.get("mergeId"))
        status = {"status": SuggestionStatus.DISMISSED.value, "dismissedBy": by_uid, "dismissedAtMs": _ms(self._now())}
        transaction.update(reference, status)

    def _contacts(self, workspace_id: str) -> Iterable[tuple[str, dict[str, Any]]]:
        contacts = self._db.collection("workspaces").document(workspace_id).collection("contacts")
        query = contacts.select(["email", "emails", "name", "interactionCount", "mergedInto"]).order_by("__name__")
        page = list(query.limit(PAGE).stream())
        while page:
            yield from ((s.id, s.to_dict() or {}) for s in page)
            page = list(query.start_after(page[-1]).limit(PAGE).stream())

    def _write(self, workspace_id: str, writes: list[tuple[str, dict[str, Any] | None]]) -> None:
        for start in range(0, len(writes), MAX_WRITES_PER_COMMIT):
            batch = self._db.batch()
            for key, document in writes[start : start + MAX_WRITES_PER_COMMIT]:
                reference = self._collection(workspace_id).document(key)
                if document is None:
                    batch.delete(reference)
                else:
                    batch.set(reference, document, merge=True)
            batch.commit()


def _suggestion(
    target: str, source: str, reason: SuggestionReason, contacts: Mapping[str, Mapping[str, Any]], now_ms: int
) -> dict[str, Any]:
    return {
        "targetId": target,
        "sourceId": source,
        "contactIds": sorted((target, source)),
        "reason": reason.value,
        "names": [contacts[target].get("name"), contacts[source].get("name")],
        "emails": [contacts[target].get("email"), contacts[source].get("email")],
        "status": SuggestionStatus.OPEN.value,
        "computedAtMs": now_ms,
    }
