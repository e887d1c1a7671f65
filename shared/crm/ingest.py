"""Turns fetched Gmail messages into interactions, contacts and companies, exactly once.

A message becomes one interaction document, created with a must-not-exist precondition in the
same atomic commit as every counter it moves. A message delivered again fails that commit as a
whole, so nothing is ever counted twice. Counters are aggregated over the whole batch first, so
a contact mailed ten times in a batch costs one write, not ten.

Who counts follows the workspace's policy (shared/crm/policy.py), decided with one read per
batch of the contacts it touches. Every interaction lists every person on it (`people`, each
`counted` or not; the uncounted also in `uncountedIds`): a person who is not a contact yet leaves
the counters alone, and when a later message creates their contact, their earlier mail is
counted then ("adopted"). Stored interactions change under a precondition on their update time
in the same commit as the counters they move, so adopting or approving twice counts once.

While a mailbox awaits approval of its first sync (shared/crm/preview.py), its mail is stored
`staged`: no counters, no contacts, only the preview's tallies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared import ids, notifications
from shared.clients import firestore_client
from shared.crm import member_strength
from shared.crm.member_strength import ContactTallies, EdgeTally, MemberTally
from shared.crm.policy import Policy, participant_domains
from shared.crm.preview import (
    PreviewService,
    PreviewState,
    PreviewTally,
    member_emails,
    own_addresses,
    preview_ref,
)
from shared.crm.search import indexed_union, search_tokens
from shared.deadletters import record_message_dead_letter
from shared.enrichment.touched import request_enrichment
from shared.errors import RetryLater
from shared.firestore_limits import MAX_COMMIT_BYTES, document_size
from shared.log import get_logger
from shared.mail.companies import company_domain, company_name_from_domain
from shared.mail.extract import Extraction, extract
from shared.mail.limits import (
    MAX_GMAIL_ID_BYTES,
    MAX_LABELS,
    MAX_NAME_CHARS,
    MAX_SIGNATURE_ITEMS,
    MAX_SIGNATURE_TEXT_CHARS,
    bounded,
    utf8_prefix,
)
from shared.mail.reply_context import stored_context
from shared.mail.signatures import SignatureFields
from shared.pipeline import progress
from shared.pipeline.fetched import FetchedBatch, FetchedMessage, batches_for
from shared.sharing import CONTENT_DELETES, content_ref, delete_content, forgetting, split_content, stub_of
from shared.workspace_settings import settings_of

log = get_logger("ingest")
MAX_WRITES_PER_COMMIT = 450  # Firestore allows 500 writes in one commit; keep a margin
COUNTER_WRITE_BYTES = 4096  # a bound on one counter update in a commit request, signature included
SNIPPET_CHARS = 200
MAX_ATTEMPTS = 6  # a commit fails when a contact appeared or an interaction changed meanwhile: plan again
MAX_MERGE_HOPS = 5
IN_QUERY_LIMIT = 30  # Firestore's array-contains-any takes at most 30 values
APPLY_PAGE = 200
# Raised by a lost race: a guarded contact now exists, or a stored interaction changed or went away.
_RACES = (exceptions.AlreadyExists, exceptions.FailedPrecondition, exceptions.NotFound)
# Raised by a commit Firestore (or its client) refuses as written: sent again, it fails again. A batch
# that fails so is split until the message that causes it stands alone (a dead letter then).
_REFUSED = (exceptions.InvalidArgument, ValueError, TypeError)
SIGNATURE_FIELDS = ("title", "company", "phones", "urls", "linkedin", "twitter", "address")


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    staged: int = 0
    writes: int = 0  # Firestore document writes committed
    contact_ids: set[str] = field(default_factory=set)  # contacts the stored messages touched


@dataclass(frozen=True)
class Person:
    """One person on a message, as the interaction keeps them."""

    email: str
    name: str | None
    sent: int  # mail the team sent them: 1 for each recipient of outbound mail
    received: int  # mail they sent the team: 1 for the author of inbound mail
    signature: dict[str, Any] | None = None  # the author's signature fields
    counted_as: str | None = None  # the contact a stored interaction counts them for: never moved again

    def stored(self, contact_id: str, counted: bool) -> dict[str, Any]:
        entry = {
            "contactId": contact_id,
            "email": self.email,
            "name": self.name,
            "sent": self.sent,
            "received": self.received,
            "counted": counted,
        }
        # Once counted, the signature has reached the contact (it is newest-wins there); only mail
        # that may count later (a contact not created yet, a preview waiting) keeps it. Every field
        # kept on an interaction is indexed and paid for on each of a mailbox's thousands of them.
        return entry | ({"signature": self.signature} if self.signature and not counted else {})

    def joined(self, other: Person) -> Person:
        """Two addresses of one person (merged contacts) on one message still count once."""
        return replace(
            self,
            sent=max(self.sent, other.sent),
            received=max(self.received, other.received),
            name=self.name or other.name,
            signature=self.signature or other.signature,
        )


@dataclass(frozen=True)
class MessageRecord:
    """A message to plan counters for: newly fetched, or an interaction stored before."""

    ref: firestore.DocumentReference
    occurred_at: datetime
    direction: str
    people: tuple[Person, ...]
    participants: tuple[str, ...]  # every address on it outside the team: what the blocklist reads
    skipped: str | None = None  # "automated", "unreadable" or "unstorable": nothing on it ever counts
    fields: dict[str, Any] = field(default_factory=dict)  # the rest of a new interaction
    counted: frozenset[str] = frozenset()  # contacts a stored interaction already counts
    counted_companies: frozenset[str] = frozenset()
    update_time: Any = None  # the version of a stored interaction that was read; None for new mail
    raw: bytes = field(default=b"", repr=False)  # new mail as fetched: what a dead letter keeps

    @property
    def mailbox_id(self) -> str | None:
        return self.fields.get("mailboxId")

    @property
    def thread_depth(self) -> int:
        """How many messages came before it in its thread, by its References: deeper counts more."""
        return int(self.fields.get("threadDepth") or 0)

    @property
    def is_new(self) -> bool:
        return self.update_time is None

    def unstorable(self, dead_letter_id: str) -> MessageRecord:
        """What stands for new mail that could not be stored: found again, never counted, replayable."""
        fields = stub_of(self.fields) | {"deadLetterId": dead_letter_id}
        return MessageRecord(self.ref, self.occurred_at, self.direction, (), (), "unstorable", fields)

    @classmethod
    def of_snapshot(cls, snapshot: firestore.DocumentSnapshot) -> MessageRecord:
        data = snapshot.to_dict() or {}
        counted = frozenset(data.get("contactIds") or ())
        people = tuple(
            Person(
                p["email"],
                p.get("name"),
                int(p.get("sent", 0)),
                int(p.get("received", 0)),
                p.get("signature"),
                counted_as=p["contactId"] if p.get("counted", True) and p.get("contactId") in counted else None,
            )
            for p in data.get("people") or []
        )
        skipped = data.get("skipped") if data.get("skipped") != "blocked" else None
        # What per-member strength needs of a stored interaction when it is counted later.
        kept: dict[str, Any] = {k: data[k] for k in ("mailboxId", "threadDepth") if k in data}
        return cls(
            ref=snapshot.reference,
            occurred_at=data["occurredAt"],
            direction=data.get("direction") or "inbound",
            people=people,
            participants=tuple(data.get("participantEmails") or ()),
            skipped="undone" if data.get("undone") else skipped,
            counted=counted,
            counted_companies=frozenset(data.get("companyIds") or ()),
            update_time=snapshot.update_time,
            fields=kept,
        )


class ContactBook:
    """The contacts a batch touches, read once: who exists, merge redirects, hand-edited fields."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self._documents = documents

    @classmethod
    def load(cls, db: firestore.Client, workspace: firestore.DocumentReference, emails: Iterable[str]) -> ContactBook:
        contacts = workspace.collection("contacts")
        documents: dict[str, dict[str, Any]] = {}
        wanted = {ids.contact_id(e) for e in emails}
        for _ in range(MAX_MERGE_HOPS):  # merge targets are read too, rarely more than one hop
            missing = sorted(wanted - documents.keys())
            if not missing:
                break
            found = {s.id: s.to_dict() or {} for s in db.get_all([contacts.document(i) for i in missing]) if s.exists}
            documents.update({i: found.get(i, {}) for i in missing})
            wanted = {d["mergedInto"] for d in found.values() if d.get("mergedInto")}
        return cls(documents)

    def resolve(self, email: str) -> str:
        """The contact that counts this address: its own, or the one it was merged into."""
        contact_id = ids.contact_id(email)
        for _ in range(MAX_MERGE_HOPS):
            target = self._documents.get(contact_id, {}).get("mergedInto")
            if not target:
                break
            contact_id = target
        return contact_id

    def exists(self, contact_id: str) -> bool:
        return bool(self._documents.get(contact_id))

    def get(self, contact_id: str) -> dict[str, Any]:
        return self._documents.get(contact_id, {})


@dataclass
class _Tally:
    """What one commit does to one contact or company."""

    sent: int = 0
    received: int = 0
    interactions: int = 0
    first: datetime | None = None
    last: datetime | None = None
    name: str | None = None
    name_at: datetime | None = None
    signature: dict[str, Any] | None = None
    signature_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    relations: ContactTallies = field(default_factory=ContactTallies)  # per-member strength, co-occurrence

    def add(self, at: datetime, *, sent: int = 0, received: int = 0, name: str | None = None) -> None:
        self.sent += sent
        self.received += received
        self.interactions += 1
        self.first = at if self.first is None else min(self.first, at)
        self.last = at if self.last is None else max(self.last, at)
        if name and (self.name_at is None or at >= self.name_at):
            self.name, self.name_at = name, at

    def sign(self, at: datetime, signature: dict[str, Any] | None) -> None:
        if signature and (self.signature_at is None or at >= self.signature_at):
            self.signature, self.signature_at = signature, at

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
        if other.signature_at is not None:
            self.sign(other.signature_at, other.signature)
        self.extra.update(other.extra)
        self.relations.merge(other.relations)


@dataclass
class _MessagePlan:
    """Everything one message writes."""

    record: MessageRecord
    interaction: dict[str, Any]
    preview_people: dict[str, Person]  # staged mail: its people by contact, for the preview's tallies
    contacts: dict[str, _Tally]  # contacts it newly counts for
    companies: dict[str, _Tally]
    guarded: set[str]  # contacts that must still not exist when it commits (their mail stays uncounted)
    content: dict[str, dict[str, Any]] = field(default_factory=dict)  # a new message's content, by part
    forget: bool = False  # stored mail turned blocked: its content goes

    @property
    def writes(self) -> int:
        # A staged message's preview tallies: one per person, per company and per automated sender.
        tallies = 2 * len(self.preview_people)
        content = len(self.content) + CONTENT_DELETES * self.forget
        return 2 + content + len(self.contacts) + len(self.companies) + len(self.guarded) + tallies

    @property
    def request_bytes(self) -> int:
        """About what it adds to a commit request: the interaction as Firestore sizes it, and a bound for
        each counter update (a few numbers, a name, a signature of bounded fields)."""
        content = sum(document_size(f"{self.record.ref.path}/content/{p}", v) for p, v in self.content.items())
        return document_size(self.record.ref.path, self.interaction) + content + COUNTER_WRITE_BYTES * (self.writes - 1)


@dataclass(frozen=True)
class _Context:
    """What a batch works under, read once."""

    workspace: firestore.DocumentReference
    policy: Policy
    staged: bool = False
    progress: tuple[str, str] | None = None  # (mailbox, sync run) whose progress new mail counts in
    preview: firestore.DocumentReference | None = None
    preview_opening: dict[str, Any] = field(default_factory=dict)  # fields of a preview not yet started
    mailbox: firestore.DocumentReference | None = None  # the mailbox's sync status, where failures show


@dataclass
class _Outcome:
    stored: int = 0
    duplicates: int = 0
    unstorable: list[tuple[MessageRecord, Exception]] = field(default_factory=list)  # refused even alone
    writes: int = 0
    touched: set[str] = field(default_factory=set)  # contacts the messages count for
    created: set[str] = field(default_factory=set)  # contacts the committed messages created


class Ingestor:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        extract_message: Callable[..., Extraction] = extract,
        dead_letter: Callable[..., str] = record_message_dead_letter,
        request_enrichment: Callable[[str, Iterable[str]], None] = request_enrichment,
        previews: PreviewService | None = None,
    ) -> None:
        self._db = db or firestore_client()
        self._extract = extract_message
        self._dead_letter = dead_letter
        self._request_enrichment = request_enrichment
        self._previews = previews

    @property
    def previews(self) -> PreviewService:
        if self._previews is None:
            self._previews = PreviewService(db=self._db)
        return self._previews

    # -- new mail ------------------------------------------------------------------------------------
    def ingest_batch(self, batch: FetchedBatch) -> IngestResult:
        """One batch of fetched mail into the CRM, then enrichment and relationship stats asked for
        the contacts it touched. What extract-messages does with each Pub/Sub message, and what a
        small incremental sync does itself (decision 10)."""
        result = self.ingest(
            workspace_id=batch.workspace_id,
            mailbox_id=batch.mailbox_id,
            owner_email=batch.owner_email,
            sync_run_id=batch.sync_run_id,
            messages=[item.to_message() for item in batch.messages],
        )
        log.info(
            "ingested",
            extra={
                "mailboxId": batch.mailbox_id,
                "stored": result.stored,
                "duplicates": result.duplicates,
                "writes": result.writes,
            },
        )
        if result.contact_ids and not batch.backfill:
            # Enrichment and relationship stats follow on their own subscriptions of this topic; a
            # backfill asks once for all its contacts when it is stored (shared/crm/followup.py).
            self._request_enrichment(batch.workspace_id, result.contact_ids)
        return result

    def ingest(
        self,
        *,
        workspace_id: str,
        mailbox_id: str,
        owner_email: str,
        sync_run_id: str,
        messages: Sequence[FetchedMessage],
    ) -> IngestResult:
        context = self._context(workspace_id, mailbox_id, owner_email, sync_run_id)
        # One message twice in a batch (an archive files it in several folders) is stored once: a
        # commit that creates one document twice fails whole.
        first_of: dict[str, FetchedMessage] = {}
        for message in messages:
            first_of.setdefault(message.id, message)
        unique = list(first_of.values())
        records = [self._record(context, workspace_id, mailbox_id, owner_email, sync_run_id, m) for m in unique]
        outcome = self._settle(context, records)
        outcome.duplicates += len(messages) - len(unique)
        if outcome.duplicates:
            batch = self._db.batch()
            self._count_progress(batch, context, messages[0].id, duplicates=outcome.duplicates)
            batch.commit()
            log.info(
                "skipped messages stored before", extra={"mailboxId": mailbox_id, "duplicates": outcome.duplicates}
            )
        if context.staged:
            self._after_staging(workspace_id, mailbox_id, records)
            return IngestResult(
                stored=outcome.stored, duplicates=outcome.duplicates, staged=outcome.stored, writes=outcome.writes
            )
        self._adopt(context, outcome.created)
        return IngestResult(
            stored=outcome.stored, duplicates=outcome.duplicates, writes=outcome.writes, contact_ids=outcome.touched
        )

    def _context(self, workspace_id: str, mailbox_id: str, owner_email: str, sync_run_id: str) -> _Context:
        workspace = self._db.collection("workspaces").document(workspace_id)
        mailbox_ref = workspace.collection("mailboxes").document(mailbox_id)
        preview = preview_ref(self._db, workspace_id, mailbox_id=mailbox_id)
        read = {s.reference.path: s.to_dict() for s in self._db.get_all([workspace, mailbox_ref, preview])}
        workspace_doc, mailbox = read.get(workspace.path) or {}, read.get(mailbox_ref.path) or {}
        settings = settings_of(workspace_doc)
        owners = own_addresses({"email": owner_email, **mailbox}, member_emails(workspace))
        staged = settings.require_preview and not mailbox.get("approval")
        opening: dict[str, Any] = {}
        # A discarded preview starts collecting again: the mailbox still awaits a decision.
        if staged and (read.get(preview.path) or {}).get("state") in (None, PreviewState.DISCARDED):
            opening = {"state": "collecting", "mailboxId": mailbox_id, "mailboxEmail": owner_email}
            opening["startedAt"] = firestore.SERVER_TIMESTAMP
        return _Context(
            workspace=workspace,
            policy=Policy.of(settings, own_addresses=owners),
            staged=staged,
            progress=(mailbox_id, sync_run_id),
            preview=preview if staged else None,
            preview_opening=opening,
            mailbox=mailbox_ref if mailbox else None,  # a deleted mailbox is not brought back by its status
        )

    def _record(
        self,
        context: _Context,
        workspace_id: str,
        mailbox_id: str,
        owner_email: str,
        sync_run_id: str,
        fetched: FetchedMessage,
    ) -> MessageRecord:
        ref = context.workspace.collection("interactions").document(
            ids.interaction_id(mailbox=mailbox_id, gmail_message_id=fetched.id)
        )
        base = {
            "mailboxId": mailbox_id,
            "gmailMessageId": fetched.id,
            "threadId": utf8_prefix(fetched.thread_id, MAX_GMAIL_ID_BYTES),
            "labelIds": [utf8_prefix(label, MAX_GMAIL_ID_BYTES) for label in fetched.label_ids[:MAX_LABELS]],
            "syncRunId": sync_run_id,
            "undone": False,
            "createdAt": firestore.SERVER_TIMESTAMP,
        }
        policy = context.policy
        try:
            extraction = self._extract(
                fetched.raw,
                owner_addresses=policy.own_addresses,
                gmail_labels=frozenset(fetched.label_ids),
                group_threshold=policy.group_threshold,
            )
        except Exception as error:  # kept for a person to look at; the rest of the batch goes on
            at = _occurred_at(fetched, None)
            record = MessageRecord(ref, at, "inbound", (), (), "unreadable", base | {"occurredAt": at}, raw=fetched.raw)
            # Kept as a batch of this one message, so that a replay sends it through extraction again.
            (alone,) = batches_for(
                [fetched],
                workspace_id=workspace_id,
                mailbox_id=mailbox_id,
                owner_email=owner_email,
                sync_run_id=sync_run_id,
            )
            reason = f"extraction failed: {_described(error)}"
            letter = self._keep_dead_letter(context, record, "extract", reason, replay=alone.encode())
            return replace(record, fields=record.fields | {"deadLetterId": letter, "direction": "inbound"})
        return _record_of(ref, base, fetched, extraction, policy)

    def _keep_dead_letter(
        self, context: _Context, record: MessageRecord, source: str, reason: str, *, replay: bytes | None = None
    ) -> str:
        """Keeps one message a person must look at, and why, in the dead letters of its mailbox. With
        `replay` (the message as a fetched-mail batch) a replay republishes it to mail-fetched, after
        removing the stand-in stored for it here."""
        mailbox_id = record.fields.get("mailboxId") or (context.progress or ("", ""))[0]
        letter = self._dead_letter(
            source=source,
            reason=reason[:500],
            payload=replay or record.raw or record.ref.path.encode(),
            workspace_id=context.workspace.id,
            mailbox_id=mailbox_id,
            message_id=record.fields.get("gmailMessageId") or record.ref.id,
            **({"topic": "mail_fetched", "stub_path": record.ref.path} if replay else {}),
        )
        log.warning("message kept as a dead letter", extra={"mailboxId": mailbox_id, "deadLetterId": letter})
        return letter

    def _after_staging(self, workspace_id: str, mailbox_id: str, records: list[MessageRecord]) -> None:
        mailbox = self._db.document("workspaces", workspace_id, "mailboxes", mailbox_id).get().to_dict() or {}
        if mailbox.get("approval"):
            # Approved while this batch was being staged: the approval's pass may have missed it.
            _, touched = self._apply(workspace_id, mailbox_id, [r.ref for r in records])
            if touched:
                self._request_enrichment(workspace_id, touched)
            return
        self.previews.on_progress(workspace_id, mailbox_id=mailbox_id, mailbox=mailbox)

    # -- approval ------------------------------------------------------------------------------------
    def apply_staged(self, workspace_id: str, *, mailbox_id: str) -> int:
        """Counts an approved mailbox's staged mail, page by page; safe to run again or concurrently."""
        interactions = self._db.collection("workspaces", workspace_id, "interactions")
        staged = (
            interactions.where(filter=FieldFilter("mailboxId", "==", mailbox_id))
            .where(filter=FieldFilter("staged", "==", True))
            .limit(APPLY_PAGE)
        )
        applied, touched = 0, set[str]()
        while page := list(staged.stream()):
            count, counted_for = self._apply(workspace_id, mailbox_id, [s.reference for s in page])
            applied += count
            touched |= counted_for
        self.previews.mark_applied(workspace_id, mailbox_id=mailbox_id, applied=applied)
        if touched:  # the contacts an approval created or counted mail for: stats and enrichment now
            self._request_enrichment(workspace_id, touched)
        return applied

    def _apply(
        self, workspace_id: str, mailbox_id: str, refs: list[firestore.DocumentReference]
    ) -> tuple[int, set[str]]:
        """Counts staged interactions; returns how many there were and the contacts they count for."""
        context = self._counting_context(workspace_id, mailbox_id)
        records = [MessageRecord.of_snapshot(s) for s in self._db.get_all(refs) if s.exists]
        outcome = self._settle(context, records)
        self._adopt(context, outcome.created)
        return len(records), outcome.touched

    def adopt_mail_of(self, workspace_id: str, *, mailbox_id: str, contact_ids: Iterable[str]) -> set[str]:
        """Counts the earlier, uncounted mail of contacts created outside ingestion (by a meeting from the
        calendar, shared/calendar/meetings.py) as ingestion does for those it creates; returns the contacts
        that mail now counts for."""
        return self._adopt(self._counting_context(workspace_id, mailbox_id), set(contact_ids))

    def _counting_context(self, workspace_id: str, mailbox_id: str) -> _Context:
        """What stored mail is counted under, outside a sync: the workspace's policy seen from the mailbox."""
        workspace = self._db.collection("workspaces").document(workspace_id)
        mailbox = workspace.collection("mailboxes").document(mailbox_id).get().to_dict() or {}
        settings = settings_of(workspace.get().to_dict() or {})
        policy = Policy.of(settings, own_addresses=own_addresses(mailbox, member_emails(workspace)))
        return _Context(workspace=workspace, policy=policy)

    # -- planning and committing ---------------------------------------------------------------------
    def _settle(self, context: _Context, records: list[MessageRecord]) -> _Outcome:
        """Plans and commits; a commit that lost a race is planned again from a fresh read."""
        outcome = _Outcome()
        pending = records
        for _ in range(MAX_ATTEMPTS):
            if not pending:
                return outcome
            emails = {p.email for r in pending for p in r.people}
            book = ContactBook.load(self._db, context.workspace, emails)
            plans = _plan_all(context, pending, book)
            # Duplicates included: if asking for enrichment failed after an earlier commit, the redelivery asks again.
            outcome.touched.update(c for plan in plans for c in plan.interaction["contactIds"])
            lost: list[MessageRecord] = []
            for chunk in _chunks(plans):
                self._commit_or_split(context, chunk, book, outcome, lost)
            pending = self._read_again(lost, outcome) + self._stand_ins(context, outcome)
        if pending:
            raise RetryLater("contacts kept changing while this mail was counted; it will be tried again")
        return outcome

    def _commit_or_split(
        self,
        context: _Context,
        chunk: list[_MessagePlan],
        book: ContactBook,
        outcome: _Outcome,
        lost: list[MessageRecord],
    ) -> None:
        """Commits a chunk; one Firestore refuses is split in halves until the message it refuses stands
        alone, so one bad message never holds back the rest of its batch."""
        try:
            outcome.writes += self._commit(context, chunk, book)
        except _RACES:
            lost.extend(plan.record for plan in chunk)
            return
        except _REFUSED as error:
            if len(chunk) > 1:
                middle = len(chunk) // 2
                self._commit_or_split(context, chunk[:middle], book, outcome, lost)
                self._commit_or_split(context, chunk[middle:], book, outcome, lost)
                return
            if chunk[0].record.skipped == "unstorable":
                raise  # even a message's stand-in is refused: the fault is not the message's
            outcome.unstorable.append((chunk[0].record, error))
            return
        outcome.stored += sum(plan.record.is_new for plan in chunk)
        outcome.created.update(c for plan in chunk for c in plan.contacts if not book.exists(c))

    def _stand_ins(self, context: _Context, outcome: _Outcome) -> list[MessageRecord]:
        """Messages refused even alone become dead letters; new mail is stored as a stand-in that counts
        nothing, so the sync's progress completes and a redelivery finds it stored."""
        stand_ins: list[MessageRecord] = []
        for record, error in outcome.unstorable:
            letter = self._keep_dead_letter(context, record, "ingest", f"could not be stored: {_described(error)}")
            if record.is_new:
                stand_ins.append(record.unstorable(letter))
        outcome.unstorable.clear()
        return stand_ins

    def _read_again(self, records: list[MessageRecord], outcome: _Outcome) -> list[MessageRecord]:
        """New mail already stored is a duplicate; stored interactions are planned from their new version."""
        if not records:
            return []
        current = {s.reference.path: s for s in self._db.get_all([r.ref for r in records])}
        again: list[MessageRecord] = []
        for record in records:
            snapshot = current.get(record.ref.path)
            exists = snapshot is not None and snapshot.exists
            if record.is_new and exists:
                outcome.duplicates += 1
            elif record.is_new:
                again.append(record)
            elif exists and snapshot is not None:
                again.append(MessageRecord.of_snapshot(snapshot))
        return again

    def _commit(self, context: _Context, plans: list[_MessagePlan], book: ContactBook) -> int:
        """Commits the plans atomically; returns how many document writes that took."""
        contacts: dict[str, _Tally] = {}
        companies: dict[str, _Tally] = {}
        guarded: set[str] = set()
        batch = self._db.batch()
        for plan in plans:
            record = plan.record
            if record.is_new:
                batch.create(record.ref, plan.interaction)
                for part, values in plan.content.items():
                    batch.set(content_ref(record.ref, part), values)
            else:
                batch.update(
                    record.ref, plan.interaction, option=self._db.write_option(last_update_time=record.update_time)
                )
                if plan.forget:
                    delete_content(batch, record.ref)
            for key, tally in plan.contacts.items():
                contacts.setdefault(key, _Tally()).merge(tally)
            for key, tally in plan.companies.items():
                companies.setdefault(key, _Tally()).merge(tally)
            guarded |= plan.guarded
        people = context.workspace.collection("contacts")
        for contact_id in sorted(guarded):
            # Fails the commit if the contact appeared since the read: its mail must then count.
            batch.delete(people.document(contact_id), option=self._db.write_option(exists=False))
        for contact_id, tally in contacts.items():
            update = _contact_update(contact_id, tally, book.get(contact_id))
            batch.set(people.document(contact_id), update, merge=True)
        for domain, tally in companies.items():
            batch.set(context.workspace.collection("companies").document(domain), _company_update(tally), merge=True)
        new = sum(plan.record.is_new for plan in plans)
        if new:
            self._count_progress(batch, context, plans[0].record.ref.id, stored=new)
        failed = sum(plan.record.is_new and "deadLetterId" in plan.record.fields for plan in plans)
        if failed and context.mailbox is not None:
            # Shown in the mailbox's sync status; counted in the commit that stores the stand-in, so once.
            batch.set(context.mailbox, {"sync": {"failed": firestore.Increment(failed)}}, merge=True)
            self._tell_messages_failed(batch, context, plans[0].record.ref.id, failed)
        if context.preview is not None:
            _preview_tally(plans, book).write(batch, context.preview, context.preview_opening)
        batch.commit()
        return len(batch)

    def _tell_messages_failed(self, batch: firestore.WriteBatch, context: _Context, key: str, failed: int) -> None:
        """The mailbox's owner hears of messages that could not be taken in: one notice per sync run (its
        count adding up batch by batch), written in the commit that counts them, so once per message."""
        assert context.mailbox is not None
        owner = context.mailbox.get(field_paths=["ownerUid", "email"]).to_dict() or {}
        if not owner.get("ownerUid"):
            return
        run = context.progress[1] if context.progress else key
        notice = notifications.Notification(
            kind=notifications.NotificationKind.SYNC_FAILED,
            recipient_uid=str(owner["ownerUid"]),
            key=f"messages-failed-{context.mailbox.id}-{run}",
            title=f"Some messages from {owner.get('email') or 'your mailbox'} could not be taken in",
            body="They are kept as dead letters in Settings, with the reason.",
            link={"kind": "settings", "id": context.mailbox.id},
            extra={"count": firestore.Increment(failed)},
        )
        notifications.add(batch, context.workspace, notice, datetime.now(UTC), merge=True)

    def _count_progress(self, batch: firestore.WriteBatch, context: _Context, key: str, **counts: int) -> None:
        """Sync progress goes to sharded counters (shared/pipeline/progress.py): many batches commit at once."""
        if context.progress is None:
            return
        mailbox_id, run_id = context.progress
        workspace_id = context.workspace.id
        progress.add(batch, progress.mailbox_shard(self._db, workspace_id, mailbox_id=mailbox_id, key=key), **counts)
        progress.add(batch, progress.run_shard(self._db, workspace_id, run_id=run_id, key=key), **counts)

    # -- adoption: earlier mail of a contact created just now --------------------------------------------
    def _adopt(self, context: _Context, created: set[str]) -> set[str]:
        adopted: set[str] = set()
        touched: set[str] = set()
        while pending := created - adopted:
            adopted |= pending
            records = self._uncounted_mail_of(context.workspace, sorted(pending))
            if records:
                outcome = self._settle(replace(context, progress=None, preview=None), records)
                created = created | outcome.created
                touched |= outcome.touched
        return touched

    def _uncounted_mail_of(self, workspace: firestore.DocumentReference, contact_ids: list[str]) -> list[MessageRecord]:
        interactions = workspace.collection("interactions")
        found: dict[str, MessageRecord] = {}
        for start in range(0, len(contact_ids), IN_QUERY_LIMIT):
            chunk = contact_ids[start : start + IN_QUERY_LIMIT]
            query = interactions.where(filter=FieldFilter("uncountedIds", "array_contains_any", chunk))
            for snapshot in query.stream():
                if not (snapshot.to_dict() or {}).get("staged"):  # staged mail waits for its approval
                    found[snapshot.id] = MessageRecord.of_snapshot(snapshot)
        return list(found.values())


# -- planning: pure functions of a record, the contacts read and the policy ---------------------------------


def _record_of(
    ref: firestore.DocumentReference,
    base: dict[str, Any],
    fetched: FetchedMessage,
    extraction: Extraction,
    policy: Policy,
) -> MessageRecord:
    message = extraction.message
    author = message.author.email if message.author else None
    outbound = message.direction == "outbound"
    people = tuple(
        Person(
            card.email,
            bounded(card.name, MAX_NAME_CHARS),
            sent=int(outbound and card.email != author),
            received=int(not outbound and card.email == author),
            signature=_signature(extraction.signature_fields) if card.email == author else None,
        )
        for card in extraction.contacts
        if not policy.is_own(card.email)
    )
    participants = tuple(dict.fromkeys([p.email for p in message.participants] + ([author] if author else [])))
    participants = tuple(p for p in participants if not policy.is_own(p))
    occurred_at = _occurred_at(fetched, message.date)
    fields = base | {
        "rfcMessageId": message.message_id,
        "subject": message.subject,
        "snippet": bounded(
            " ".join((extraction.reply_text or message.text)[: 16 * SNIPPET_CHARS].split()), SNIPPET_CHARS
        ),
        "occurredAt": occurred_at,
        "direction": message.direction,
        "fromEmail": author,
        "automated": message.automated_reason,
        "participantEmails": list(participants),
        "participantDomains": participant_domains(participants),
        "threadDepth": len(message.references) or int(message.in_reply_to is not None),
    }
    if context := stored_context(extraction.reply_context):
        fields["replyContext"] = context  # only where it differs from the reply: documents stay small
    skipped = "automated" if message.automated else None
    return MessageRecord(ref, occurred_at, message.direction, people, participants, skipped, fields, raw=fetched.raw)


def _signature(fields: SignatureFields | None) -> dict[str, Any] | None:
    if fields is None:
        return None
    values: dict[str, Any] = {}
    for name in SIGNATURE_FIELDS:
        value = getattr(fields, name)
        if isinstance(value, tuple | list):  # phones, urls
            values[name] = [bounded(item, MAX_SIGNATURE_TEXT_CHARS) for item in value[:MAX_SIGNATURE_ITEMS]]
        else:
            values[name] = bounded(value, MAX_SIGNATURE_TEXT_CHARS)
    return values if any(values.values()) else None


def _skip_reason(context: _Context, record: MessageRecord) -> str | None:
    if record.skipped:
        return record.skipped
    # Mail in the CRM already leaves it through the blocklist clean-up, never half-way here.
    if not context.staged and not record.counted and context.policy.blocks(record.participants):
        return "blocked"
    return None


def _plan_all(context: _Context, records: list[MessageRecord], book: ContactBook) -> list[_MessagePlan]:
    """Plans a batch; a person whom any of its messages creates counts on every one of them."""
    creating: set[str] = set()
    if not context.staged:
        for record in records:
            if _skip_reason(context, record):
                continue
            for person in record.people:
                contact_id = book.resolve(person.email)
                if not book.exists(contact_id) and context.policy.creates(record.direction, person.sent):
                    creating.add(contact_id)
    return [_plan(context, record, book, creating) for record in records]


def _plan(context: _Context, record: MessageRecord, book: ContactBook, creating: set[str]) -> _MessagePlan:
    skipped = _skip_reason(context, record)
    people: dict[str, Person] = {}
    if skipped is None:
        for person in record.people:
            if context.policy.is_own(person.email):
                continue
            # Counted once for a contact, a person stays with it (a later merge moved those counts itself).
            contact_id = person.counted_as or book.resolve(person.email)
            people[contact_id] = people[contact_id].joined(person) if contact_id in people else person
    counting = set() if context.staged else {c for c in people if book.exists(c) or c in creating}
    counted = record.counted | counting
    newly = counting - record.counted
    contacts: dict[str, _Tally] = {}
    for contact_id in newly:
        person = people[contact_id]
        tally = contacts[contact_id] = _Tally(extra={"email": person.email})
        tally.add(record.occurred_at, sent=person.sent, received=person.received, name=person.name)
        tally.sign(record.occurred_at, person.signature)
        domain = company_domain(person.email)
        if domain:
            tally.extra.update(companyId=domain, companyName=company_name_from_domain(domain))
        tally.extra["redirected"] = contact_id != ids.contact_id(person.email)
        _tally_relations(tally.relations, record, person, contact_id, counting)
    counted_companies = {d for d in (company_domain(people[c].email) for c in counting) if d}
    companies: dict[str, _Tally] = {}
    for domain in counted_companies - record.counted_companies:
        companies[domain] = _Tally(extra={"domain": domain})
        companies[domain].add(record.occurred_at, name=company_name_from_domain(domain))
    uncounted = sorted(set(people) - counted)
    interaction = {
        "people": [person.stored(c, c in counted) for c, person in people.items()],
        "contactIds": sorted(counted),
        "companyIds": sorted(record.counted_companies | counted_companies),
        "uncountedIds": [] if context.staged else uncounted,
        "staged": context.staged,
        "skipped": skipped,
    }
    content: dict[str, dict[str, Any]] = {}
    if record.is_new:
        # Content lives apart from the metadata so the rules can hide it (shared/sharing.py);
        # blocked and unreadable mail keeps none, only a stub.
        metadata, content = split_content(record.fields)
        interaction = metadata | interaction
        if skipped in ("blocked", "unreadable", "unstorable"):
            interaction, content = stub_of(interaction), {}
    forget = not record.is_new and skipped == "blocked"  # staged mail met the blocklist at its approval
    if forget:
        interaction |= forgetting()
    guarded = set() if context.staged else {c for c in uncounted if not book.exists(c)}
    preview_people = people if context.staged else {}
    return _MessagePlan(record, interaction, preview_people, contacts, companies, guarded, content, forget)


def _tally_relations(
    relations: ContactTallies, record: MessageRecord, person: Person, contact_id: str, counting: set[str]
) -> None:
    """The mailbox's strength with this contact, and whom else it was on this message with (a handful at
    most: a broadcast introduces nobody). Metadata only, which every sharing level shows (decision 19)."""
    at_ms = _epoch_ms(record.occurred_at)
    mailbox_id = record.mailbox_id
    if mailbox_id:
        relations.members.setdefault(mailbox_id, MemberTally()).add(
            at_ms=at_ms,
            sent=person.sent,
            received=person.received,
            depth=record.thread_depth,
            interaction_id=record.ref.id,
        )
    if 1 < len(counting) <= member_strength.MAX_COOCCUR_PEOPLE:
        for other in counting - {contact_id}:
            relations.edges.setdefault(other, EdgeTally()).add(at_ms=at_ms, interaction_id=record.ref.id)


def _preview_tally(plans: list[_MessagePlan], book: ContactBook) -> PreviewTally:
    tally = PreviewTally()
    for plan in plans:
        record = plan.record
        if not record.is_new:
            continue
        tally.messages += 1
        if record.skipped == "automated":
            tally.automated_messages += 1
            tally.automated_sender(record.fields.get("fromEmail") or "unknown", record.fields.get("automated") or "")
        at_ms = _epoch_ms(record.occurred_at)
        for contact_id, person in plan.preview_people.items():
            domain = company_domain(person.email)
            tally.person(
                contact_id,
                email=person.email,
                name=person.name,
                domain=domain,
                sent=person.sent,
                received=person.received,
                existing=book.exists(contact_id),
                at_ms=at_ms,
            )
        for domain in {d for d in (company_domain(p.email) for p in plan.preview_people.values()) if d}:
            tally.company(domain)
    return tally


def _occurred_at(fetched: FetchedMessage, date: datetime | None) -> datetime:
    # Gmail's internalDate is when Gmail accepted the mail; the Date header is the sender's claim.
    if fetched.internal_date_ms > 0:
        return datetime.fromtimestamp(fetched.internal_date_ms / 1000, UTC)
    return date or datetime.now(UTC)


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


def _contact_update(contact_id: str, tally: _Tally, stored: dict[str, Any]) -> dict[str, Any]:
    """Counters always; identity only on the contact's own address (not when merged into it); never a
    field a person edited (`manualFields`); the signature only when newer than the one stored."""
    update = _counters(tally)
    update["sentCount"] = firestore.Increment(tally.sent)
    update["receivedCount"] = firestore.Increment(tally.received)
    manual = set(stored.get("manualFields") or ())
    proposed: dict[str, Any] = {}
    if not tally.extra.get("redirected"):
        email = tally.extra["email"]
        update["emails"] = firestore.ArrayUnion([email])
        proposed.update(email=email, name=tally.name)
        proposed.update({k: tally.extra[k] for k in ("companyId", "companyName") if k in tally.extra})
    stored_at = int((stored.get("signature") or {}).get("atMs") or 0)
    if tally.signature and tally.signature_at and _epoch_ms(tally.signature_at) > stored_at:
        update["signature"] = tally.signature | {"atMs": _epoch_ms(tally.signature_at)}
        proposed.update(
            title=tally.signature.get("title"),
            phones=tally.signature.get("phones") or None,
            address=tally.signature.get("address"),
        )
    if not stored:
        update["createdAt"] = firestore.SERVER_TIMESTAMP
    applied = {k: v for k, v in proposed.items() if v and k not in manual}
    update.update(applied)
    update.update(member_strength.update_fields(tally.relations, stored, firestore.Increment, firestore.Maximum))
    _add_search_tokens(update, [applied.get(k) for k in ("name", "email", "companyName", "title")])
    return update


def _add_search_tokens(update: dict[str, Any], values: Iterable[Any]) -> None:
    """Records made from mail are found by search like those made through the API (shared/crm/search.py).
    A union (of the list, and of the map's keys under a merging set), so no writer reads first; an edit
    through the API rewrites both whole."""
    tokens = search_tokens(values)
    if tokens:
        update.update(indexed_union(tokens))


def _company_update(tally: _Tally) -> dict[str, Any]:
    update = _counters(tally)
    update["domain"] = tally.extra["domain"]
    update["name"] = tally.name
    _add_search_tokens(update, (tally.name, tally.extra["domain"]))
    return update


def _chunks(plans: list[_MessagePlan]) -> Iterable[list[_MessagePlan]]:
    """Plans in commits of at most MAX_WRITES_PER_COMMIT writes and MAX_COMMIT_BYTES."""
    chunk: list[_MessagePlan] = []
    fixed = 4  # the mailbox's and the sync run's counters, the preview, the mailbox's failures
    writes, size = fixed, 0
    for plan in plans:
        plan_bytes = plan.request_bytes
        if chunk and (writes + plan.writes > MAX_WRITES_PER_COMMIT or size + plan_bytes > MAX_COMMIT_BYTES):
            yield chunk
            chunk, writes, size = [], fixed, 0
        chunk.append(plan)
        writes += plan.writes
        size += plan_bytes
    if chunk:
        yield chunk


def _described(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
