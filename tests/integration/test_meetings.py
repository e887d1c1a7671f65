"""Calendar events as meetings on the emulator: matched to contacts, on their timelines, counted in counters and
each teammate's strength once over; applied again, changed or cancelled, what they count follows exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared import ids
from shared.calendar.meetings import MAX_STORED_ATTENDEES, Meetings, meeting_id
from shared.crm import member_strength
from shared.crm.ingest import Ingestor
from shared.crm.repair import CrmRepair
from shared.crm.timeline import UPCOMING_DAYS, Timeline
from shared.gmail.mailboxes import MailboxStore
from shared.mailsearch.index import MailIndex, embedded_text
from shared.pipeline.fetched import FetchedMessage
from tests.support import mail, team_with_mailbox

pytestmark = pytest.mark.integration

OWNER, ANN = "owner@lumenway.io", "ann@lumenway.io"
BO, CY = "bo@globex.com", "cy@globex.com"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
MAILBOX = ids.mailbox_id(OWNER)


@pytest.fixture
def team(firestore_db, workspace_id):
    team_with_mailbox(firestore_db, workspace_id, OWNER)
    MailboxStore().save_connection(workspace_id=workspace_id, owner_uid="u-ann", email=ANN, refresh_token="t")
    return workspace_id


def _meetings(now: datetime = NOW) -> tuple[Meetings, list[set[str]]]:
    asked: list[set[str]] = []
    return Meetings(now=lambda: now, request_stats=lambda _ws, contacts: asked.append(set(contacts))), asked


def _event(
    event_id: str,
    start: datetime,
    *,
    minutes: int = 60,
    attendees: tuple[str, ...] = (BO,),
    updated: datetime = NOW - timedelta(days=30),
    **extra,
) -> dict:
    return {
        "kind": "calendar#event",
        "id": event_id,
        "status": "confirmed",
        "summary": "Term sheet review",
        "description": "Walk through the <b>term sheet</b>",
        "updated": updated.isoformat().replace("+00:00", "Z"),
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(minutes=minutes)).isoformat()},
        "organizer": {"email": OWNER, "self": True},
        "attendees": [{"email": OWNER, "self": True, "organizer": True, "responseStatus": "accepted"}]
        + [{"email": a, "responseStatus": "accepted"} for a in attendees],
        **extra,
    }


def _doc(db, workspace_id: str, collection: str, key: str) -> dict:
    return db.document("workspaces", workspace_id, collection, key).get().to_dict() or {}


def _contact(db, workspace_id: str, email: str) -> dict:
    return _doc(db, workspace_id, "contacts", ids.contact_id(email))


def _meeting_sums(contact: dict) -> dict:
    return (contact.get("memberStrength") or {}).get(MAILBOX) or {}


def test_a_meeting_creates_its_contacts_counts_once_and_shows_on_the_timeline(firestore_db, team):
    meetings, asked = _meetings()
    start = NOW - timedelta(days=2)
    page = [_event("ev1", start, attendees=(BO, CY, ANN))]

    first = meetings.apply(team, MAILBOX, page)
    again = meetings.apply(team, MAILBOX, page)

    assert (first.stored, again.unchanged, again.writes) == (1, 1, 0)
    bo = _contact(firestore_db, team, BO)
    assert bo["email"] == BO
    assert bo["companyId"] == "globex.com"
    assert not _contact(firestore_db, team, ANN)  # a teammate is never a contact
    assert bo["interactionCount"] == 1
    assert bo["lastInteractionMs"] == int(start.timestamp() * 1000)
    sums = _meeting_sums(bo)
    assert sums["count"] == 1
    assert sums["meeting"] == pytest.approx(2.0 * member_strength.forward_weight(sums["lastMs"], 45.0))
    # One hour with the owner scores what a fresh two-way exchange of mail does (decision 27).
    assert member_strength.member_score(MAILBOX, sums, int(start.timestamp() * 1000)).score == 33.0
    assert bo["cooccur"][ids.contact_id(CY)]["n"] == 1
    assert asked == [{ids.contact_id(BO), ids.contact_id(CY)}]  # stats follow, once
    assert _doc(firestore_db, team, "companies", "globex.com")["interactionCount"] == 1

    timeline = Timeline().of(
        team, parent_type="contact", parent_id=ids.contact_id(BO), before=None, limit=10, reader_uid="u-owner"
    )
    (item,) = timeline["items"]
    assert item["kind"] == "meeting"
    assert item["subject"] == "Term sheet review"
    assert item["snippet"] == "Walk through the term sheet"
    assert item["durationMinutes"] == 60
    # Ann reads the owner's mailbox at its default sharing, metadata: who and when, not what.
    shared = Timeline().of(
        team, parent_type="contact", parent_id=ids.contact_id(BO), before=None, limit=10, reader_uid="u-ann"
    )
    assert "subject" not in shared["items"][0]
    assert [a["email"] for a in shared["items"][0]["attendees"]] == [BO, CY]


def test_an_edited_event_replaces_its_meeting_and_a_cancelled_one_takes_back_all_it_counted(firestore_db, team):
    meetings, _ = _meetings()
    start = NOW - timedelta(days=3)
    meetings.apply(team, MAILBOX, [_event("ev1", start, attendees=(BO, CY))])
    moved = start - timedelta(days=1)
    edited = _event("ev1", moved, minutes=30, attendees=(BO,), updated=NOW - timedelta(days=1))

    result = meetings.apply(team, MAILBOX, [edited])
    stale = meetings.apply(team, MAILBOX, [_event("ev1", start, attendees=(BO, CY))])  # a late copy of v1

    assert (result.updated, stale.skipped["stale"]) == (1, 1)
    bo, cy = _contact(firestore_db, team, BO), _contact(firestore_db, team, CY)
    assert bo["interactionCount"] == 1
    assert cy["interactionCount"] == 0
    expected = 1.5 * member_strength.forward_weight(int(moved.timestamp() * 1000), 45.0)
    assert _meeting_sums(bo)["meeting"] == pytest.approx(expected, rel=1e-12)
    assert _meeting_sums(cy) == {}  # count 0: the entry goes, as if never written
    assert ids.contact_id(CY) not in bo.get("cooccur", {})  # no longer met together: n 0, the edge goes

    cancelled = meetings.apply(team, MAILBOX, [{"id": "ev1", "status": "cancelled"}])

    assert cancelled.removed == 1
    bo = _contact(firestore_db, team, BO)
    assert bo["interactionCount"] == 0
    assert _meeting_sums(bo) == {}  # count 0 and no sum left: the entry goes
    stub = _doc(firestore_db, team, "interactions", meeting_id(MAILBOX, "ev1"))
    assert (stub["skipped"], stub["contactIds"], stub["attendees"]) == ("cancelled", [], [])
    meeting = firestore_db.document("workspaces", team, "interactions", meeting_id(MAILBOX, "ev1"))
    assert not meeting.collection("content").document("subject").get().exists


def test_a_meeting_to_come_is_upcoming_and_counts_once_it_has_ended(firestore_db, team):
    meetings, _ = _meetings()
    start = NOW + timedelta(days=2)
    page = [_event("ev-next", start)]
    assert meetings.apply(team, MAILBOX, page).stored == 1
    bo = _contact(firestore_db, team, BO)
    assert bo["email"] == BO
    assert not bo.get("interactionCount")
    assert not _meeting_sums(bo)
    assert _doc(firestore_db, team, "interactions", meeting_id(MAILBOX, "ev-next"))["pending"] is True
    assert CrmRepair().contact_totals(team, contact_id=ids.contact_id(BO))["interactionCount"] == 0
    far = meetings.apply(team, MAILBOX, [_event("ev-far", NOW + timedelta(days=UPCOMING_DAYS + 30))])
    assert far.stored == 1
    timeline = Timeline().of(
        team, parent_type="contact", parent_id=ids.contact_id(BO), before=None, limit=10, reader_uid="u-owner"
    )
    assert [item["calendarEventId"] for item in timeline["items"]] == ["ev-next"]  # upcoming, not the far one

    later, _ = _meetings(now=start + timedelta(hours=2))
    assert later.count_ended(team, MAILBOX).counted == 1
    assert later.apply(team, MAILBOX, page).unchanged == 1  # its event, seen again, is the same meeting

    bo = _contact(firestore_db, team, BO)
    assert bo["interactionCount"] == 1
    assert _meeting_sums(bo)["count"] == 1


def test_bad_events_store_no_meeting_and_a_huge_one_is_bounded(firestore_db, team):
    meetings, _ = _meetings()
    at = NOW - timedelta(days=1)
    meetings.apply(team, MAILBOX, [_event("known", at - timedelta(days=5), attendees=(CY,))])
    crowd = (*tuple(f"guest{n}@crowd{n % 7}.example" for n in range(500)), CY)
    declined = _event("declined", at)
    declined["attendees"][0]["responseStatus"] = "declined"
    page = [
        declined,
        _event("alone", at, attendees=()),
        _event("rooms", at, attendees=(), description=None)
        | {"attendees": [{"email": "room@resource.calendar.google.com", "resource": True}, {"displayName": "No one"}]},
        _event("ooo", at, eventType="outOfOffice"),
        _event("all-hands", at, attendees=crowd),
    ]

    result = meetings.apply(team, MAILBOX, page)

    assert dict(result.skipped) == {"declined": 1, "no_other_attendee": 2, "not_a_meeting": 1}
    assert result.stored == 1
    big = _doc(firestore_db, team, "interactions", meeting_id(MAILBOX, "all-hands"))
    assert len(big["attendees"]) == MAX_STORED_ATTENDEES
    assert big["attendeeCount"] == 501
    assert big["contactIds"] == [ids.contact_id(CY)]  # a broadcast creates nobody; a contact on it counts
    assert big["linksPeople"] is False
    assert not _contact(firestore_db, team, crowd[0])
    assert _meeting_sums(_contact(firestore_db, team, CY))["count"] == 2


def test_a_contact_a_meeting_creates_gets_its_earlier_uncounted_mail_counted(firestore_db, team):
    # Bo wrote first; under the default policy ("people we wrote to") that made no contact.
    stored = Ingestor().ingest(
        workspace_id=team,
        mailbox_id=MAILBOX,
        owner_email=OWNER,
        sync_run_id="run-1",
        messages=[
            FetchedMessage(
                "g1", "t1", ("INBOX",), 1, int((NOW - timedelta(days=9)).timestamp() * 1000), mail(BO, OWNER, "Intro")
            )
        ],
    )
    assert stored.stored == 1
    assert not _contact(firestore_db, team, BO)
    meetings, asked = _meetings()

    result = meetings.apply(team, MAILBOX, [_event("ev1", NOW - timedelta(days=2))])  # the owner invited Bo

    assert result.created == {ids.contact_id(BO)}
    bo = _contact(firestore_db, team, BO)
    assert (bo["interactionCount"], bo["receivedCount"]) == (2, 1)
    assert _meeting_sums(bo)["count"] == 2  # the meeting and the adopted mail
    assert asked == [{ids.contact_id(BO)}]


def _stats(document: dict) -> dict:
    """A record as its counters and sums read: floats rounded where taking a term back leaves dust."""

    def settle(value):
        if isinstance(value, float):
            return float(f"{value:.12g}")  # forward-decayed sums are large: equal to 12 significant digits
        if isinstance(value, dict):
            return {k: settle(v) for k, v in value.items()}
        return value

    return {k: settle(v) for k, v in document.items() if k not in ("updatedAt", "createdAt", "memberScores")}


def test_a_cancelled_or_deleted_meeting_leaves_every_record_as_if_it_had_never_counted(firestore_db, team):
    meetings, asked = _meetings()
    earlier = NOW - timedelta(days=10)
    meetings.apply(team, MAILBOX, [_event("ev0", earlier)])
    before = _contact(firestore_db, team, BO), _doc(firestore_db, team, "companies", "globex.com")
    latest = _event("ev1", NOW - timedelta(days=2), attendees=(BO, CY), updated=NOW - timedelta(days=3))
    meetings.apply(team, MAILBOX, [latest])
    assert _contact(firestore_db, team, BO)["lastInteractionMs"] > before[0]["lastInteractionMs"]

    cancelled = meetings.apply(team, MAILBOX, [{"id": "ev1", "status": "cancelled"}])  # deleted: an id alone

    assert cancelled.removed == 1
    bo, globex = _contact(firestore_db, team, BO), _doc(firestore_db, team, "companies", "globex.com")
    assert _stats(bo) == _stats(before[0])
    assert _meeting_sums(bo)["lastId"] == meeting_id(MAILBOX, "ev0")
    assert ids.contact_id(CY) not in bo.get("cooccur", {})
    assert {k: globex.get(k) for k in ("interactionCount", "firstInteractionMs", "lastInteractionMs")} == {
        k: before[1].get(k) for k in ("interactionCount", "firstInteractionMs", "lastInteractionMs")
    }
    cy = _contact(firestore_db, team, CY)  # the meeting made Cy a contact, and counted nothing else
    assert cy["interactionCount"] == 0
    assert not {"lastInteractionMs", "firstInteractionMs", "memberStrength"} & cy.keys()
    assert not cy.get("cooccur")
    assert ids.contact_id(CY) in asked[-1]  # their stats and scores follow

    again = meetings.apply(team, MAILBOX, [{"id": "ev1", "status": "cancelled"}])
    late = meetings.apply(team, MAILBOX, [latest])  # the version before the deletion, delivered late
    assert (again.writes, late.writes, late.skipped["stale"]) == (0, 0, 1)
    assert _stats(_contact(firestore_db, team, BO)) == _stats(before[0])
    never = meetings.apply(team, MAILBOX, [{"id": "never-seen", "status": "cancelled"}])
    assert (never.writes, never.removed) == (0, 0)

    meetings.apply(team, MAILBOX, [_event("ev-first", earlier - timedelta(days=30))])  # now Bo's first
    assert _contact(firestore_db, team, BO)["firstInteractionMs"] < before[0]["firstInteractionMs"]
    meetings.apply(team, MAILBOX, [{"id": "ev-first", "status": "cancelled"}])
    assert _stats(_contact(firestore_db, team, BO)) == _stats(before[0])  # the first is the oldest left again


def test_an_edit_moving_a_meeting_ahead_or_dropping_an_attendee_leaves_their_stats_as_if_it_never_counted(
    firestore_db, team
):
    meetings, _ = _meetings()
    meetings.apply(team, MAILBOX, [_event("ev0", NOW - timedelta(days=10))])
    before = _contact(firestore_db, team, BO)
    meetings.apply(team, MAILBOX, [_event("ev1", NOW - timedelta(days=1), attendees=(BO, CY))])

    dropped = meetings.apply(
        team, MAILBOX, [_event("ev1", NOW - timedelta(days=1), attendees=(BO,), updated=NOW - timedelta(hours=5))]
    )
    assert dropped.updated == 1
    cy = _contact(firestore_db, team, CY)
    assert (cy["interactionCount"], cy.get("lastInteractionMs"), cy.get("memberStrength")) == (0, None, None)
    assert ids.contact_id(CY) not in _contact(firestore_db, team, BO).get("cooccur", {})

    moved = meetings.apply(
        team, MAILBOX, [_event("ev1", NOW + timedelta(days=2), attendees=(BO,), updated=NOW - timedelta(hours=1))]
    )
    assert moved.updated == 1
    assert _stats(_contact(firestore_db, team, BO)) == _stats(before)


def test_a_full_sync_takes_back_the_meetings_it_no_longer_lists_but_not_one_changed_while_it_listed(firestore_db, team):
    meetings, _ = _meetings()
    listed_at = NOW
    meetings.apply(
        team,
        MAILBOX,
        [
            _event("ev-kept", NOW - timedelta(days=20)),
            _event("ev-gone", NOW - timedelta(days=5), attendees=(CY,)),  # deleted while the sync token lapsed
            _event("ev-new", NOW - timedelta(days=1), attendees=(CY,), updated=listed_at + timedelta(minutes=1)),
            _event("ev-older", NOW - timedelta(days=400), attendees=(CY,)),  # before the window: never listed
        ],
    )
    window = (NOW - timedelta(days=180), NOW + timedelta(days=30))

    result = meetings.forget_unlisted(team, MAILBOX, listed={"ev-kept"}, window=window, listed_at=listed_at)

    assert result.removed == 1
    gone = _doc(firestore_db, team, "interactions", meeting_id(MAILBOX, "ev-gone"))
    assert (gone["skipped"], gone["contactIds"]) == ("cancelled", [])
    cy = _contact(firestore_db, team, CY)
    assert (cy["interactionCount"], _meeting_sums(cy)["count"]) == (2, 2)  # the new one and the old one
    again = meetings.forget_unlisted(team, MAILBOX, listed={"ev-kept"}, window=window, listed_at=listed_at)
    assert (again.removed, again.writes) == (0, 0)


def test_an_edited_meeting_is_embedded_again_for_search_once_and_a_moved_one_keeps_its_vector_with_its_new_time(
    stack, firestore_db, team
):
    indexed: list[str] = []
    meetings = Meetings(now=lambda: NOW, request_stats=lambda *_: None, request_index=indexed.append)
    start, index = NOW - timedelta(days=3), MailIndex()
    meetings.apply(team, MAILBOX, [_event("ev1", start)])
    assert index.catch_up(team).embedded == 1
    reference = firestore_db.document("workspaces", team, "interactions", meeting_id(MAILBOX, "ev1"))
    vector = firestore_db.document("workspaces", team, "mailEmbeddings", reference.id)
    words = {"summary": "Pricing for the analytics rollout", "description": "48,000 euros for the first year"}

    meetings.apply(team, MAILBOX, [_event("ev1", start, updated=NOW - timedelta(days=2), **words)])
    assert reference.get().to_dict()["embeddingDue"] is True
    report = index.catch_up(team)

    assert report.embedded == 1
    assert "embeddingDue" not in reference.get().to_dict()
    text = embedded_text(words["summary"], words["description"])
    assert vector.get().to_dict()["fingerprint"] == index.embedder.fingerprint(text)  # what search ranks by
    assert index.catch_up(team).embedded == 0  # once: nothing is due any more

    moved = start - timedelta(days=20)
    meetings.apply(team, MAILBOX, [_event("ev1", moved, updated=NOW - timedelta(days=1), **words)])
    again = index.catch_up(team)
    assert again.embedded == 0  # the same words: no model call
    assert vector.get().to_dict()["occurredAt"] == moved  # search's date filters see its new day

    assert indexed == []  # each of those moved Bo's counters, whose message runs the index
    meetings.apply(team, MAILBOX, [_event("ev-next", NOW + timedelta(days=2))])  # to come: no counter moves
    assert indexed == [team]
