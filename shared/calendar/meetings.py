"""Google Calendar events as meetings on contacts: in their timelines, their counters and each teammate's strength.

`apply_calendar_events` takes a page of Calendar API v3 Event resources exactly as `events.list(singleEvents=True)`
returns them (cancelled stubs included) for the calendar of a mailbox's owner. Each event that is a meeting with
someone outside the team becomes one interaction document of `kind` "meeting" (id from the mailbox and the event),
so the timelines, the rules on content (decision 19), stats and intro evidence treat it as they treat mail:

- its title and description are content (`content/subject`, `content/body`), read as far as the mailbox shares;
- its attendees are matched to contacts by address, through merges, as mail is (the team's own people never
  are); a meeting creates contacts as an email would under the workspace's policy: one the team organised is
  like mail the team sent, another's invitation like mail received; the blocklist keeps it out entirely;
- once it has ended it counts: each counted contact's `interactionCount`, first/last times, and the mailbox's
  `memberStrength.{mailboxId}.meeting` sum (decision 27), plus co-occurrence edges for small meetings. A meeting
  still to come is stored `pending` (shown as upcoming) and counted by `count_ended_meetings` once it is over.

Idempotent: each meeting document keeps what it contributes (contacts, time, weight), so applying an event
again writes the difference between its new and old contribution: nothing for the same version, the change for
an edit, everything back for a cancellation. Each document is written under a precondition on the version that
was read, in the same commit as the counters it moves; a lost race is planned again from a fresh read.
Why meetings are interactions and how they weigh: docs/decisions/0037-meetings-from-google-calendar.md.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.calendar.restore import Taken, restored_fields, with_restored
from shared.clients import firestore_client
from shared.crm.ingest import ContactBook, Ingestor
from shared.crm.member_strength import ContactTallies, EdgeTally, MemberTally, update_fields
from shared.crm.policy import Policy, participant_domains
from shared.crm.preview import member_emails, own_addresses
from shared.crm.search import TOKENS_FIELD, indexed_union, search_tokens
from shared.enrichment.touched import request_enrichment
from shared.errors import NotFound, RetryLater
from shared.log import get_logger
from shared.mail.addresses import canonical_mailbox, normalize_email
from shared.mail.companies import company_domain, company_name_from_domain
from shared.mail.html_text import html_to_text
from shared.mail.limits import MAX_NAME_CHARS, bounded
from shared.sharing import EMBEDDING_DUE, content_ref, delete_content, forgetting
from shared.workspace_settings import settings_of

log = get_logger("meetings")

KIND = "meeting"
MAX_STORED_ATTENDEES = 50  # people outside the team kept (and matched) per meeting; the count keeps the rest
BROADCAST_ATTENDEES = 25  # more people outside the team than this: a webinar or all-hands, not a relationship
MAX_LINKED_PEOPLE = 8  # co-occurrence edges only between the counted people of a meeting this small (as mail)
ALL_DAY_WEIGHT = 0.5  # an all-day event (a conference, a trip) says little of how well people know each other
BROADCAST_WEIGHT = 0.5  # as being copied on mail
TITLE_CHARS = 300
NOTES_CHARS = 200  # as a message's snippet
EVENTS_PER_READ = 100  # a chunk of a page: its meeting documents read in one round trip
EMAILS_PER_READ = 500  # and its attendees' contacts in one more
MAX_WRITES_PER_COMMIT = 450
MAX_ATTEMPTS = 5
ENDED_PER_PASS = 200  # meetings counted per pass once they end
# How much a calendar's clock and ours may differ: a meeting is taken for deleted by a full sync only when
# its version is older than the listing by at least this much.
LISTING_SKEW = timedelta(minutes=10)
NOT_MEETINGS = frozenset({"outOfOffice", "focusTime", "workingLocation", "birthday"})
_RACES = (exceptions.AlreadyExists, exceptions.FailedPrecondition, exceptions.NotFound)


def meeting_id(mailbox_id: str, event_id: str) -> str:
    """One document per event of a mailbox's calendar (an instance of a recurring event is its own event)."""
    return f"{mailbox_id}_cal_{hashlib.sha256(event_id.encode()).hexdigest()[:24]}"


# ---- reading an event ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str | None
    response: str
    organizer: bool


@dataclass(frozen=True)
class Event:
    """What one Calendar event is to the CRM; `skip` says why it is no meeting."""

    event_id: str
    skip: str | None
    updated_ms: int = 0
    title: str = ""
    notes: str = ""
    start_ms: int = 0
    end_ms: int = 0
    all_day: bool = False
    organizer: str | None = None
    organised_by_team: bool = False
    others: tuple[Attendee, ...] = ()  # people outside the team who did not decline, at most MAX_STORED_ATTENDEES
    other_count: int = 0  # all of them
    recurring_event_id: str | None = None

    @property
    def broadcast(self) -> bool:
        return self.other_count > BROADCAST_ATTENDEES

    @property
    def weight(self) -> float:
        """A meeting's weight in strength: 1 plus up to 1 more for its first hour (so a one-hour meeting
        weighs what a message in a kept-up conversation does); all-day events and broadcasts a little."""
        if self.broadcast:
            return BROADCAST_WEIGHT
        if self.all_day:
            return ALL_DAY_WEIGHT
        minutes = max(0, self.end_ms - self.start_ms) / 60_000
        return 1.0 + min(1.0, minutes / 60)


def read_event(raw: Mapping[str, Any], policy: Policy, *, mailbox_email: str, time_zone: str | None = None) -> Event:
    """An Event resource (calendar.v3.json) read for the CRM. The owner is the attendee marked `self` or
    with the mailbox's address; teammates, rooms, attendees without an address and those who declined
    are not the meeting's other side. `time_zone` is the calendar's (Events.timeZone): an all-day event's
    days begin at midnight there, which is when its owner had it."""
    event_id = str(raw.get("id") or "")
    updated_ms = _rfc3339_ms(raw.get("updated")) or 0
    if raw.get("status") == "cancelled":
        return Event(event_id, "cancelled", updated_ms)
    if raw.get("eventType") in NOT_MEETINGS:
        return Event(event_id, "not_a_meeting", updated_ms)
    start, all_day = _when(raw.get("start"), time_zone)
    end, _ = _when(raw.get("end"), time_zone)
    if start is None:
        return Event(event_id, "no_time", updated_ms)
    end = end if end is not None and end >= start else start
    own = canonical_mailbox(mailbox_email)
    attendees = [a for a in raw.get("attendees") or () if isinstance(a, Mapping)]
    if any(_is_owner(a, own) and a.get("responseStatus") == "declined" for a in attendees):
        return Event(event_id, "declined", updated_ms)
    organizer_raw: Mapping[str, Any] = raw["organizer"] if isinstance(raw.get("organizer"), Mapping) else {}
    organizer = normalize_email(str(organizer_raw.get("email") or ""))
    everyone: dict[str, Attendee] = {}
    for entry in attendees:
        email = normalize_email(str(entry.get("email") or ""))
        if email is None or entry.get("resource") or email in everyone:
            continue
        name = bounded(str(entry.get("displayName") or "") or None, MAX_NAME_CHARS)
        response = str(entry.get("responseStatus") or "needsAction")
        everyone[email] = Attendee(email, name, response, bool(entry.get("organizer")) or email == organizer)
    if organizer and organizer not in everyone and not organizer_raw.get("self"):
        name = bounded(str(organizer_raw.get("displayName") or "") or None, MAX_NAME_CHARS)
        everyone[organizer] = Attendee(organizer, name, "accepted", True)
    outside = [a for a in everyone.values() if not policy.is_own(a.email)]
    if policy.blocks(a.email for a in outside):
        return Event(event_id, "blocked", updated_ms)
    others = [a for a in outside if a.response != "declined"]
    if not others:
        return Event(event_id, "no_other_attendee", updated_ms)
    description = str(raw.get("description") or "")
    if "<" in description:
        description = html_to_text(description)
    location = str(raw.get("location") or "")
    notes = " ".join(" ".join(part for part in (location, description) if part)[: 16 * NOTES_CHARS].split())
    return Event(
        event_id,
        None,
        updated_ms,
        title=str(raw.get("summary") or "")[:TITLE_CHARS],
        notes=bounded(notes, NOTES_CHARS) or "",
        start_ms=start,
        end_ms=end,
        all_day=all_day,
        organizer=organizer,
        organised_by_team=bool(organizer_raw.get("self")) or (organizer is not None and policy.is_own(organizer)),
        others=tuple(sorted(others, key=lambda a: (not a.organizer, a.email))[:MAX_STORED_ATTENDEES]),
        other_count=len(others),
        recurring_event_id=str(raw["recurringEventId"]) if raw.get("recurringEventId") else None,
    )


def _is_owner(attendee: Mapping[str, Any], own: str) -> bool:
    email = normalize_email(str(attendee.get("email") or ""))
    return bool(attendee.get("self")) or (email is not None and canonical_mailbox(email) == own)


def _when(value: Any, calendar_zone: str | None) -> tuple[int | None, bool]:
    """(epoch ms, all day) of an EventDateTime. An all-day `date` starts at midnight in the event's own zone
    when it names one, else the calendar's (calendar.v3.json: EventDateTime.timeZone "indicates a custom
    time zone for the event start/end"; Events.timeZone is "the time zone of the calendar")."""
    if not isinstance(value, Mapping):
        return None, False
    if value.get("dateTime"):
        return _rfc3339_ms(value["dateTime"]), False
    if value.get("date"):
        try:
            day = date.fromisoformat(str(value["date"]))
        except ValueError:
            return None, True
        zone = _zone(str(value.get("timeZone") or "") or calendar_zone)
        return int(datetime.combine(day, time(), zone).timestamp() * 1000), True
    return None, False


def _zone(name: str | None) -> tzinfo:
    """An IANA zone by name; UTC when there is none or it is unknown (a day off beats no meeting)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown calendar time zone; all-day events taken in UTC", extra={"timeZone": name[:64]})
        return UTC


def _rfc3339_ms(value: Any) -> int | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return int((at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp() * 1000)


# ---- what a meeting contributes ---------------------------------------------------------------------------


@dataclass
class _Change:
    """What a commit does to one contact's or company's counters."""

    interactions: int = 0
    first_ms: int | None = None
    last_ms: int | None = None
    tallies: ContactTallies = field(default_factory=ContactTallies)
    taken: dict[str, int] = field(default_factory=dict)  # meetings taken back: their times (shared/calendar/restore.py)

    def touch(self, at_ms: int, sign: int, interaction_id: str) -> None:
        self.interactions += sign
        if sign < 0:
            self.taken[interaction_id] = at_ms
        if sign > 0:
            self.first_ms = at_ms if self.first_ms is None else min(self.first_ms, at_ms)
            self.last_ms = at_ms if self.last_ms is None else max(self.last_ms, at_ms)

    def merge(self, other: _Change) -> None:
        self.interactions += other.interactions
        self.taken.update(other.taken)
        for at in (other.first_ms, other.last_ms):
            if at is not None:
                self.first_ms = at if self.first_ms is None else min(self.first_ms, at)
                self.last_ms = at if self.last_ms is None else max(self.last_ms, at)
        self.tallies.merge(other.tallies)

    def as_taken(self) -> Taken:
        return Taken(
            taken=self.taken,
            interactions=self.interactions,
            first_ms=self.first_ms,
            last_ms=self.last_ms,
            members={k: (t.count, t.last_ms, t.last_id) for k, t in self.tallies.members.items()},
            edges={k: (e.count, e.last_ms, e.last_id) for k, e in self.tallies.edges.items()},
        )

    @property
    def empty(self) -> bool:
        return (
            not self.interactions
            and not self.taken
            and self.first_ms is None
            and all(not (t.count or t.meeting or t.fast) for t in self.tallies.members.values())
            and all(not (e.count or e.weight) for e in self.tallies.edges.values())
        )


@dataclass
class _Changes:
    contacts: dict[str, _Change] = field(default_factory=dict)
    companies: dict[str, _Change] = field(default_factory=dict)

    def add(self, meeting: Mapping[str, Any] | None, sign: int, interaction_id: str) -> None:
        """Adds (sign 1) or takes back (-1) what a stored meeting counts: nothing while pending or skipped."""
        if not meeting or meeting.get("kind") != KIND or meeting.get("pending") or meeting.get("skipped"):
            return
        at_ms, weight, mailbox_id = int(meeting["startMs"]), float(meeting["weight"]), str(meeting["mailboxId"])
        counted = list(meeting.get("contactIds") or ())
        links = bool(meeting.get("linksPeople")) and 1 < len(counted) <= MAX_LINKED_PEOPLE
        for contact_id in counted:
            change = self.contacts.setdefault(contact_id, _Change())
            change.touch(at_ms, sign, interaction_id)
            member = change.tallies.members.setdefault(mailbox_id, MemberTally())
            member.add_meeting(at_ms=at_ms, weight=weight, interaction_id=interaction_id, sign=sign)
            if links:
                for other in counted:
                    if other != contact_id:
                        edge = change.tallies.edges.setdefault(other, EdgeTally())
                        edge.add(at_ms=at_ms, interaction_id=interaction_id, weight=weight, sign=sign)
        for domain in meeting.get("companyIds") or ():
            self.companies.setdefault(domain, _Change()).touch(at_ms, sign, interaction_id)

    def merge(self, other: _Changes) -> None:
        for key, change in other.contacts.items():
            self.contacts.setdefault(key, _Change()).merge(change)
        for key, change in other.companies.items():
            self.companies.setdefault(key, _Change()).merge(change)


# ---- planning ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    workspace: firestore.DocumentReference
    mailbox_id: str
    mailbox_email: str
    policy: Policy
    creates: bool  # whether meetings may create contacts now (not while the mailbox's first sync awaits approval)


@dataclass
class _Plan:
    ref: firestore.DocumentReference
    outcome: str  # stored | updated | removed | counted
    update_time: Any  # the version read; None when there was none
    document: dict[str, Any] | None = None  # the meeting (None: the stored one becomes a stub)
    content: dict[str, dict[str, Any]] = field(default_factory=dict)
    stub: dict[str, Any] = field(default_factory=dict)  # what the stored meeting keeps when it is no more
    changes: _Changes = field(default_factory=_Changes)
    created: dict[str, dict[str, Any]] = field(default_factory=dict)  # contacts it creates: their identity

    @property
    def writes(self) -> int:
        own = 1 + (len(self.content) if self.document is not None else 3)
        return own + len(self.changes.contacts) + len(self.changes.companies)


def _plan(
    context: _Context,
    event: Event,
    snapshot: firestore.DocumentSnapshot,
    book: ContactBook,
    now_ms: int,
) -> _Plan | str:
    """What applying `event` writes, or why it writes nothing."""
    stored = snapshot.to_dict() if snapshot.exists else None
    if stored is not None and stored.get("skipped") == "blocked":
        return "blocked"  # blocked or erased since (shared/crm/repair.py): never brought back
    if stored is not None and event.updated_ms and int(stored.get("updatedMs") or 0) > event.updated_ms:
        return "stale"  # a newer version was applied already (a late or repeated notification)
    if stored is not None and stored.get("skipped") and int(stored.get("updatedMs") or 0) >= event.updated_ms > 0:
        return "stale"  # a copy of the version a deletion (which may carry no `updated`) replaced
    update_time = snapshot.update_time if snapshot.exists else None
    if event.skip is not None:
        if stored is None or stored.get("skipped"):
            return event.skip
        # A deleted event may carry no `updated` (calendar.v3.json, Event.status: "Deleted events are only
        # guaranteed to have the id field populated"): the version the
        # stub keeps is never older than the meeting's, so a late copy of an earlier version stays out.
        version = max(event.updated_ms, int(stored.get("updatedMs") or 0))
        stub = {"skipped": event.skip, "updatedMs": version, "pending": False, "fingerprint": None}
        plan = _Plan(snapshot.reference, "removed", update_time, stub=stub)
        plan.changes.add(stored, -1, snapshot.id)
        return plan
    document, content, created = _meeting(context, event, book, now_ms)
    if stored is not None and (stored.get("fingerprint"), bool(stored.get("pending"))) == (
        document["fingerprint"],
        document["pending"],
    ):
        return "unchanged"
    plan = _Plan(snapshot.reference, "updated" if stored else "stored", update_time, document, content)
    plan.changes.add(stored, -1, snapshot.id)
    plan.changes.add(document, 1, snapshot.id)
    plan.created = created
    return plan


def _meeting(
    context: _Context, event: Event, book: ContactBook, now_ms: int
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The meeting document, its content by part, and the contacts it creates (their identity fields)."""
    direction = "outbound" if event.organised_by_team else "inbound"
    creates = (
        context.creates and not event.broadcast and context.policy.creates(direction, int(direction == "outbound"))
    )
    people: list[dict[str, Any]] = []
    counted: list[str] = []
    created: dict[str, dict[str, Any]] = {}
    for attendee in event.others:
        contact_id = book.resolve(attendee.email)
        counts = book.exists(contact_id) or creates
        if counts and contact_id not in counted:
            counted.append(contact_id)
            if not book.exists(contact_id):
                created[contact_id] = _identity(attendee)
        people.append(
            {
                "contactId": contact_id,
                "email": attendee.email,
                "name": attendee.name,
                "sent": 0,
                "received": 0,
                "counted": counts,
            }
        )
    emails = [a.email for a in event.others]
    companies = sorted({d for d in (company_domain(p["email"]) for p in people if p["counted"]) if d})
    document: dict[str, Any] = {
        "kind": KIND,
        "mailboxId": context.mailbox_id,
        "calendarEventId": event.event_id,
        "recurringEventId": event.recurring_event_id,
        "occurredAt": datetime.fromtimestamp(event.start_ms / 1000, UTC),
        "startMs": event.start_ms,
        "endMs": event.end_ms,
        "durationMinutes": (event.end_ms - event.start_ms) // 60_000,
        "allDay": event.all_day,
        "direction": direction,
        "fromEmail": event.organizer,
        "attendees": [
            {"email": a.email, "name": a.name, "response": a.response, "organizer": a.organizer} for a in event.others
        ],
        "attendeeCount": event.other_count,
        "people": people,
        "contactIds": counted,
        "companyIds": companies,
        "uncountedIds": [],  # a meeting is not adopted later as mail is: applied again, it counts anew
        "participantEmails": emails,
        "participantDomains": participant_domains(emails),
        "staged": False,
        "undone": False,
        "skipped": None,
        "weight": event.weight,
        "linksPeople": not event.broadcast and event.other_count <= MAX_LINKED_PEOPLE,
        "updatedMs": event.updated_ms,
    }
    content = {"subject": {"subject": event.title}}
    if event.notes:
        content["body"] = {"snippet": event.notes}
    # The version of the event it holds; whether it is still to come is compared beside it.
    document["fingerprint"] = _fingerprint(document, content)
    document["pending"] = event.end_ms > now_ms
    return document, content, created


def _identity(attendee: Attendee) -> dict[str, Any]:
    """A contact a meeting creates, as mail would create it."""
    identity: dict[str, Any] = {"email": attendee.email, "emails": [attendee.email]}
    if attendee.name:
        identity["name"] = attendee.name
    domain = company_domain(attendee.email)
    if domain:
        identity.update(companyId=domain, companyName=company_name_from_domain(domain))
    tokens = search_tokens([identity.get(k) for k in ("name", "email", "companyName")])
    if tokens:
        identity[TOKENS_FIELD] = tokens
    return identity


def _fingerprint(document: Mapping[str, Any], content: Mapping[str, Any]) -> str:
    text = json.dumps([document, content], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# ---- writing ----------------------------------------------------------------------------------------------


def _contact_fields(change: _Change, stored: Mapping[str, Any], identity: Mapping[str, Any] | None) -> dict[str, Any]:
    """A contact's merge-set: Increments only, so concurrent mail and meetings never read first. An edge is
    taken back only where the contact holds it (it may have been full when the meeting was added)."""
    known = stored.get("cooccur") or {}
    tallies = ContactTallies(
        members={k: t for k, t in change.tallies.members.items() if t.count or t.meeting or t.fast},
        edges={k: e for k, e in change.tallies.edges.items() if (e.count > 0 or k in known) and (e.count or e.weight)},
    )
    update: dict[str, Any] = {"updatedAt": firestore.SERVER_TIMESTAMP}
    if change.interactions:
        update["interactionCount"] = firestore.Increment(change.interactions)
    if change.first_ms is not None and change.last_ms is not None:
        update["firstInteractionMs"] = firestore.Minimum(change.first_ms)
        update["lastInteractionMs"] = firestore.Maximum(change.last_ms)
    update.update(update_fields(tallies, stored, firestore.Increment, firestore.Maximum))
    if identity:
        update.update({k: v for k, v in identity.items() if k not in ("emails", TOKENS_FIELD)})
        update["emails"] = firestore.ArrayUnion(list(identity["emails"]))
        if identity.get(TOKENS_FIELD):
            update.update(indexed_union(list(identity[TOKENS_FIELD])))
        update["createdAt"] = firestore.SERVER_TIMESTAMP
    return update


def _company_fields(domain: str, change: _Change) -> dict[str, Any]:
    update: dict[str, Any] = {"updatedAt": firestore.SERVER_TIMESTAMP, "domain": domain}
    if change.interactions:
        update["interactionCount"] = firestore.Increment(change.interactions)
    if change.first_ms is not None and change.last_ms is not None:
        update["firstInteractionMs"] = firestore.Minimum(change.first_ms)
        update["lastInteractionMs"] = firestore.Maximum(change.last_ms)
    return update


@dataclass
class MeetingsResult:
    stored: int = 0  # new meetings
    updated: int = 0  # meetings whose event changed
    removed: int = 0  # earlier meetings taken back: cancelled, declined, no one left from outside the team
    counted: int = 0  # meetings counted as they ended
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # events that are no meeting, by reason
    writes: int = 0
    contact_ids: set[str] = field(default_factory=set)  # contacts whose counters moved
    created: set[str] = field(default_factory=set)  # contacts the meetings created

    def to_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "updated": self.updated,
            "removed": self.removed,
            "counted": self.counted,
            "unchanged": self.unchanged,
            "skipped": dict(self.skipped),
            "writes": self.writes,
        }


class Meetings:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        request_stats: Callable[[str, Iterable[str]], None] = request_enrichment,
        request_index: Callable[[str], None] | None = None,
    ) -> None:
        self._db = db or firestore_client()
        self._now = now
        self._request_stats = request_stats
        self._request_index = request_index or _request_mail_index

    def apply(
        self,
        workspace_id: str,
        mailbox_id: str,
        events: Sequence[Mapping[str, Any]],
        *,
        time_zone: str | None = None,
    ) -> MeetingsResult:
        """`time_zone`: the calendar's, as events.list answers it (all-day events are days there)."""
        context = self._context(workspace_id, mailbox_id)
        result = MeetingsResult()
        latest: dict[str, Event] = {}
        for raw in events:
            event = read_event(raw, context.policy, mailbox_email=context.mailbox_email, time_zone=time_zone)
            if not event.event_id:
                result.skipped["no_id"] += 1
                continue
            earlier = latest.get(event.event_id)
            if earlier is None or event.updated_ms >= earlier.updated_ms:
                latest[event.event_id] = event
        for chunk in _chunks(list(latest.values())):
            self._apply_chunk(context, chunk, result)
        if result.created:  # their earlier mail, stored uncounted while they were no contact, counts now
            result.contact_ids |= Ingestor(db=self._db).adopt_mail_of(
                workspace_id, mailbox_id=mailbox_id, contact_ids=result.created
            )
        self._count_ended(context, result)
        if result.contact_ids:  # their stats and sortable scores follow, as after mail (decision 27)
            self._request_stats(workspace_id, result.contact_ids)  # whose message also runs the mail index
        elif result.stored or result.updated:  # new or edited text to embed for search, and no message for it
            self._request_index(workspace_id)
        log.info("calendar events applied", extra={"mailboxId": mailbox_id, **result.to_dict()})
        return result

    def forget_unlisted(
        self,
        workspace_id: str,
        mailbox_id: str,
        *,
        listed: set[str],
        window: tuple[datetime, datetime],
        listed_at: datetime,
    ) -> MeetingsResult:
        """After a complete full sync: a meeting starting in its window whose event it did not list was deleted
        so long ago that Google no longer returns even its stub (calendar.v3.json, Event.status: deleted events
        "will eventually disappear"), and is taken back as a deletion. Only meetings whose stored version is
        older than the listing (`listed_at`, when it began), so an event created or edited during the pass,
        or applied by an overlapping one, is never taken for deleted."""
        since, until = (int(moment.timestamp() * 1000) for moment in window)
        listed_before = int((listed_at - LISTING_SKEW).timestamp() * 1000)
        meetings = (
            self._db.collection("workspaces", workspace_id, "interactions")
            .where(filter=FieldFilter("mailboxId", "==", mailbox_id))
            .where(filter=FieldFilter("startMs", ">=", since))
            .where(filter=FieldFilter("startMs", "<", until))
            .select(["calendarEventId", "skipped", "updatedMs", "kind"])
        )
        gone = [
            {"id": str(data["calendarEventId"]), "status": "cancelled"}
            for data in (snapshot.to_dict() or {} for snapshot in meetings.stream())
            if data.get("kind") == KIND
            and not data.get("skipped")
            and data.get("calendarEventId")
            and data["calendarEventId"] not in listed
            and int(data.get("updatedMs") or 0) < listed_before
        ]
        if not gone:
            return MeetingsResult()
        log.info("meetings no longer listed are taken back", extra={"mailboxId": mailbox_id, "count": len(gone)})
        return self.apply(workspace_id, mailbox_id, gone)

    def count_ended(self, workspace_id: str, mailbox_id: str) -> MeetingsResult:
        """Counts the mailbox's meetings that have ended since they were stored, a bounded pass at a time."""
        context = self._context(workspace_id, mailbox_id)
        result = MeetingsResult()
        self._count_ended(context, result)
        if result.contact_ids:
            self._request_stats(workspace_id, result.contact_ids)
        return result

    def count_ended_everywhere(self) -> int:
        """Every workspace's meetings that have ended since they were stored (the nightly refresh, before
        the stats): one query per mailbox, which its own calls usually leave empty."""
        counted = 0
        for workspace in self._db.collection("workspaces").select([]).stream():
            for mailbox in workspace.reference.collection("mailboxes").select([]).stream():
                counted += self.count_ended(workspace.id, mailbox.id).counted
        return counted

    def _context(self, workspace_id: str, mailbox_id: str) -> _Context:
        workspace = self._db.collection("workspaces").document(workspace_id)
        mailbox_ref = workspace.collection("mailboxes").document(mailbox_id)
        read = {s.reference.path: s.to_dict() for s in self._db.get_all([workspace, mailbox_ref]) if s.exists}
        mailbox = read.get(mailbox_ref.path)
        if mailbox is None:
            raise NotFound("no such mailbox", mailboxId=mailbox_id)
        settings = settings_of(read.get(workspace.path) or {})
        owners = own_addresses(mailbox, member_emails(workspace))
        return _Context(
            workspace=workspace,
            mailbox_id=mailbox_id,
            mailbox_email=str(mailbox.get("email") or ""),
            policy=Policy.of(settings, own_addresses=owners),
            creates=not (settings.require_preview and not mailbox.get("approval")),
        )

    def _apply_chunk(self, context: _Context, events: list[Event], result: MeetingsResult) -> None:
        meetings = context.workspace.collection("interactions")
        pending = events
        for _ in range(MAX_ATTEMPTS):
            if not pending:
                return
            refs = [meetings.document(meeting_id(context.mailbox_id, e.event_id)) for e in pending]
            stored = {s.reference.path: s for s in self._db.get_all(refs)}
            # The people an earlier version counted too: what it counted is taken back from them.
            earlier = {p.get("email") for s in stored.values() for p in (s.to_dict() or {}).get("people") or ()}
            emails = {a.email for e in pending for a in e.others} | {e for e in earlier if e}
            book = ContactBook.load(self._db, context.workspace, emails)
            now_ms = int(self._now().timestamp() * 1000)
            plans: list[tuple[Event, _Plan]] = []
            for event, ref in zip(pending, refs, strict=True):
                planned = _plan(context, event, stored[ref.path], book, now_ms)
                if isinstance(planned, str):
                    if planned == "unchanged":
                        result.unchanged += 1
                    else:
                        result.skipped[planned] += 1
                else:
                    plans.append((event, planned))
            lost = self._commit_all(context, [p for _, p in plans], book, result)
            pending = [e for e, p in plans if p.ref.path in lost]
        if pending:
            raise RetryLater("meetings kept changing while they were applied; they will be tried again")

    def _count_ended(self, context: _Context, result: MeetingsResult) -> None:
        """Meetings stored while still to come count once over: the same change as an edit, from the stored
        document alone (no event needed)."""
        query = (
            context.workspace.collection("interactions")
            .where(filter=FieldFilter("mailboxId", "==", context.mailbox_id))
            .where(filter=FieldFilter("pending", "==", True))
            .where(filter=FieldFilter("endMs", "<=", int(self._now().timestamp() * 1000)))
            .limit(ENDED_PER_PASS)
        )
        for _ in range(MAX_ATTEMPTS):
            snapshots = list(query.stream())
            if not snapshots:
                return
            plans: list[_Plan] = []
            for snapshot in snapshots:
                document = (snapshot.to_dict() or {}) | {"pending": False}
                plan = _Plan(snapshot.reference, "counted", snapshot.update_time, document)
                plan.changes.add(document, 1, snapshot.id)
                plans.append(plan)
            emails = {p["email"] for plan in plans for p in (plan.document or {}).get("people") or ()}
            book = ContactBook.load(self._db, context.workspace, emails)
            self._commit_all(context, plans, book, result)
            if len(snapshots) < ENDED_PER_PASS:
                return

    def _commit_all(self, context: _Context, plans: list[_Plan], book: ContactBook, result: MeetingsResult) -> set[str]:
        """Commits plans in batches of bounded writes; returns the paths of meetings that lost a race."""
        lost: set[str] = set()
        batch: list[_Plan] = []
        writes = 0
        for plan in plans:
            if batch and writes + plan.writes > MAX_WRITES_PER_COMMIT:
                lost |= self._commit(context, batch, book, result)
                batch, writes = [], 0
            batch.append(plan)
            writes += plan.writes
        if batch:
            lost |= self._commit(context, batch, book, result)
        return lost

    def _write(
        self,
        batch: firestore.WriteBatch,
        reference: firestore.DocumentReference,
        update: dict[str, Any],
        change: _Change,
        fresh: firestore.DocumentSnapshot | None,
        *,
        array_field: str,
        exclude: set[str],
    ) -> None:
        """A record's merge-set; where what it holds is taken back (`fresh`: read afresh for that), the fields
        set again from what still counts, in an update under a precondition on the version they were computed
        from (mail counted meanwhile fails the commit, which is then planned again)."""
        restored = (
            restored_fields(
                fresh.to_dict() or {},
                change.as_taken(),
                interactions=reference.parent.parent.collection("interactions"),
                array_field=array_field,
                record_id=reference.id,
                exclude=exclude,
            )
            if fresh is not None
            else {}
        )
        if restored and fresh is not None:
            option = self._db.write_option(last_update_time=fresh.update_time)
            batch.update(reference, with_restored(update, restored), option=option)
        else:
            batch.set(reference, update, merge=True)

    def _read_taken(self, references: list[firestore.DocumentReference]) -> dict[str, firestore.DocumentSnapshot]:
        """The records meetings are taken back from, read afresh with their versions (shared/calendar/restore.py)."""
        if not references:
            return {}
        return {s.reference.path: s for s in self._db.get_all(references) if s.exists}

    def _commit(self, context: _Context, plans: list[_Plan], book: ContactBook, result: MeetingsResult) -> set[str]:
        batch = self._db.batch()
        changes = _Changes()
        created: dict[str, dict[str, Any]] = {}
        for plan in plans:
            option = self._db.write_option(last_update_time=plan.update_time) if plan.update_time else None
            if plan.document is None:
                # A stub, as mail that leaves the CRM keeps one: its version stops a late copy coming back.
                batch.update(plan.ref, forgetting() | {"attendees": []} | plan.stub, option=option)
                delete_content(batch, plan.ref)
            elif plan.outcome == "counted":
                batch.update(plan.ref, {"pending": False}, option=option)
            else:
                if plan.update_time is None:
                    batch.create(plan.ref, plan.document | {"createdAt": firestore.SERVER_TIMESTAMP})
                else:  # the mail index passed it when it was created: its new title, notes or time are due
                    batch.update(plan.ref, plan.document | {EMBEDDING_DUE: True}, option=option)
                for part in ("subject", "body"):
                    if part in plan.content:
                        batch.set(content_ref(plan.ref, part), plan.content[part])
                    else:
                        batch.delete(content_ref(plan.ref, part))
            changes.merge(plan.changes)
            created.update(plan.created)
        contacts = context.workspace.collection("contacts")
        companies = context.workspace.collection("companies")
        exclude = {plan.ref.id for plan in plans}  # what these meetings count now is in `changes`
        taken_from = self._read_taken(
            [contacts.document(c) for c, ch in changes.contacts.items() if ch.taken and c not in created]
            + [companies.document(d) for d, ch in changes.companies.items() if ch.taken]
        )
        touched: set[str] = set()
        for contact_id in sorted(changes.contacts.keys() | created.keys()):
            change = changes.contacts.get(contact_id) or _Change()
            identity = created.get(contact_id)
            if change.empty and not identity:
                continue
            if not identity and not book.exists(contact_id):
                continue  # gone since the meeting counted for it (erased): nothing to take back
            reference = contacts.document(contact_id)
            fresh = taken_from.get(reference.path)
            stored = (fresh.to_dict() or {}) if fresh is not None else book.get(contact_id)
            update = _contact_fields(change, stored, identity)
            self._write(batch, reference, update, change, fresh, array_field="contactIds", exclude=exclude)
            touched.add(contact_id)
        for domain, change in sorted(changes.companies.items()):
            if change.interactions or change.first_ms is not None or change.taken:
                update = _company_fields(domain, change)
                if change.interactions > 0:
                    update["name"] = company_name_from_domain(domain)
                reference = companies.document(domain)
                fresh = taken_from.get(reference.path)
                self._write(batch, reference, update, change, fresh, array_field="companyIds", exclude=exclude)
        try:
            batch.commit()
        except _RACES:
            return {plan.ref.path for plan in plans}
        result.writes += len(batch)
        result.contact_ids |= touched
        result.created |= {c for c in created if not book.exists(c)}
        for plan in plans:
            setattr(result, plan.outcome, getattr(result, plan.outcome) + 1)
        return set()


def _chunks(events: list[Event]) -> Iterable[list[Event]]:
    """A page in chunks whose meeting documents and attendees' contacts are each read in one round trip."""
    chunk: list[Event] = []
    emails = 0
    for event in events:
        if chunk and (len(chunk) >= EVENTS_PER_READ or emails + len(event.others) > EMAILS_PER_READ):
            yield chunk
            chunk, emails = [], 0
        chunk.append(event)
        emails += len(event.others)
    if chunk:
        yield chunk


def _request_mail_index(workspace_id: str) -> None:
    from shared.mailsearch.backfill import request_index  # loaded only when meetings change without contacts

    request_index(workspace_id)


def apply_calendar_events(
    workspace_id: str, mailbox_id: str, events: Sequence[Mapping[str, Any]], *, time_zone: str | None = None
) -> MeetingsResult:
    """A page of `events.list(calendarId="primary", singleEvents=True)` of the calendar of `mailbox_id`'s owner,
    applied as meetings: idempotent, an updated event replacing its earlier version, a cancelled one taking
    its meeting and what it counted back. Also counts the mailbox's meetings that have ended since.
    `time_zone` is the page's `timeZone`, the calendar's."""
    return Meetings().apply(workspace_id, mailbox_id, events, time_zone=time_zone)
