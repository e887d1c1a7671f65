"""Reading Calendar events for the CRM: who the other side is, what is no meeting, and what a meeting weighs."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.calendar.meetings import ALL_DAY_WEIGHT, BROADCAST_WEIGHT, read_event
from shared.crm import member_strength as ms
from shared.crm.decay import DAY_MS
from shared.crm.policy import Policy
from shared.crm.relationships import Touch, TouchRole, compute_stats, touch_from_interaction
from shared.workspace_settings import WorkspaceSettings

OWNER = "owner@lumenway.io"
POLICY = Policy.of(WorkspaceSettings(blocklist=["spam.example"]), own_addresses=[OWNER, "ann@lumenway.io"])


def _event(**fields) -> dict:
    return {
        "id": "e1",
        "status": "confirmed",
        "updated": "2026-12-01T10:00:00.000Z",
        "start": {"dateTime": "2026-12-02T10:00:00+01:00"},
        "end": {"dateTime": "2026-12-02T10:30:00+01:00"},
        "organizer": {"email": "bo@globex.com", "displayName": "Bo"},
        "attendees": [
            {"email": OWNER, "self": True, "responseStatus": "accepted"},
            {"email": "bo@globex.com", "organizer": True, "responseStatus": "accepted"},
        ],
        **fields,
    }


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _read(**fields):
    return read_event(_event(**fields), POLICY, mailbox_email=OWNER)


def test_the_other_side_leaves_out_the_team_rooms_those_without_an_address_and_those_who_declined():
    event = _read(
        attendees=[
            {"email": "Owner@Lumenway.io", "responseStatus": "accepted"},
            {"email": "ann@lumenway.io"},
            {"email": "bo@globex.com", "displayName": "Bo Berg", "organizer": True},
            {"email": "cy@globex.com", "responseStatus": "declined"},
            {"email": "room-1@resource.calendar.google.com", "resource": True},
            {"displayName": "Someone without an address"},
            {"email": "not an address"},
        ],
        description="<p>Agenda: <b>terms</b></p>",
        location="Room 4",
    )
    assert event.skip is None
    assert [(a.email, a.name, a.organizer) for a in event.others] == [("bo@globex.com", "Bo Berg", True)]
    assert event.other_count == 1
    assert event.organised_by_team is False  # an invitation from outside: like mail received
    assert event.notes == "Room 4 Agenda: terms"
    assert event.start_ms == _ms(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    assert event.end_ms - event.start_ms == 30 * 60_000
    assert event.weight == 1.5


def test_what_is_no_meeting_says_why():
    declined = _event()
    declined["attendees"][0]["responseStatus"] = "declined"
    cases = {
        "cancelled": _event(status="cancelled"),
        "declined": declined,
        "not_a_meeting": _event(eventType="focusTime"),
        "no_time": _event(start={}),
        "no_other_attendee": _event(attendees=[{"email": OWNER, "self": True}], organizer={"email": OWNER}),
        "blocked": _event(attendees=[{"email": "bo@globex.com"}, {"email": "x@mail.spam.example"}]),
    }
    assert {reason: read_event(raw, POLICY, mailbox_email=OWNER).skip for reason, raw in cases.items()} == {
        reason: reason for reason in cases
    }
    stub = read_event({"id": "e1", "status": "cancelled"}, POLICY, mailbox_email=OWNER)
    assert (stub.skip, stub.updated_ms) == ("cancelled", 0)


def test_all_day_events_and_broadcasts_weigh_little_and_long_meetings_at_most_double():
    all_day = _read(start={"date": "2026-12-02"}, end={"date": "2026-12-03"})
    assert (all_day.all_day, all_day.weight) == (True, ALL_DAY_WEIGHT)
    crowd = [{"email": f"p{n}@crowd.example"} for n in range(500)]
    broadcast = _read(attendees=crowd)
    assert broadcast.broadcast
    assert broadcast.weight == BROADCAST_WEIGHT
    assert (len(broadcast.others), broadcast.other_count) == (50, 501)  # the organizer, Bo, is on it too
    offsite = _read(end={"dateTime": "2026-12-02T18:00:00+01:00"})
    assert offsite.weight == 2.0


def test_a_meeting_counts_as_two_way_in_a_members_score_and_in_the_trend():
    now = ms.ANCHOR_MS + 700 * DAY_MS
    meeting = ms.MemberTally()
    meeting.add_meeting(at_ms=now, weight=2.0, interaction_id="m1")
    sums = {"meeting": meeting.meeting, "fast": meeting.fast, "count": meeting.count}
    score = ms.member_score("mb", sums, now)
    assert score.score == 33.0  # as one fresh two-way exchange of mail (decision 27)
    assert score.trend == "rising"
    taken_back = ms.MemberTally()
    taken_back.merge(meeting)
    taken_back.add_meeting(at_ms=now, weight=2.0, interaction_id="m1", sign=-1)
    assert (taken_back.meeting, taken_back.fast, taken_back.count) == (0.0, 0.0, 0)


def test_the_team_strength_counts_a_meeting_once_it_has_ended_as_two_way_and_as_no_reply():
    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    person = [{"contactId": "c1", "email": "bo@globex.com", "sent": 0, "received": 0, "counted": True}]
    met = {"kind": "meeting", "occurredAt": at, "people": person, "pending": False}
    touch = touch_from_interaction(met, "c1")
    assert touch == Touch(_ms(at), None, TouchRole.MET)
    assert touch_from_interaction(met | {"pending": True}, "c1") is None
    stats = compute_stats([touch], _ms(at))
    assert stats.strength.score == 18.1  # raw 2: a fresh meeting weighs a message of a conversation
    assert (stats.my_replies, stats.their_replies) == (0, 0)


def test_an_all_day_event_is_a_day_in_the_calendars_time_zone_or_its_own():
    day = {"start": {"date": "2026-12-02"}, "end": {"date": "2026-12-03"}}
    in_la = read_event(_event(**day), POLICY, mailbox_email=OWNER, time_zone="America/Los_Angeles")
    assert in_la.start_ms == _ms(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))  # midnight in Los Angeles
    assert in_la.end_ms - in_la.start_ms == 24 * 3_600_000
    own_zone = {"start": {"date": "2026-12-02", "timeZone": "Asia/Tokyo"}, "end": {"date": "2026-12-03"}}
    in_tokyo = read_event(_event(**own_zone), POLICY, mailbox_email=OWNER, time_zone="America/Los_Angeles")
    assert in_tokyo.start_ms == _ms(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))  # the event's own zone wins
    unknown = read_event(_event(**day), POLICY, mailbox_email=OWNER, time_zone="Mars/Olympus_Mons")
    assert unknown.start_ms == _ms(datetime(2026, 12, 2, tzinfo=UTC))
    timed = read_event(_event(), POLICY, mailbox_email=OWNER, time_zone="America/Los_Angeles")
    assert timed.start_ms == _ms(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))  # a time carries its own offset
