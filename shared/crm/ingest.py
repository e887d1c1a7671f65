"""Turns fetched Gmail messages into interactions, contacts and companies, exactly once.

A message becomes one interaction document, created with a must-not-exist precondition in the
same atomic commit as every counter it moves. A message delivered again fails that commit as a
whole, so nothing is ever counted twice. Counters are aggregated over the whole batch first, so
a contact mailed ten times in a batch costs one write, not ten.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore

from shared import ids
from shared.clients import firestore_client
from shared.gmail.api import FetchedMessage
from shared.log import get_logger
from shared.mail import ParsedMessage, company_domain, company_name_from_domain, parse_message

log = get_logger("ingest")
MAX_WRITES_PER_COMMIT = 450  # Firestore allows 500 writes in one commit; keep a margin
SNIPPET_CHARS = 200


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    writes: int = 0  # Firestore document writes committed
    contact_ids: set[str] = field(default_factory=set)  # contacts the stored messages touched


@dataclass
class _Tally:
    """What one batch does to one contact or company."""

    sent: int = 0
    received: int = 0
    interactions: int = 0
    first: datetime | None = None
    last: datetime | None = None
    name: str | None = None
    name_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, at: datetime, *, sent: int = 0, received: int = 0, name: str | None = None) -> None:
        self.sent += sent
        self.received += received
        self.interactions += 1
        self.first = at if self.first is None else min(self.first, at)
        self.last = at if self.last is None else max(self.last, at)
        if name and (self.name_at is None or at >= self.name_at):
            self.name, self.name_at = name, at

    def merge(self, other: _Tally) -> None:
        self.sent += other.sent
        self.received += other.received
        self.interactions += other.interactions
        for at in (other.first, other.last):
            if at is not None:
                self.first = at if self.first is None else min(self.first, at)
                self.last = at if self.last is None else max(self.last, at)
        if other.name and other.name_at and (self.name_at is None or other.name_at >= self.name_at):
            self.name, self.name_at = other.name, other.name_at
        self.extra.update(other.extra)


@dataclass
class _MessagePlan:
    """Everything one message writes."""

    interaction_ref: firestore.DocumentReference
    interaction: dict[str, Any]
    contacts: dict[str, _Tally]
    companies: dict[str, _Tally]

    @property
    def writes(self) -> int:
        return 1 + len(self.contacts) + len(self.companies)


class Ingestor:
    def __init__(self, *, db: firestore.Client | None = None) -> None:
        self._db = db or firestore_client()

    def ingest(
        self,
        *,
        workspace_id: str,
        mailbox_id: str,
        owner_email: str,
        sync_run_id: str,
        messages: Sequence[FetchedMessage],
    ) -> IngestResult:
        workspace = self._db.collection("workspaces").document(workspace_id)
        owners = frozenset({owner_email.lower()})
        plans = [self._plan(workspace, mailbox_id, sync_run_id, owners, m) for m in messages]
        # Duplicates included: if asking for enrichment failed after an earlier commit, the redelivery asks again.
        result = IngestResult(contact_ids={contact for plan in plans for contact in plan.contacts})
        counters = [
            workspace.collection("mailboxes").document(mailbox_id),
            workspace.collection("syncRuns").document(sync_run_id),
        ]
        for chunk in _chunks(plans):
            try:
                result.writes += self._commit(workspace, counters, chunk)
                result.stored += len(chunk)
            except exceptions.AlreadyExists:
                # Some message of the chunk was stored before: settle each one on its own.
                for plan in chunk:
                    try:
                        result.writes += self._commit(workspace, counters, [plan])
                        result.stored += 1
                    except exceptions.AlreadyExists:
                        result.duplicates += 1
        if result.duplicates:
            counters[0].update({"sync.duplicates": firestore.Increment(result.duplicates)})
            log.info("skipped messages stored before", extra={"mailboxId": mailbox_id, "duplicates": result.duplicates})
        return result

    def _plan(
        self,
        workspace: firestore.DocumentReference,
        mailbox_id: str,
        sync_run_id: str,
        owners: frozenset[str],
        fetched: FetchedMessage,
    ) -> _MessagePlan:
        parsed = parse_message(fetched.raw, owner_addresses=owners, gmail_labels=frozenset(fetched.label_ids))
        occurred_at = _occurred_at(fetched, parsed)
        contacts: dict[str, _Tally] = {}
        companies: dict[str, _Tally] = {}
        people: list[dict[str, Any]] = []
        if not parsed.automated:
            for email, name, sent, received in _counted_people(parsed):
                contact_id = ids.contact_id(email)
                tally = contacts.setdefault(contact_id, _Tally(extra={"email": email}))
                tally.add(occurred_at, sent=sent, received=received, name=name)
                domain = company_domain(email)
                if domain:
                    tally.extra.update(companyId=domain, companyName=company_name_from_domain(domain))
                    companies.setdefault(domain, _Tally(extra={"domain": domain}))
                # Kept on the interaction so counters can be rebuilt from interactions (undo, purge).
                people.append(
                    {"contactId": contact_id, "email": email, "name": name, "sent": sent, "received": received}
                )
            for domain, tally in companies.items():
                tally.add(occurred_at, name=company_name_from_domain(domain))
        interaction = {
            "mailboxId": mailbox_id,
            "gmailMessageId": fetched.id,
            "threadId": fetched.thread_id,
            "rfcMessageId": parsed.message_id,
            "subject": parsed.subject,
            "snippet": " ".join(parsed.text.split())[:SNIPPET_CHARS],
            "occurredAt": occurred_at,
            "direction": parsed.direction,
            "fromEmail": parsed.author.email if parsed.author else None,
            "contactIds": sorted(contacts),
            "companyIds": sorted(companies),
            "people": people,
            "syncRunId": sync_run_id,
            "undone": False,
            "labelIds": list(fetched.label_ids),
            "automated": parsed.automated_reason,
            "createdAt": firestore.SERVER_TIMESTAMP,
        }
        ref = workspace.collection("interactions").document(ids.interaction_id(mailbox_id, fetched.id))
        return _MessagePlan(ref, interaction, contacts, companies)

    def _commit(
        self,
        workspace: firestore.DocumentReference,
        counters: list[firestore.DocumentReference],
        plans: list[_MessagePlan],
    ) -> int:
        """Commits the plans atomically; returns how many documents it wrote."""
        contacts: dict[str, _Tally] = {}
        companies: dict[str, _Tally] = {}
        batch = self._db.batch()
        for plan in plans:
            batch.create(plan.interaction_ref, plan.interaction)
            for key, tally in plan.contacts.items():
                contacts.setdefault(key, _Tally()).merge(tally)
            for key, tally in plan.companies.items():
                companies.setdefault(key, _Tally()).merge(tally)
        for contact_id, tally in contacts.items():
            batch.set(workspace.collection("contacts").document(contact_id), _contact_update(tally), merge=True)
        for domain, tally in companies.items():
            batch.set(workspace.collection("companies").document(domain), _company_update(tally), merge=True)
        mailbox, run = counters
        batch.update(mailbox, {"sync.stored": firestore.Increment(len(plans))})
        batch.set(run, {"stored": firestore.Increment(len(plans))}, merge=True)
        batch.commit()
        return len(plans) + len(contacts) + len(companies) + len(counters)


def _counted_people(parsed: ParsedMessage) -> Iterable[tuple[str, str | None, int, int]]:
    """(email, name, sent, received) for each person this message counts for.

    Mail the team sent counts as sent for every recipient; received mail counts for its author.
    Group mail only counts its author, so a 30-person thread doesn't create 30 contacts.
    """
    author = parsed.author.email if parsed.author else None
    for participant in parsed.participants:
        email = participant.email
        is_author = email == author
        if parsed.group_mail and not is_author:
            continue
        if parsed.direction == "outbound":
            yield email, participant.address.name, 0 if is_author else 1, 0
        else:
            yield email, participant.address.name, 0, 1 if is_author else 0


def _occurred_at(fetched: FetchedMessage, parsed: ParsedMessage) -> datetime:
    # Gmail's internalDate is when Gmail accepted the mail; the Date header is the sender's claim.
    if fetched.internal_date_ms > 0:
        return datetime.fromtimestamp(fetched.internal_date_ms / 1000, UTC)
    return parsed.date or datetime.now(UTC)


def _epoch_ms(at: datetime | None) -> int:
    assert at is not None  # a tally always holds at least one interaction
    return int(at.timestamp() * 1000)


def _counters(tally: _Tally) -> dict[str, Any]:
    # Firestore's minimum/maximum transforms take numbers only, so times are epoch milliseconds:
    # writers never read-modify-write, and late or replayed mail can't move "last" backwards.
    return {
        "interactionCount": firestore.Increment(tally.interactions),
        "firstInteractionMs": firestore.Minimum(_epoch_ms(tally.first)),
        "lastInteractionMs": firestore.Maximum(_epoch_ms(tally.last)),
        "updatedAt": firestore.SERVER_TIMESTAMP,
    }


def _contact_update(tally: _Tally) -> dict[str, Any]:
    update = _counters(tally)
    update["sentCount"] = firestore.Increment(tally.sent)
    update["receivedCount"] = firestore.Increment(tally.received)
    email = tally.extra["email"]
    update["email"] = email
    update["emails"] = firestore.ArrayUnion([email])
    if tally.name:
        update["name"] = tally.name
    for key in ("companyId", "companyName"):
        if key in tally.extra:
            update[key] = tally.extra[key]
    return update


def _company_update(tally: _Tally) -> dict[str, Any]:
    update = _counters(tally)
    update["domain"] = tally.extra["domain"]
    update["name"] = tally.name
    return update


def _chunks(plans: list[_MessagePlan]) -> Iterable[list[_MessagePlan]]:
    chunk: list[_MessagePlan] = []
    writes = 2  # the mailbox's and the sync run's counters
    for plan in plans:
        if chunk and writes + plan.writes > MAX_WRITES_PER_COMMIT:
            yield chunk
            chunk, writes = [], 2
        chunk.append(plan)
        writes += plan.writes
    if chunk:
        yield chunk
