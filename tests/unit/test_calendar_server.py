"""The local Calendar API through the real google-api-python-client, built as shared/clients.py builds it:
every answer checked against calendar.v3.json (converted independently of the server's own check)."""

from __future__ import annotations

import functools
import json
import threading
import urllib.error
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import googleapiclient
import jsonschema
import jsonschema_rs
import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from devstack import demo_calendar
from tests.unit.test_gmail_server_harness import (
    GOOGLE_ERROR_SCHEMA,
    RecordingServer,
    discovery_to_json_schema,
    start_recording_server,
)

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
_DOCUMENT = json.loads(
    (Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "calendar.v3.json").read_text()
)
_DEFS = {name: discovery_to_json_schema(schema) for name, schema in _DOCUMENT["schemas"].items()}


@functools.cache
def _validator(name: str) -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator({"$defs": _DEFS, "$ref": f"#/$defs/{name}"})


def _check(body: Any, name: str) -> None:
    _validator(name).validate(body)


def _check_exchanges(server: RecordingServer) -> int:
    checked = 0
    for exchange in server.exchanges:
        if not exchange.path.startswith("/calendar/v3/"):
            continue
        if exchange.status >= 400:
            jsonschema.validate(json.loads(exchange.body), GOOGLE_ERROR_SCHEMA)
        elif exchange.path.endswith("/events"):
            _check(json.loads(exchange.body), "Events")
        elif exchange.path.endswith("/watch"):
            _check(json.loads(exchange.body), "Channel")
        else:
            assert exchange.status == 204
            assert exchange.body == b""
        checked += 1
    return checked


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        type(self).received.append({name: value for name, value in self.headers.items() if name.startswith("X-Goog")})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def google() -> Iterator[RecordingServer]:
    server = start_recording_server()
    yield server
    server.server.stop()
    assert _check_exchanges(server) >= 10


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/calendar-push"
    httpd.shutdown()


@pytest.fixture
def owner() -> str:
    return f"owner-{uuid.uuid4().hex[:8]}@rapport.test"  # a calendar of its own per test


@pytest.fixture
def refresh_token(google: RecordingServer, owner: str) -> str:
    answer = google.post_json(
        "/_dev/mailboxes", {"email": owner, "scope": f"https://www.googleapis.com/auth/gmail.readonly {CALENDAR_SCOPE}"}
    )
    google.call("DELETE", "/_dev/faults")
    return str(answer["refreshToken"])


def calendar(google: RecordingServer, refresh_token: str) -> Any:
    return build(
        "calendar",
        "v3",
        credentials=google.credentials(refresh_token),
        client_options={"api_endpoint": f"{google.url}/calendar/v3/"},
        static_discovery=True,
        cache_discovery=False,
    )


def _at(days: float, hour: int = 10) -> datetime:
    now = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return now + timedelta(days=days)


def event(event_id: str, days: float, **fields: Any) -> dict[str, Any]:
    start = _at(days)
    return {
        "id": event_id,
        "summary": f"Meeting {event_id}",
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
        "attendees": [
            {"email": "me@rapport.test", "self": True, "responseStatus": "accepted"},
            {"email": "sam@globex.test"},
        ],
        **fields,
    }


def put(google: RecordingServer, owner: str, *events: dict[str, Any]) -> None:
    google.post_json(f"/_dev/calendars/{owner}/events", {"items": list(events)})


def list_all(service: Any, **params: Any) -> tuple[list[dict[str, Any]], str, int]:
    items, pages, token = [], 0, None
    while True:
        answer = service.events().list(calendarId="primary", pageToken=token, **params).execute()
        items += answer.get("items", [])
        pages += 1
        token = answer.get("nextPageToken")
        if not token:
            return items, answer["nextSyncToken"], pages


def test_full_sync_in_a_window_expands_recurring_events_then_syncs_changes_and_cancellations(
    google: RecordingServer, owner: str, refresh_token: str
) -> None:
    service = calendar(google, refresh_token)
    daily_since_long_ago = event("dailystandup", -400, recurrence=["RRULE:FREQ=DAILY"])
    put(
        google,
        owner,
        event("pastmeeting1", -10),
        event("farpast00001", -400),
        event("soon00000001", 3),
        daily_since_long_ago,
    )
    window = {"timeMin": _at(-180, 0).isoformat(), "timeMax": _at(30, 0).isoformat()}
    items, sync_token, pages = list_all(service, singleEvents=True, maxResults=50, showDeleted=True, **window)
    ids = {item["id"] for item in items}
    assert {"pastmeeting1", "soon00000001"} <= ids
    assert "farpast00001" not in ids
    instances = [item for item in items if item.get("recurringEventId") == "dailystandup"]
    assert 200 <= len(instances) <= 212
    assert pages >= 5
    assert all(item["id"].startswith("dailystandup_") and "originalStartTime" in item for item in instances)

    put(google, owner, event("pastmeeting1", -9, summary="Moved"), event("new000000001", 1))
    google.call("DELETE", f"/_dev/calendars/{owner}/events/soon00000001")
    changed, _, _ = list_all(service, singleEvents=True, syncToken=sync_token)
    by_id = {item["id"]: item for item in changed}
    assert set(by_id) == {"pastmeeting1", "new000000001", "soon00000001"}
    assert by_id["pastmeeting1"]["summary"] == "Moved"
    assert by_id["soon00000001"] == {
        "kind": "calendar#event",
        "etag": by_id["soon00000001"]["etag"],
        "id": "soon00000001",
        "status": "cancelled",
    }


def test_an_expired_sync_token_answers_410_and_a_bad_one_400(
    google: RecordingServer, owner: str, refresh_token: str
) -> None:
    service = calendar(google, refresh_token)
    _, sync_token, _ = list_all(service, singleEvents=True)
    google.post_json(f"/_dev/calendars/{owner}/expire-sync-tokens")
    with pytest.raises(HttpError) as gone:
        service.events().list(calendarId="primary", syncToken=sync_token).execute()
    assert gone.value.status_code == 410
    assert gone.value.error_details[0]["reason"] == "fullSyncRequired"
    _, fresh, _ = list_all(service, singleEvents=True)
    google.post_json("/_dev/faults", {"email": owner, "operation": "events.list", "kind": "sync_token_expired"})
    with pytest.raises(HttpError) as injected:
        service.events().list(calendarId="primary", syncToken=fresh).execute()
    assert injected.value.status_code == 410
    google.call("DELETE", "/_dev/faults")
    with pytest.raises(HttpError) as bad:
        service.events().list(calendarId="primary", syncToken="not-a-token").execute()
    assert bad.value.status_code == 400
    with pytest.raises(HttpError) as mixed:
        service.events().list(calendarId="primary", syncToken=fresh, timeMin=_at(0).isoformat()).execute()
    assert mixed.value.status_code == 400


def test_watch_pushes_google_headers_and_stop_ends_the_channel(
    google: RecordingServer, owner: str, refresh_token: str, receiver: str
) -> None:
    service = calendar(google, refresh_token)
    _Receiver.received.clear()
    body = {"id": "chan-1", "type": "web_hook", "address": receiver, "token": "secret-token", "params": {"ttl": "3600"}}
    channel = service.events().watch(calendarId="primary", body=body).execute()
    assert channel["id"] == "chan-1"
    assert channel["resourceId"]
    assert int(channel["expiration"]) > 0
    put(google, owner, event("pushed000001", 2))
    google.server.app.store.calendar_pusher.flush()
    sync, exists = _Receiver.received[-2:]
    assert sync["X-Goog-Resource-State"] == "sync"
    assert sync["X-Goog-Message-Number"] == "1"
    assert exists["X-Goog-Resource-State"] == "exists"
    assert exists["X-Goog-Message-Number"] == "2"
    assert exists["X-Goog-Channel-Id"] == "chan-1"
    assert exists["X-Goog-Channel-Token"] == "secret-token"
    assert exists["X-Goog-Resource-Id"] == channel["resourceId"]
    assert "X-Goog-Channel-Expiration" in exists
    with pytest.raises(HttpError) as duplicate:
        service.events().watch(calendarId="primary", body=body).execute()
    assert duplicate.value.status_code == 400
    service.channels().stop(body={"id": "chan-1", "resourceId": channel["resourceId"]}).execute()
    with pytest.raises(HttpError) as stopped:
        service.channels().stop(body={"id": "chan-1", "resourceId": channel["resourceId"]}).execute()
    assert stopped.value.status_code == 404


def test_scope_revocation_and_faults_answer_as_google_does(
    google: RecordingServer, owner: str, refresh_token: str
) -> None:
    gmail_only = google.post_json("/_dev/mailboxes", {"email": "gmail-only@rapport.test"})["refreshToken"]
    with pytest.raises(HttpError) as scope:
        calendar(google, gmail_only).events().list(calendarId="primary").execute()
    assert scope.value.status_code == 403
    service = calendar(google, refresh_token)
    service.events().list(calendarId="primary").execute()
    google.post_json("/_dev/faults", {"email": owner, "operation": "events.list", "kind": "rate_limit", "count": 1})
    google.post_json("/_dev/faults", {"email": owner, "operation": "events.list", "kind": "server_error", "count": 1})
    request = service.events().list(calendarId="primary")
    request._sleep = lambda seconds: None  # the client's own backoff, not what is tested here
    assert request.execute(num_retries=2)["kind"] == "calendar#events"  # retried twice
    google.post_json(f"/_dev/mailboxes/{owner}/revoke")
    with pytest.raises(RefreshError):
        calendar(google, refresh_token).events().list(calendarId="primary").execute()


def test_the_demo_calendar_is_calendar_v3_events_with_the_awkward_cases_a_real_one_holds() -> None:
    people = [(f"Person {rank}", f"person{rank}@globex.test") for rank in range(10)]
    events = demo_calendar.events("alex@lumenway.io", people)
    for item in events:
        _check(item, "Event")
    assert any(item.get("recurrence") for item in events)
    assert any("date" in item["start"] for item in events)  # all-day
    assert any(item["status"] == "cancelled" for item in events)
    assert any(item["attendees"][0]["responseStatus"] == "declined" for item in events)
    assert any("email" not in attendee for item in events for attendee in item["attendees"])
    assert len(demo_calendar.events("alex@lumenway.io", people[:1])) < len(events)  # rows without their people drop


def test_events_list_answers_with_the_calendars_own_time_zone(
    google: RecordingServer, owner: str, refresh_token: str
) -> None:
    service = calendar(google, refresh_token)
    assert service.events().list(calendarId="primary").execute()["timeZone"] == "UTC"  # until its owner sets one
    google.call("PUT", f"/_dev/calendars/{owner}/time-zone", {"timeZone": "America/Los_Angeles"})
    put(google, owner, event("offsite00001", 2, start={"date": "2026-12-02"}, end={"date": "2026-12-03"}))

    answer = service.events().list(calendarId="primary", singleEvents=True, maxResults=1).execute()

    assert answer["timeZone"] == "America/Los_Angeles"  # Events.timeZone (the answer is checked against the schema)
    with pytest.raises(urllib.error.HTTPError) as unknown:
        google.call("PUT", f"/_dev/calendars/{owner}/time-zone", {"timeZone": "Mars/Olympus_Mons"})
    assert unknown.value.code == 400
