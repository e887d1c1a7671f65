"""Gmail's per-user quota on the local server, through the real client.

Nothing here depends on how fast the machine is: ceilings are set so the window outlasts the test,
and the usage counters, not timings, say what was spent.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

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

USAGE = f"/_dev/mailboxes/{OWNER}/usage"
# 1 unit/s over 60 s: 60 units, i.e. twelve messages.get, and nothing frees up while a test runs.
SLOW_QUOTA = {"enabled": True, "unitsPerSecond": 1, "windowSeconds": 60}


@pytest.fixture(scope="module")
def gmail() -> Iterator[RecordingServer]:
    server = start_recording_server()
    yield server
    server.server.stop()
    assert assert_exchanges_valid(server.exchanges) > 20


@pytest.fixture
def service(gmail: RecordingServer) -> Iterator[Any]:
    mailbox = gmail.load_mailbox(eml_dir=str(EML_DIR))
    service = gmail.service(mailbox["refreshToken"])
    service.users().getProfile(userId="me").execute()  # the token refresh happens here, outside the counts
    gmail.call("DELETE", USAGE)
    yield service
    gmail.post_json("/_dev/quota", {"enabled": False, "unitsPerSecond": 250, "windowSeconds": 60})
    gmail.post_json(f"/_dev/mailboxes/{OWNER}/quota", {"enabled": None})


@pytest.fixture
def message_ids(gmail: RecordingServer, service: Any) -> list[str]:
    found = [message["id"] for message in service.users().messages().list(userId="me").execute()["messages"]]
    gmail.call("DELETE", USAGE)
    return found


def get(service: Any, message_id: str) -> Any:
    return service.users().messages().get(userId="me", id=message_id, format="metadata")


def usage(gmail: RecordingServer) -> dict[str, Any]:
    return gmail.call("GET", USAGE)


def rate_limited(call: Any, num_retries: int = 0) -> HttpError:
    with pytest.raises(HttpError) as raised:
        call.execute(num_retries=num_retries)
    return raised.value


def test_quota_is_off_by_default_but_units_are_counted(gmail: RecordingServer, service: Any) -> None:
    assert gmail.call("GET", "/_dev/quota") == {"enabled": False, "unitsPerSecond": 250.0, "windowSeconds": 60.0}
    users = service.users()
    users.getProfile(userId="me").execute()  # 1
    first = users.messages().list(userId="me").execute()["messages"][0]["id"]  # 5
    users.messages().get(userId="me", id=first).execute()  # 5
    history_id = users.getProfile(userId="me").execute()["historyId"]  # 1
    users.history().list(userId="me", startHistoryId=history_id).execute()  # 2
    users.watch(userId="me", body={"topicName": "projects/p/topics/t"}).execute()  # 100
    users.stop(userId="me").execute()  # 100
    counted = usage(gmail)
    assert {key: counted[key] for key in ("units", "calls", "rejected", "window_seconds")} == {
        "units": 214,
        "calls": 7,
        "rejected": 0,
        "window_seconds": 60.0,
    }
    assert counted["first_call_at"] <= counted["last_call_at"]


def test_over_quota_answers_429_with_retry_after(gmail: RecordingServer, service: Any, message_ids: list[str]) -> None:
    gmail.post_json("/_dev/quota", SLOW_QUOTA)
    for index in range(12):
        get(service, message_ids[index % len(message_ids)]).execute(num_retries=0)
    error = rate_limited(get(service, message_ids[0]))
    assert error.resp.status == 429
    assert 1 <= int(error.resp["retry-after"]) <= 60
    body = json.loads(error.content)
    validate(body, GOOGLE_ERROR_SCHEMA)
    assert body["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert body["error"]["errors"][0] | {"message": ""} == {
        "message": "",
        "domain": "usageLimits",
        "reason": "userRateLimitExceeded",
    }
    assert body["error"]["message"].startswith("User-rate limit exceeded.  Retry after 20")
    # Even a 1-unit call no longer fits; rejected calls spend nothing.
    assert rate_limited(service.users().getProfile(userId="me")).resp.status == 429
    counted = usage(gmail)
    assert (counted["units"], counted["calls"], counted["rejected"]) == (60, 12, 2)


def test_the_client_retries_429_by_itself(gmail: RecordingServer, service: Any) -> None:
    gmail.post_json("/_dev/quota", {"enabled": True, "unitsPerSecond": 0.001, "windowSeconds": 60})  # 0.06 units
    request = service.users().getProfile(userId="me")
    request._sleep = lambda seconds: None  # the client's own backoff, skipped so the test does not wait
    assert rate_limited(request, num_retries=3).resp.status == 429
    assert usage(gmail)["rejected"] == 4  # the first try and three retries


def test_batch_parts_over_quota_answer_their_own_429(
    gmail: RecordingServer, service: Any, message_ids: list[str]
) -> None:
    gmail.post_json("/_dev/quota", SLOW_QUOTA)
    answers: list[tuple[int, str | None]] = []

    def collect(request_id: str, response: Any, error: HttpError | None) -> None:
        answers.append((error.resp.status, error.resp.get("retry-after")) if error else (200, None))

    batch = BatchHttpRequest(callback=collect, batch_uri=f"{gmail.url}/batch/gmail/v1")
    for index in range(15):
        batch.add(get(service, message_ids[index % len(message_ids)]))
    batch.execute()
    assert [status for status, _ in answers] == [200] * 12 + [429] * 3
    assert all(retry_after and 1 <= int(retry_after) <= 60 for _, retry_after in answers[12:])
    counted = usage(gmail)
    assert (counted["units"], counted["calls"], counted["rejected"]) == (60, 12, 3)


def test_units_free_up_as_the_window_slides(gmail: RecordingServer, service: Any) -> None:
    gmail.post_json("/_dev/quota", {"enabled": True, "unitsPerSecond": 10, "windowSeconds": 0.5})  # 5 units
    profile = service.users().getProfile(userId="me")
    for _ in range(5):
        profile.execute(num_retries=0)
    assert rate_limited(profile).resp.status == 429
    time.sleep(0.6)  # longer than the window, so every unit spent is outside it however slow the machine
    profile.execute(num_retries=0)
    counted = usage(gmail)
    assert (counted["units"], counted["rejected"]) == (6, 1)


def test_the_mailbox_switch_overrides_the_global_one(gmail: RecordingServer, service: Any) -> None:
    tiny = {"unitsPerSecond": 0.001, "windowSeconds": 60}
    profile = service.users().getProfile(userId="me")
    gmail.post_json("/_dev/quota", {"enabled": False, **tiny})
    answer = gmail.post_json(f"/_dev/mailboxes/{OWNER}/quota", {"enabled": True})
    assert answer == {"email": OWNER, "enabled": True, "enforced": True}
    assert rate_limited(profile).resp.status == 429
    gmail.post_json("/_dev/quota", {"enabled": True})
    gmail.post_json(f"/_dev/mailboxes/{OWNER}/quota", {"enabled": False})
    profile.execute(num_retries=0)
    assert gmail.post_json(f"/_dev/mailboxes/{OWNER}/quota", {"enabled": None})["enforced"] is True
    assert rate_limited(profile).resp.status == 429


def test_usage_reset(gmail: RecordingServer, service: Any) -> None:
    service.users().getProfile(userId="me").execute()
    assert usage(gmail)["units"] == 1
    assert gmail.call("DELETE", USAGE) == {
        "units": 0,
        "calls": 0,
        "rejected": 0,
        "window_seconds": 60.0,
        "first_call_at": None,
        "last_call_at": None,
    }


@pytest.mark.parametrize(
    "body",
    [{"enabled": "yes"}, {"unitsPerSecond": 0}, {"windowSeconds": -1}, {"unitsPerSecond": True}],
)
def test_bad_quota_settings_are_refused(gmail: RecordingServer, body: dict[str, Any]) -> None:
    status, answer = gmail.post_error("/_dev/quota", json.dumps(body).encode(), "application/json")
    assert status == 400
    validate(answer, GOOGLE_ERROR_SCHEMA)


def test_command_line_quota_flags(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "RAPPORT_OAUTH_CLIENT_ID": CLIENT_ID, "RAPPORT_OAUTH_CLIENT_SECRET": CLIENT_SECRET}
    env["PUBSUB_EMULATOR_HOST"] = "127.0.0.1:1"
    command = [sys.executable, "-m", "devstack.gmail_server", "--port", str(port), "--quota"]
    process = subprocess.Popen([*command, "--quota-window-seconds", "60"], env=env, stderr=subprocess.DEVNULL)
    try:
        settings = _poll_json(f"http://127.0.0.1:{port}/_dev/quota", process)
        assert settings == {"enabled": True, "unitsPerSecond": 250.0, "windowSeconds": 60.0}
    finally:
        process.terminate()
        process.wait(timeout=10)


def _poll_json(url: str, process: subprocess.Popen[bytes]) -> Any:
    for _ in range(300):  # bounded: the server either comes up or the test fails
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                return json.load(answer)
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server never answered")
