"""Google Calendar sync against the local Calendar server and the emulators: the window, sync tokens and
410, push channels (verified, deduplicated), a revoked grant, retries, disconnecting, connecting by OAuth."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions._lib.http import BROWSER_COOKIE
from shared import ids
from shared.calendar import channels as calendar_channels
from shared.calendar.state import CALENDAR_CHANNELS, CalendarStore
from shared.calendar.sync import CalendarSync, CalendarSyncOutcome
from shared.clients import firestore_client
from shared.gmail.api import CALENDAR_READONLY_SCOPE, GMAIL_READONLY_SCOPE
from shared.gmail.connect import disconnect_mailbox
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.gmail.oauth import GmailOAuth
from shared.principals import Principal
from shared.workspaces import create_workspace
from tests.integration.api import Browser
from tests.support import wait_for

pytestmark = pytest.mark.integration


def _google(stack: Any, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        stack.gmail_url + path, data=data, headers={"Content-Type": "application/json"}, method=method
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return dict(json.load(answer))


def _event(event_id: str, days: float, **fields: Any) -> dict[str, Any]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    return {
        "id": event_id,
        "summary": f"Meeting {event_id}",
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(minutes=30)).isoformat()},
        "attendees": [{"email": "sam@globex.test", "responseStatus": "accepted"}],
        **fields,
    }


class Recorder:
    """Stands in for the meetings half: what each page handed to apply_calendar_events held."""

    def __init__(self) -> None:
        self.pages: list[list[dict[str, Any]]] = []
        self.zones: set[str | None] = set()  # the calendar's time zone each page came with
        self.listed: list[set[str]] = []  # what each full sync listed, handed on to take back the rest

    def __call__(
        self, workspace_id: str, mailbox_id: str, events: Sequence[Mapping[str, Any]], *, time_zone: str | None
    ) -> None:
        self.pages.append([dict(event) for event in events])
        self.zones.add(time_zone)

    def forget(self, workspace_id: str, mailbox_id: str, *, listed: set[str], window: Any, listed_at: Any) -> None:
        self.listed.append(set(listed))

    def ids(self) -> set[str]:
        return {str(event["id"]) for page in self.pages for event in page}


@pytest.fixture
def calendar_owner(stack: Any, firestore_db: Any, workspace_id: str) -> dict[str, Any]:
    """A connected mailbox whose grant covers Gmail and the calendar, its calendar asked to connect."""
    email = f"cal.{uuid.uuid4().hex[:8]}@lumenway.io"
    create_workspace(workspace_id, name="Team", owner_uid="u-owner", owner_email=email)
    grant = _google(
        stack, "POST", "/_dev/mailboxes", {"email": email, "scope": f"{GMAIL_READONLY_SCOPE} {CALENDAR_READONLY_SCOPE}"}
    )
    ref = MailboxStore().save_connection(
        workspace_id=workspace_id, owner_uid="u-owner", email=email, refresh_token=grant["refreshToken"]
    )
    CalendarStore().mark_connecting(ref)
    return {"email": email, "ref": ref}


def _put(stack: Any, email: str, *events: dict[str, Any]) -> None:
    _google(stack, "POST", f"/_dev/calendars/{email}/events", {"items": list(events)})


def test_a_full_sync_reads_the_window_then_only_changes_and_a_410_resyncs(
    stack: Any, calendar_owner: dict[str, Any]
) -> None:
    email, ref = calendar_owner["email"], calendar_owner["ref"]
    weekly = _event("weeklyreview", -700, recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO,TH"])
    _put(stack, email, _event("recent000001", -20), _event("yearago00001", -365), _event("nextweek0001", 7), weekly)
    _google(stack, "PUT", f"/_dev/calendars/{email}/time-zone", {"timeZone": "Europe/Zurich"})
    recorder = Recorder()
    sync = CalendarSync(apply=recorder, forget=recorder.forget)
    # A 429 and a 500 on the first list: the client retries both, the sync does not notice.
    for kind in ("rate_limit", "server_error"):
        _google(stack, "POST", "/_dev/faults", {"email": email, "operation": "events.list", "kind": kind, "count": 1})

    assert sync.sync(ref) is CalendarSyncOutcome.FULL
    seen = recorder.ids()
    assert {"recent000001", "nextweek0001"} <= seen
    assert "yearago00001" not in seen  # outside the 180-day window
    instances = [event_id for event_id in seen if event_id.startswith("weeklyreview_")]
    assert 55 <= len(instances) <= 62  # Mondays and Thursdays across 210 days
    assert len(recorder.pages) >= 1
    assert recorder.zones == {"Europe/Zurich"}  # all-day events are days there (shared/calendar/meetings.py)
    assert recorder.listed == [seen]  # the meetings stored in the window and no longer listed are taken back
    state = CalendarStore().sync_state(ref)
    assert state["syncToken"]
    assert state["channel"]["id"]
    mailbox = MailboxStore().get(ref)
    assert mailbox["calendar"]["status"] == "connected"

    recorder.pages.clear()
    _put(stack, email, _event("recent000001", -19, summary="Moved"))
    _google(stack, "DELETE", f"/_dev/calendars/{email}/events/nextweek0001")
    assert sync.sync(ref) is CalendarSyncOutcome.INCREMENTAL
    changed = {event["id"]: event for page in recorder.pages for event in page}
    assert set(changed) == {"recent000001", "nextweek0001"}
    assert len(recorder.listed) == 1  # an incremental sync lists changes only: it takes nothing back
    assert changed["nextweek0001"]["status"] == "cancelled"

    recorder.pages.clear()
    _google(stack, "POST", f"/_dev/calendars/{email}/expire-sync-tokens")
    assert sync.sync(ref) is CalendarSyncOutcome.RESYNCED
    resynced = {event["id"]: event for page in recorder.pages for event in page}
    assert resynced["nextweek0001"]["status"] == "cancelled"  # a full resync still removes what was deleted
    assert recorder.listed[-1] == set(resynced)
    assert "recent000001" in resynced
    assert CalendarStore().sync_state(ref)["syncToken"] != state["syncToken"]


def _push(stack: Any, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"{stack.functions_url}/calendar-push", data=b"", headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_pushes_are_verified_deduplicated_and_queue_one_sync(stack: Any, calendar_owner: dict[str, Any]) -> None:
    email, ref = calendar_owner["email"], calendar_owner["ref"]
    assert CalendarSync(apply=Recorder()).sync(ref) is CalendarSyncOutcome.FULL
    channel_id = CalendarStore().sync_state(ref)["channel"]["id"]
    stored = firestore_client().document(CALENDAR_CHANNELS, channel_id).get().to_dict() or {}
    before = MailboxStore().get(ref)["calendar"]["lastSyncAt"]

    _put(stack, email, _event("pushed000001", 1))  # Google pushes "exists" #2 to calendar-push: a sync runs
    wait_for(lambda: MailboxStore().get(ref)["calendar"]["lastSyncAt"] > before, what="the pushed sync")
    sent = _google(stack, "GET", f"/_dev/calendars/{email}/notifications")["notifications"]
    exists = next(item["headers"] for item in sent if item["headers"]["X-Goog-Resource-State"] == "exists")
    assert exists["X-Goog-Channel-Token"]
    assert stored["tokenSha256"] != exists["X-Goog-Channel-Token"]

    assert _push(stack, exists) == (200, {"outcome": "duplicate"})  # Google delivered it twice
    older = {**exists, "X-Goog-Message-Number": "1"}
    assert _push(stack, older) == (200, {"outcome": "duplicate"})  # a straggler after a later message
    assert _push(stack, {**exists, "X-Goog-Channel-Token": "guessed"})[0] == 403
    assert _push(stack, {**exists, "X-Goog-Message-Number": "9", "X-Goog-Resource-ID": "other"})[0] == 403
    assert _push(stack, {**exists, "X-Goog-Channel-ID": "made-up"})[0] == 404
    assert _push(stack, {**exists, "X-Goog-Message-Number": "x"})[0] == 400
    assert _push(stack, {**exists, "X-Goog-Message-Number": "7"}) == (200, {"outcome": "sync"})
    last = firestore_client().document(CALENDAR_CHANNELS, channel_id).get().to_dict() or {}
    assert last["lastMessageNumber"] == 7


def test_a_revoked_grant_disconnects_only_the_calendar_and_disconnecting_stops_its_channel(
    stack: Any, calendar_owner: dict[str, Any]
) -> None:
    email, ref = calendar_owner["email"], calendar_owner["ref"]
    sync = CalendarSync(apply=Recorder())
    assert sync.sync(ref) is CalendarSyncOutcome.FULL
    channel_id = CalendarStore().sync_state(ref)["channel"]["id"]
    assert [channel["id"] for channel in _google(stack, "GET", f"/_dev/calendars/{email}/channels")["channels"]] == [
        channel_id
    ]

    # The calendar's channel is stopped at Google while the grant still works; its state goes with it.
    disconnect_mailbox(ref, delete_data=False, before_forget=calendar_channels.stop_calendar, revoke=lambda token: None)
    assert _google(stack, "GET", f"/_dev/calendars/{email}/channels")["channels"] == []
    assert not firestore_client().document(CALENDAR_CHANNELS, channel_id).get().exists
    assert "calendar" not in MailboxStore().get(ref)


def test_a_revoked_grant_marks_the_calendar_disconnected_and_leaves_gmail_connected(
    stack: Any, calendar_owner: dict[str, Any]
) -> None:
    email, ref = calendar_owner["email"], calendar_owner["ref"]
    _google(stack, "POST", f"/_dev/mailboxes/{email}/revoke")
    assert CalendarSync(apply=Recorder()).sync(ref) is CalendarSyncOutcome.DISCONNECTED
    mailbox = MailboxStore().get(ref)
    assert mailbox["status"] == "connected"  # Gmail's own sync finds out for itself, as it always did
    assert mailbox["calendar"]["status"] == "disconnected"
    assert "connect the calendar again" in mailbox["calendar"]["lastError"]
    assert CalendarSync(apply=Recorder()).sync(ref) is CalendarSyncOutcome.NOT_CONNECTED


def _consent(
    stack: Any, workspace_id: str, principal: Principal, *, calendar: bool
) -> tuple[dict[str, list[str]], str]:
    """The browser's part of Google's consent, started in-process (no sign-in emulator needed): the consent
    URL's query, and where the callback sends the browser back."""
    start = GmailOAuth().start(principal, workspace_id, calendar=calendar)
    browser = Browser()
    callback = browser.consent(start.authorization_url)
    request = urllib.request.Request(callback, headers={"Cookie": f"{BROWSER_COOKIE}={start.browser_nonce}"})
    answer = browser.open_request(request)
    assert answer.status == 302, answer.body
    return urllib.parse.parse_qs(urllib.parse.urlparse(start.authorization_url).query), answer.headers["Location"]


def test_connecting_the_calendar_asks_google_for_calendar_readonly_on_the_same_grant(
    stack: Any, firestore_db: Any, workspace_id: str
) -> None:
    uid, email = f"u-{uuid.uuid4().hex[:6]}", f"owner.{uuid.uuid4().hex[:6]}@lumenway.io"
    create_workspace(workspace_id, name="Team", owner_uid=uid, owner_email=email)
    _google(stack, "POST", "/_dev/mailboxes", {"email": email})
    _put(stack, email, _event("kickoff00001", -3))
    principal = Principal(uid, email, email_verified=True)
    _, landed = _consent(stack, workspace_id, principal, calendar=False)
    assert "gmail=connected" in landed

    query, landed = _consent(stack, workspace_id, principal, calendar=True)
    assert query["scope"][0].split() == ["openid", "email", CALENDAR_READONLY_SCOPE]
    assert query["include_granted_scopes"] == ["true"]
    assert "calendar=connected" in landed
    ref = MailboxRef(workspace_id, ids.mailbox_id(email))
    wait_for(lambda: (MailboxStore().get(ref).get("calendar") or {}).get("status") == "connected", what="calendar")
    assert MailboxStore().get(ref)["calendar"]["eventsSynced"] >= 1
    assert MailboxStore().get(ref)["status"] == "connected"


def test_the_daily_renewal_replaces_a_channel_about_to_lapse_and_stops_the_old_one(
    stack: Any, calendar_owner: dict[str, Any]
) -> None:
    email, ref = calendar_owner["email"], calendar_owner["ref"]
    assert CalendarSync(apply=Recorder()).sync(ref) is CalendarSyncOutcome.FULL
    old = CalendarStore().sync_state(ref)["channel"]
    # A day before it lapses: inside the renewal's margin, so this run must replace it.
    soon = datetime.now(UTC) + timedelta(days=1)
    firestore_client().document("calendarSync", f"{ref.workspace_id}_{ref.mailbox_id}").update(
        {"channel.expiration": soon}
    )

    status, _, report = _post_internal(stack, "renew-watches")
    assert status == 200
    assert report["calendarChannels"] == {"renewed": 1, "disconnected": 0, "failed": 0}
    new = CalendarStore().sync_state(ref)["channel"]
    assert new["id"] != old["id"]
    assert new["expiration"] > soon
    live = _google(stack, "GET", f"/_dev/calendars/{email}/channels")["channels"]
    assert [channel["id"] for channel in live] == [new["id"]]
    assert not firestore_client().document(CALENDAR_CHANNELS, old["id"]).get().exists


def _post_internal(stack: Any, function: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    request = urllib.request.Request(
        f"{stack.internal_url}/{function}", data=b"{}", headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.status, dict(answer.headers), json.load(answer)
