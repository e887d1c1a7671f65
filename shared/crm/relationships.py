"""Relationship stats per contact and company: reply times, frequency, a decaying strength, going cold.

`compute_stats` is pure: it reads one contact's recent interactions (as `Touch`es) and a clock.
`RelationshipStats` does the Firestore I/O around it. The strength formula and its reasoning are
in docs/decisions/0005-relationship-strength.md; the web decays a stored score with `decayed_strength`'s
formula, so a score read a month after it was computed is still right.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared import notifications
from shared.clients import firestore_client
from shared.crm import health, intro_via, member_strength
from shared.crm.decay import DAY_MS, decay_factor, squash
from shared.log import get_logger
from shared.notifications import Notification, NotificationKind

log = get_logger("relationships")
WINDOW = 500  # newest interactions read per contact: bounds cost for the busiest correspondents
PAGE = 200
INTERACTION_FIELDS = ["occurredAt", "threadId", "direction", "people", "kind", "pending"]
# A contact this strong (0-100) when it goes cold is one of someone's top contacts: they hear of it.
TOP_CONTACT_SCORE = 35.0
# Sparse fields for short lists (the Gmail sidebar's homepage, decision 28): a contact holds each only while
# it applies, so a query ordered on one reads the few contacts that have it, however big the workspace.
COLD_SINCE_FIELD = "coldSinceMs"  # while going cold: when the silence passed its threshold
RECENT_FIELD = "recentMs"  # while heard from in the last RECENT_DAYS: when
RECENT_DAYS = 14


class TouchRole(StrEnum):
    """What one interaction was for one contact."""

    THEY_WROTE = "they_wrote"  # inbound mail they authored
    WE_WROTE = "we_wrote"  # outbound mail addressed to them
    COPIED = "copied"  # on the mail, but neither author nor our addressee (cc'd on someone else's mail)
    MET = "met"  # a meeting from the calendar that has taken place (shared/calendar/meetings.py)


@dataclass(frozen=True)
class RelationshipPolicy:
    half_life_days: float = 45.0
    # Raw strength at which the score reaches 63 (1 - 1/e): a monthly two-way exchange kept up for a while.
    scale: float = 10.0
    # A message in a thread where both sides wrote counts double a one-way message; being copied counts half.
    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "exchange": 2.0,
            TouchRole.THEY_WROTE: 1.0,
            TouchRole.WE_WROTE: 1.0,
            TouchRole.COPIED: 0.5,
            TouchRole.MET: 2.0,  # two-way, as a message in a conversation
        }
    )
    frequency_window_days: int = 180
    frequency_period_days: int = 30
    # A reply later than this answers nothing: it starts a new conversation in an old thread.
    max_reply_days: float = 30.0
    # Mail closer together than this is one "moment" of contact, so a lively thread is not a rhythm of minutes.
    moment_days: float = 1.0
    cold_min_moments: int = 3  # two gaps at least before a rhythm means anything
    cold_multiplier: float = 2.5
    cold_min_days: float = 14.0


DEFAULT_POLICY = RelationshipPolicy()


@dataclass(frozen=True)
class Touch:
    at_ms: int
    thread_id: str | None
    role: TouchRole


@dataclass(frozen=True)
class Strength:
    score: float
    raw: float
    as_of_ms: int
    half_life_days: float
    scale: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "raw": self.raw,
            "asOfMs": self.as_of_ms,
            "halfLifeDays": self.half_life_days,
            "scale": self.scale,
        }

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> Strength:
        return cls(
            score=float(stored["score"]),
            raw=float(stored["raw"]),
            as_of_ms=int(stored["asOfMs"]),
            half_life_days=float(stored["halfLifeDays"]),
            scale=float(stored["scale"]),
        )


@dataclass(frozen=True)
class ContactStats:
    my_reply_avg_ms: int | None  # how fast we answer them
    my_replies: int
    their_reply_avg_ms: int | None  # how fast they answer us
    their_replies: int
    per_period: float  # interactions per `frequency_period_days` over the last `frequency_window_days`
    median_gap_ms: int | None
    cold_after_ms: int | None  # past this time with no mail, the relationship is going cold
    going_cold: bool
    interactions_seen: int
    strength: Strength

    def to_fields(self) -> dict[str, Any]:
        """The contact document's fields these stats own."""
        return {
            "relationship": {
                "myReplyAvgMs": self.my_reply_avg_ms,
                "myReplies": self.my_replies,
                "theirReplyAvgMs": self.their_reply_avg_ms,
                "theirReplies": self.their_replies,
                "interactionsPer30Days": self.per_period,
                "medianGapMs": self.median_gap_ms,
                "coldAfterMs": self.cold_after_ms,
                "interactionsSeen": self.interactions_seen,
                "asOfMs": self.strength.as_of_ms,
            },
            "strength": self.strength.to_dict(),
            "goingCold": self.going_cold,
        }


# ---- pure computation ----------------------------------------------------------------------------------------


def decayed_strength(strength: Strength, now_ms: int) -> Strength:
    """The same strength later, with no interaction since: raw halves every half-life, then squashes again."""
    raw = strength.raw * decay_factor(now_ms - strength.as_of_ms, strength.half_life_days)
    return Strength(squash(raw, strength.scale), raw, now_ms, strength.half_life_days, strength.scale)


def compute_strength(touches: Sequence[Touch], now_ms: int, policy: RelationshipPolicy = DEFAULT_POLICY) -> Strength:
    exchange_threads = _threads_with_both_sides(touches)
    raw = sum(
        _weight(touch, exchange_threads, policy) * decay_factor(now_ms - touch.at_ms, policy.half_life_days)
        for touch in touches
    )
    return Strength(squash(raw, policy.scale), raw, now_ms, policy.half_life_days, policy.scale)


def reply_times(touches: Sequence[Touch], max_reply_ms: float) -> tuple[list[int], list[int]]:
    """(how long we took to answer them, how long they took to answer us), paired within each thread.

    A reply answers the earliest unanswered message of the other side in its thread, so several
    messages in a row count as one wait, measured from the first. Threads never pair with each other.
    """
    mine: list[int] = []
    theirs: list[int] = []
    for thread in _by_thread(touches).values():
        waiting_since: dict[TouchRole, int] = {}  # side → when its earliest unanswered message arrived
        for touch in thread:
            if touch.role not in (TouchRole.THEY_WROTE, TouchRole.WE_WROTE):
                continue  # copied mail and meetings answer nothing
            other = TouchRole.WE_WROTE if touch.role is TouchRole.THEY_WROTE else TouchRole.THEY_WROTE
            asked_at = waiting_since.pop(other, None)
            if asked_at is not None and touch.at_ms - asked_at <= max_reply_ms:
                (mine if touch.role is TouchRole.WE_WROTE else theirs).append(touch.at_ms - asked_at)
            waiting_since.setdefault(touch.role, touch.at_ms)
    return mine, theirs


def interactions_per_period(
    touches: Sequence[Touch], now_ms: int, policy: RelationshipPolicy = DEFAULT_POLICY
) -> float:
    since = now_ms - policy.frequency_window_days * DAY_MS
    recent = sum(1 for touch in touches if since <= touch.at_ms <= now_ms)
    return round(recent * policy.frequency_period_days / policy.frequency_window_days, 2)


def contact_moments(times_ms: Iterable[int], moment_ms: float) -> list[int]:
    """Start times of the separate moments of contact: mail within `moment_ms` of a moment's start joins it."""
    moments: list[int] = []
    for at in sorted(times_ms):
        if not moments or at - moments[-1] >= moment_ms:
            moments.append(at)
    return moments


def cold_threshold(
    times_ms: Iterable[int], policy: RelationshipPolicy = DEFAULT_POLICY
) -> tuple[int | None, int | None]:
    """(median gap between moments of contact, when silence becomes "going cold"); (None, None) without a rhythm."""
    times = sorted(times_ms)
    moments = contact_moments(times, policy.moment_days * DAY_MS)
    if len(moments) < policy.cold_min_moments:
        return None, None
    median_gap = int(statistics.median(later - earlier for earlier, later in itertools.pairwise(moments)))
    allowed_silence = max(policy.cold_multiplier * median_gap, policy.cold_min_days * DAY_MS)
    return median_gap, int(times[-1] + allowed_silence)


def compute_stats(touches: Sequence[Touch], now_ms: int, policy: RelationshipPolicy = DEFAULT_POLICY) -> ContactStats:
    ordered = sorted(touches, key=lambda touch: touch.at_ms)
    mine, theirs = reply_times(ordered, policy.max_reply_days * DAY_MS)
    median_gap, cold_after = cold_threshold((touch.at_ms for touch in ordered), policy)
    return ContactStats(
        my_reply_avg_ms=_mean(mine),
        my_replies=len(mine),
        their_reply_avg_ms=_mean(theirs),
        their_replies=len(theirs),
        per_period=interactions_per_period(ordered, now_ms, policy),
        median_gap_ms=median_gap,
        cold_after_ms=cold_after,
        going_cold=cold_after is not None and now_ms > cold_after,
        interactions_seen=len(ordered),
        strength=compute_strength(ordered, now_ms, policy),
    )


def touch_from_interaction(interaction: Mapping[str, Any], contact_id: str) -> Touch | None:
    """What a stored interaction was for one contact; None when the contact is not on it."""
    people = [p for p in interaction.get("people") or [] if p.get("contactId") == contact_id]
    occurred_at = interaction.get("occurredAt")
    if not people or not isinstance(occurred_at, datetime):
        return None
    if interaction.get("kind") == "meeting":
        # A meeting still to come is no contact yet; it counts once it has ended.
        return None if interaction.get("pending") else Touch(epoch_ms(occurred_at), None, TouchRole.MET)
    if any(p.get("received") for p in people):
        role = TouchRole.THEY_WROTE
    elif any(p.get("sent") for p in people):
        role = TouchRole.WE_WROTE
    else:
        role = TouchRole.COPIED
    return Touch(at_ms=epoch_ms(occurred_at), thread_id=interaction.get("threadId"), role=role)


def epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _mean(values: Sequence[int]) -> int | None:
    return int(statistics.fmean(values)) if values else None


def _by_thread(touches: Iterable[Touch]) -> dict[str | None, list[Touch]]:
    threads: dict[str | None, list[Touch]] = defaultdict(list)
    for touch in sorted(touches, key=lambda touch: touch.at_ms):
        threads[touch.thread_id].append(touch)
    return threads


def _threads_with_both_sides(touches: Iterable[Touch]) -> set[str]:
    sides: dict[str, set[TouchRole]] = defaultdict(set)
    for touch in touches:
        if touch.thread_id is not None:
            sides[touch.thread_id].add(touch.role)
    return {thread for thread, roles in sides.items() if {TouchRole.THEY_WROTE, TouchRole.WE_WROTE} <= roles}


def _weight(touch: Touch, exchange_threads: set[str], policy: RelationshipPolicy) -> float:
    if touch.thread_id in exchange_threads and touch.role is not TouchRole.COPIED:
        return policy.weights["exchange"]
    return policy.weights[touch.role]


# ---- Firestore -----------------------------------------------------------------------------------------------


@dataclass
class RefreshReport:
    contacts: int = 0
    decayed: int = 0  # silent long enough that only decay could change: no interactions read
    companies: int = 0
    skipped: int = 0  # gone, or an alias of another contact
    workspaces: int = 0
    companies_touched: set[str] = field(default_factory=set)

    def add(self, other: RefreshReport) -> None:
        self.contacts += other.contacts
        self.decayed += other.decayed
        self.companies += other.companies
        self.skipped += other.skipped
        self.workspaces += other.workspaces

    def summary(self) -> dict[str, int]:
        return {
            "contacts": self.contacts,
            "decayed": self.decayed,
            "companies": self.companies,
            "skipped": self.skipped,
            "workspaces": self.workspaces,
        }


class RelationshipStats:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        policy: RelationshipPolicy = DEFAULT_POLICY,
        window: int = WINDOW,
    ) -> None:
        self._db = db or firestore_client()
        self._now = now
        self._policy = policy
        self._window = window

    def _workspace(self, workspace_id: str) -> firestore.DocumentReference:
        return self._db.collection("workspaces").document(workspace_id)

    def refresh_contacts(self, workspace_id: str, *, contact_ids: Iterable[str]) -> RefreshReport:
        """Recomputes the named contacts (an alias refreshes the contact it was merged into), then their companies."""
        report = RefreshReport()
        named = self._read(workspace_id, contact_ids)
        report.skipped += sum(1 for contact in named.values() if contact is None)
        redirected = {c["mergedInto"] for c in named.values() if c and c.get("mergedInto")} - set(named)
        contacts = {**named, **self._read(workspace_id, redirected)}
        now_ms = epoch_ms(self._now())
        updates = {
            contact_id: (contact, self._stats_fields(workspace_id, contact_id, contact, now_ms))
            for contact_id, contact in sorted(contacts.items())
            if contact is not None and not contact.get("mergedInto")
        }
        self._save(workspace_id, updates, now_ms, report)
        self.refresh_companies(workspace_id, report.companies_touched, report)
        return report

    def refresh_workspace(self, workspace_id: str) -> RefreshReport:
        """Every contact of a workspace, page by page: full recomputation where the frequency window could
        still change, decay alone for contacts silent longer than that (no interactions read)."""
        report = RefreshReport(workspaces=1)
        now = self._now()
        now_ms = epoch_ms(now)
        recent_since = now_ms - (self._policy.frequency_window_days + 1) * DAY_MS
        day = health.HealthTally()
        for page in self._pages(self._workspace(workspace_id).collection("contacts")):
            updates: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
            decayed: set[str] = set()
            for snapshot in page:
                contact = snapshot.to_dict() or {}
                if contact.get("mergedInto"):
                    report.skipped += 1
                elif int(contact.get("lastInteractionMs") or 0) >= recent_since or "strength" not in contact:
                    updates[snapshot.id] = (contact, self._stats_fields(workspace_id, snapshot.id, contact, now_ms))
                else:
                    updates[snapshot.id] = (contact, _decayed_fields(contact, now_ms))
                    decayed.add(snapshot.id)
            self._save(workspace_id, updates, now_ms, report, decayed=decayed)
            for contact, fields in updates.values():
                day.add({**contact, **fields}, now_ms)
        self.refresh_companies(workspace_id, report.companies_touched, report)
        health.save(self._workspace(workspace_id), day, now)
        return report

    def refresh_all(self) -> RefreshReport:
        """Every workspace, for decay and going-cold flags (the daily job)."""
        report = RefreshReport()
        for page in self._pages(self._db.collection("workspaces")):
            for workspace in page:
                report.add(self.refresh_workspace(workspace.id))
        return report

    def refresh_companies(self, workspace_id: str, domains: Iterable[str], report: RefreshReport) -> None:
        """Company rollups: how many people (aliases excluded) and the strongest relationship among them."""
        now_ms = epoch_ms(self._now())
        workspace = self._workspace(workspace_id)
        for domain in sorted(set(domains)):
            members = workspace.collection("contacts").where(filter=FieldFilter("companyId", "==", domain))
            by_id = {s.id: s.to_dict() or {} for s in members.stream()}
            top_people = intro_via.strongest_people(by_id)
            edges = intro_via.strongest_edges(top_people, now_ms)
            people = [c for c in by_id.values() if not c.get("mergedInto")]
            connectors = self._people(workspace_id, (other for *_, other in edges))
            reached = [(choice, connectors[choice[2]]) for choice in edges if choice[2] in connectors]
            strengths = [
                decayed_strength(Strength.from_dict(c["strength"]), now_ms) for c in people if c.get("strength")
            ]
            strongest = max(strengths, key=lambda s: s.raw, default=None)
            update = {
                "contactCount": len(people),
                "strength": strongest.to_dict() if strongest else firestore.DELETE_FIELD,
                # Each member's best relationship there, as the team's is its strongest contact.
                member_strength.SCORES_FIELD: company_member_scores(people, now_ms),
            }
            reference = workspace.collection("companies").document(domain)
            if self._update(reference, update, report, copy=intro_via.company_copy(top_people, reached, now_ms)):
                report.companies += 1

    def _stats_fields(
        self, workspace_id: str, contact_id: str, contact: Mapping[str, Any], now_ms: int
    ) -> dict[str, Any]:
        stats = compute_stats(self._touches(workspace_id, contact_id), now_ms, self._policy)
        return stats.to_fields() | member_strength.score_fields(contact, now_ms)

    def _save(
        self,
        workspace_id: str,
        updates: Mapping[str, tuple[dict[str, Any], dict[str, Any]]],
        now_ms: int,
        report: RefreshReport,
        *,
        decayed: Collection[str] = (),
    ) -> None:
        """Writes each contact's stats with the people an intro query to it ranks through (one write each)."""
        copies = self._intro_copies(workspace_id, updates, now_ms)
        workspace = self._workspace(workspace_id)
        for contact_id, (contact, fields) in updates.items():
            reference = workspace.collection("contacts").document(contact_id)
            if self._update_contact(workspace_id, reference, contact, fields, report, copy=copies[contact_id]):
                if contact_id in decayed:
                    report.decayed += 1
                else:
                    report.contacts += 1
                report.companies_touched.update(_company_of(contact))

    def _intro_copies(
        self, workspace_id: str, updates: Mapping[str, tuple[dict[str, Any], dict[str, Any]]], now_ms: int
    ) -> dict[str, dict[str, Any]]:
        """`introVia` for each contact (shared/crm/intro_via.py): its company's strongest people, as this
        batch's new stats rank them, and the people its strongest edges reach; one query per company and one
        batched read for the whole batch."""
        workspace = self._workspace(workspace_id)
        companies = sorted({str(c["companyId"]) for c, _ in updates.values() if c.get("companyId")})
        at_company: dict[str, dict[str, dict[str, Any]]] = {}
        for domain in companies:
            in_batch = {i: {**c, **f} for i, (c, f) in updates.items() if c.get("companyId") == domain}
            strongest = (
                workspace.collection("contacts")
                .where(filter=FieldFilter("companyId", "==", domain))
                .order_by("strength.score", direction=firestore.Query.DESCENDING)
                .limit(intro_via.CANDIDATES + 1 + len(in_batch))
                .select(intro_via.PERSON_FIELDS)
            )
            at_company[domain] = {s.id: s.to_dict() or {} for s in strongest.stream()} | in_batch
        edges = {i: intro_via.strongest_edges({i: c}, now_ms) for i, (c, _) in updates.items()}
        connectors = self._people(workspace_id, {other for chosen in edges.values() for *_, other in chosen})
        copies = {}
        for contact_id, (contact, _) in updates.items():
            colleagues = intro_via.strongest_people(
                at_company.get(str(contact.get("companyId")), {}), exclude={contact_id}
            )
            reached = [(choice, connectors[choice[2]]) for choice in edges[contact_id] if choice[2] in connectors]
            copies[contact_id] = intro_via.contact_copy(contact, colleagues, reached, now_ms)
        return copies

    def _people(self, workspace_id: str, contact_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """What an intro query reads of each named contact, in batched reads."""
        contacts = self._workspace(workspace_id).collection("contacts")
        references = [contacts.document(contact_id) for contact_id in sorted(set(contact_ids))]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(references), PAGE):
            chunk = references[start : start + PAGE]
            found |= {
                s.id: s.to_dict() or {}
                for s in self._db.get_all(chunk, field_paths=intro_via.PERSON_FIELDS)
                if s.exists
            }
        return found

    def _update_contact(
        self,
        workspace_id: str,
        reference: firestore.DocumentReference,
        contact: Mapping[str, Any],
        fields: dict[str, Any],
        report: RefreshReport,
        *,
        copy: dict[str, Any] | None = None,
    ) -> bool:
        """Saves the stats; a top contact turning cold is told to whoever keeps it first, so that a run
        dying in between re-sends the same notice (which its id makes a no-op) rather than none."""
        if fields.get("goingCold") and not contact.get("goingCold"):
            self._tell_going_cold(self._workspace(workspace_id), reference.id, contact, fields)
        return self._update(reference, fields | list_fields(contact, fields, epoch_ms(self._now())), report, copy=copy)

    def _tell_going_cold(
        self, workspace: firestore.DocumentReference, contact_id: str, contact: Mapping[str, Any], fields: dict
    ) -> None:
        score = float((fields.get("strength") or {}).get("score") or 0.0)
        if score < TOP_CONTACT_SCORE:
            return
        keeper = contact.get("ownerUid") or self._latest_mailbox_owner(workspace, contact_id)
        if not keeper:
            return
        cold_after = (fields.get("relationship") or contact.get("relationship") or {}).get("coldAfterMs")
        name = contact.get("name") or contact.get("email") or contact_id
        notice = Notification(
            kind=NotificationKind.GOING_COLD,
            recipient_uid=str(keeper),
            key=f"cold-{contact_id}-{cold_after}",
            title=f"{name} is going cold",
            body="No mail for longer than your usual rhythm with them.",
            link={"kind": "contact", "id": contact_id},
        )
        notifications.deliver(workspace, notice, db=self._db, now=self._now)

    @staticmethod
    def _latest_mailbox_owner(workspace: firestore.DocumentReference, contact_id: str) -> str | None:
        """Who keeps a contact nobody owns: the owner of the mailbox that last wrote with them."""
        latest = (
            workspace.collection("interactions")
            .where(filter=FieldFilter("contactIds", "array_contains", contact_id))
            .order_by("occurredAt", direction=firestore.Query.DESCENDING)
            .limit(1)
            .select(["mailboxId"])
        )
        mailbox_id = next(((s.to_dict() or {}).get("mailboxId") for s in latest.stream()), None)
        if not mailbox_id:
            return None
        owner = workspace.collection("mailboxes").document(mailbox_id).get().to_dict() or {}
        return owner.get("ownerUid")

    def _update(
        self,
        reference: firestore.DocumentReference,
        fields: dict[str, Any],
        report: RefreshReport,
        *,
        copy: dict[str, Any] | None = None,
    ) -> bool:
        """Saves the fields and, in the same commit, the people an intro query ranks through (their own
        document: no reader of the record downloads them)."""
        batch = self._db.batch()
        batch.update(reference, fields)  # update, not set: a contact deleted meanwhile (a purge) stays deleted
        if copy is not None:
            batch.set(intro_via.reference(reference), copy)
        try:
            batch.commit()
        except exceptions.NotFound:
            report.skipped += 1
            return False
        return True

    def _read(self, workspace_id: str, contact_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        contacts = self._workspace(workspace_id).collection("contacts")
        references = [contacts.document(contact_id) for contact_id in sorted(set(contact_ids))]
        return {s.id: (s.to_dict() or {}) if s.exists else None for s in self._db.get_all(references)}

    def _touches(self, workspace_id: str, contact_id: str) -> list[Touch]:
        newest = (
            self._workspace(workspace_id)
            .collection("interactions")
            .where(filter=FieldFilter("contactIds", "array_contains", contact_id))
            .order_by("occurredAt", direction=firestore.Query.DESCENDING)
            .limit(self._window)
            .select(INTERACTION_FIELDS)
        )
        touches = (touch_from_interaction(s.to_dict() or {}, contact_id) for s in newest.stream())
        return [touch for touch in touches if touch is not None]

    @staticmethod
    def _pages(collection: firestore.CollectionReference) -> Iterator[list[firestore.DocumentSnapshot]]:
        query = collection.order_by("__name__").limit(PAGE)
        page = list(query.stream())
        while page:
            yield page
            page = list(query.start_after(page[-1]).stream())


def _company_of(contact: Mapping[str, Any]) -> set[str]:
    return {str(contact["companyId"])} if contact.get("companyId") else set()


def _decayed_fields(contact: Mapping[str, Any], now_ms: int) -> dict[str, Any]:
    """A silent contact's stats moved to `now`: strength decays, the cold flag follows its stored threshold."""
    cold_after = (contact.get("relationship") or {}).get("coldAfterMs")
    return {
        "strength": decayed_strength(Strength.from_dict(contact["strength"]), now_ms).to_dict(),
        "goingCold": cold_after is not None and now_ms > int(cold_after),
        "relationship.interactionsPer30Days": 0.0,
    } | member_strength.score_fields(contact, now_ms)


def list_fields(contact: Mapping[str, Any], fields: Mapping[str, Any], now_ms: int) -> dict[str, Any]:
    """The sparse list fields of a contact saved with `fields` (its stats, or their decay): set while they
    apply, deleted once they no longer do."""
    cold_after = (fields.get("relationship") or contact.get("relationship") or {}).get("coldAfterMs")
    last = contact.get("lastInteractionMs")
    cold = isinstance(cold_after, int | float) and fields.get("goingCold") is True
    recent = isinstance(last, int | float) and last >= now_ms - RECENT_DAYS * DAY_MS
    return {
        COLD_SINCE_FIELD: int(cold_after or 0) if cold else firestore.DELETE_FIELD,
        # A maximum, not the value read: mail stored since the read may have raised it already.
        RECENT_FIELD: firestore.Maximum(int(last or 0)) if recent else firestore.DELETE_FIELD,
    }


def company_member_scores(people: Iterable[Mapping[str, Any]], now_ms: int) -> dict[str, float]:
    """Per mailbox, its strongest relationship among a company's people."""
    best: dict[str, float] = {}
    for person in people:
        for score in member_strength.member_scores(person, now_ms):
            best[score.mailbox_id] = max(best.get(score.mailbox_id, 0.0), score.score)
    return best
