"""Faults switched on over HTTP (`/_dev/faults`), seen through the real client, and their healing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httplib2
import pytest
import requests
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from devstack.gmail_server import errors
from tests.unit.test_gmail_server_harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    EML_DIR,
    GOOGLE_ERROR_SCHEMA,
    OWNER,
    RecordingServer,
    assert_exchanges_valid,
    start_recording_server,
    validate,
)

OTHER = "other@rapport.test"


@pytest.fixture(scope="module")
def gmail() -> Iterator[RecordingServer]:
    server = start_recording_server()
    yield server
    server.server.stop()
    assert assert_exchanges_valid(server.exchanges) > 20


@pytest.fixture
def mailbox(gmail: RecordingServer) -> Iterator[dict[str, Any]]:
    loaded = gmail.load_mailbox(eml_dir=str(EML_DIR))
    yield loaded
    gmail.call("DELETE", "/_dev/faults")


@pytest.fixture
def service(gmail: RecordingServer, mailbox: dict[str, Any]) -> Any:
    service = gmail.service(mailbox["refreshToken"])
    service.users().getProfile(userId="me").execute()  # refresh the token before any fault is set
    return service


@pytest.fixture
def message_id(service: Any) -> str:
    return str(service.users().messages().list(userId="me").execute()["messages"][0]["id"])


def add_fault(gmail: RecordingServer, **rule: Any) -> dict[str, Any]:
    return gmail.post_json("/_dev/faults", {"email": OWNER, **rule})


def faults(gmail: RecordingServer) -> list[dict[str, Any]]:
    return list(gmail.call("GET", "/_dev/faults")["faults"])


def failure(call: Any, num_retries: int = 0) -> tuple[int, dict[str, Any], Any]:
    with pytest.raises(HttpError) as raised:
        call.execute(num_retries=num_retries)
    body = json.loads(raised.value.content)
    validate(body, GOOGLE_ERROR_SCHEMA)
    return raised.value.resp.status, body["error"], raised.value.resp


def refresh_form(refresh_token: str) -> dict[str, str]:
    return {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


@pytest.mark.parametrize(
    ("kind", "status", "reason", "google_status"),
    [
        ("server_error", 500, "backendError", "INTERNAL"),
        ("unavailable", 503, "backendError", "UNAVAILABLE"),
        ("rate_limit", 429, "userRateLimitExceeded", "RESOURCE_EXHAUSTED"),
    ],
)
def test_api_faults_fail_count_calls_then_heal(
    gmail: RecordingServer, service: Any, message_id: str, kind: str, status: int, reason: str, google_status: str
) -> None:
    rule = add_fault(gmail, operation="messages.get", kind=kind, count=2)
    assert rule == {
        "id": rule["id"],
        "email": OWNER,
        "operation": "messages.get",
        "kind": kind,
        "remaining": 2,
        "hits": 0,
    }
    get = service.users().messages().get(userId="me", id=message_id)
    for _ in range(2):
        answer_status, error, response = failure(get)
        assert (answer_status, error["errors"][0]["reason"], error["status"]) == (status, reason, google_status)
    if kind == "rate_limit":
        assert response["retry-after"] == "1"
    assert get.execute(num_retries=0)["id"] == message_id
    assert faults(gmail) == []
    service.users().getProfile(userId="me").execute()  # other operations were never affected


def test_the_clients_own_retries_ride_out_a_short_fault(gmail: RecordingServer, service: Any, message_id: str) -> None:
    add_fault(gmail, operation="messages.get", kind="server_error", count=2)
    get = service.users().messages().get(userId="me", id=message_id)
    get._sleep = lambda seconds: None  # skip the client's backoff, not the retries
    assert get.execute(num_retries=2)["id"] == message_id


def test_a_fault_without_count_lasts_until_cleared(gmail: RecordingServer, service: Any) -> None:
    add_fault(gmail, operation="*", kind="unavailable")
    profile = service.users().getProfile(userId="me")
    for _ in range(3):
        assert failure(profile)[0] == 503
    assert faults(gmail)[0]["hits"] == 3
    assert gmail.call("DELETE", "/_dev/faults") == {"cleared": 1}
    profile.execute(num_retries=0)


def test_history_expired_hits_history_only_then_heals(gmail: RecordingServer, service: Any, message_id: str) -> None:
    add_fault(gmail, operation="*", kind="history_expired", count=1)
    service.users().messages().get(userId="me", id=message_id).execute()
    history_id = service.users().getProfile(userId="me").execute()["historyId"]
    history = service.users().history().list(userId="me", startHistoryId=history_id)
    status, error, _ = failure(history)
    assert (status, error["status"]) == (404, "NOT_FOUND")
    assert "historyId" in history.execute()


def test_revoked_fails_token_refresh_and_api_calls(
    gmail: RecordingServer, service: Any, mailbox: dict[str, Any]
) -> None:
    add_fault(gmail, operation="*", kind="revoked")
    # The 401 makes the client refresh its token, which answers invalid_grant: the grant looks revoked.
    with pytest.raises(RefreshError, match="invalid_grant"):
        service.users().getProfile(userId="me").execute()
    gmail.call("DELETE", "/_dev/faults")
    service.users().getProfile(userId="me").execute()


def test_revoked_on_the_api_only_is_a_401(gmail: RecordingServer, service: Any, mailbox: dict[str, Any]) -> None:
    token = requests.post(f"{gmail.url}/token", data=refresh_form(mailbox["refreshToken"]), timeout=10).json()
    add_fault(gmail, operation="getProfile", kind="revoked", count=1)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    response, content = httplib2.Http().request(f"{gmail.url}/gmail/v1/users/me/profile", headers=headers)
    assert response.status == 401
    assert json.loads(content)["error"]["status"] == "UNAUTHENTICATED"
    response, _ = httplib2.Http().request(f"{gmail.url}/gmail/v1/users/me/profile", headers=headers)
    assert response.status == 200


@pytest.mark.parametrize(
    ("kind", "status", "error"),
    [
        ("revoked", 400, "invalid_grant"),
        ("server_error", 500, "internal_failure"),
        ("unavailable", 503, "temporarily_unavailable"),
        ("rate_limit", 429, "rate_limit_exceeded"),
    ],
)
def test_token_endpoint_faults(
    gmail: RecordingServer, mailbox: dict[str, Any], kind: str, status: int, error: str
) -> None:
    add_fault(gmail, operation="token", kind=kind, count=1)
    form = refresh_form(mailbox["refreshToken"])
    answer = requests.post(f"{gmail.url}/token", data=form, timeout=10)
    assert answer.status_code == status
    assert answer.json()["error"] == error
    assert requests.post(f"{gmail.url}/token", data=form, timeout=10).status_code == 200


def test_faults_are_per_mailbox(gmail: RecordingServer, service: Any) -> None:
    other = gmail.load_mailbox(OTHER, eml_dir=str(EML_DIR))
    other_service = gmail.service(other["refreshToken"])
    add_fault(gmail, email=OTHER, operation="getProfile", kind="server_error")
    service.users().getProfile(userId="me").execute(num_retries=0)
    assert failure(other_service.users().getProfile(userId="me"))[0] == 500
    gmail.call("DELETE", f"/_dev/faults?email={OTHER}")
    add_fault(gmail, email=None, operation="getProfile", kind="server_error", count=2)
    assert failure(service.users().getProfile(userId="me"))[0] == 500
    assert failure(other_service.users().getProfile(userId="me"))[0] == 500


def test_batch_parts_honour_faults(gmail: RecordingServer, service: Any, message_id: str) -> None:
    add_fault(gmail, operation="messages.get", kind="server_error", count=2)
    statuses: list[int] = []

    def collect(request_id: str, response: Any, error: HttpError | None) -> None:
        statuses.append(error.resp.status if error else 200)

    batch = BatchHttpRequest(callback=collect, batch_uri=f"{gmail.url}/batch/gmail/v1")
    for _ in range(5):
        batch.add(service.users().messages().get(userId="me", id=message_id))
    batch.execute()
    assert statuses == [500, 500, 200, 200, 200]


def test_faulted_calls_spend_no_quota(gmail: RecordingServer, service: Any) -> None:
    gmail.call("DELETE", f"/_dev/mailboxes/{OWNER}/usage")
    add_fault(gmail, operation="getProfile", kind="server_error", count=1)
    failure(service.users().getProfile(userId="me"))
    service.users().getProfile(userId="me").execute()
    assert gmail.call("GET", f"/_dev/mailboxes/{OWNER}/usage")["units"] == 1


@pytest.mark.parametrize(
    "rule",
    [
        {"operation": "messages.get", "kind": "meltdown"},
        {"operation": "messages.send", "kind": "server_error"},
        {"operation": "messages.get", "kind": "history_expired"},
        {"operation": "messages.get", "kind": "server_error", "count": 0},
        {"operation": "messages.get", "kind": "server_error", "count": "2"},
        {"kind": "server_error"},
    ],
)
def test_bad_fault_rules_are_refused(gmail: RecordingServer, rule: dict[str, Any]) -> None:
    status, answer = gmail.post_error("/_dev/faults", json.dumps(rule).encode(), "application/json")
    assert status == 400
    validate(answer, GOOGLE_ERROR_SCHEMA)


def test_in_process_fault_hooks_still_work(gmail: RecordingServer, service: Any) -> None:
    hooks = gmail.server.app.store.fault_hooks
    hooks.append(lambda operation, email: errors.unavailable() if operation == "users.getProfile" else None)
    try:
        assert failure(service.users().getProfile(userId="me"))[0] == 503
    finally:
        hooks.clear()
    service.users().getProfile(userId="me").execute()
