"""A 10,000-message mailbox loads whole, lists without repeats and serves in batches (speed: `./rapport bench sync`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from googleapiclient.http import BatchHttpRequest

from tests.unit.test_gmail_server_harness import RecordingServer, start_recording_server

MESSAGES = 10_000
FETCHED = 1_500
BATCH_SIZE = 50


def write_mbox(path: Path, count: int) -> None:
    chunks = []
    for number in range(count):
        text = f"Hello again, this is note {number} about the renewal.\n" * 30
        chunks.append(
            f"From {number}@xxx Mon Jan 01 10:00:00 +0000 2024\n"
            f"X-GM-THRID: {1_700_000_000_000_000_000 + number // 3}\n"
            "X-Gmail-Labels: Inbox,Unread\n"
            f"From: Person {number % 300} <p{number % 300}@corp{number % 40}.test>\n"
            "To: owner@rapport.test\n"
            f"Subject: Renewal {number // 3}\n"
            f"Date: Mon, {1 + number % 28:02d} Jan 2024 10:{number % 60:02d}:00 +0000\n"
            f"Message-ID: <n{number}@corp.test>\n"
            f'Content-Type: multipart/alternative; boundary="b{number}"\n\n'
            f"--b{number}\nContent-Type: text/plain; charset=utf-8\n\n{text}\n"
            f"--b{number}\nContent-Type: text/html; charset=utf-8\n\n<p>{text}</p>\n--b{number}--\n\n"
        )
    path.write_text("".join(chunks))


@pytest.fixture(scope="module")
def gmail() -> Iterator[RecordingServer]:
    server = start_recording_server()
    yield server
    server.server.stop()


def test_ten_thousand_messages_load_list_and_batch(gmail: RecordingServer, tmp_path: Path) -> None:
    mbox = tmp_path / "big.mbox"
    write_mbox(mbox, MESSAGES)
    loaded = gmail.load_mailbox(mbox=str(mbox))
    assert loaded["messages"] == MESSAGES

    service = gmail.service(loaded["refreshToken"])
    ids: list[str] = []
    request = service.users().messages().list(userId="me", maxResults=500)
    while request is not None:
        page = request.execute()
        ids += [message["id"] for message in page["messages"]]
        request = service.users().messages().list_next(request, page)
    assert len(ids) == len(set(ids)) == MESSAGES

    assert fetch_in_batches(gmail, service, ids[:FETCHED]) == FETCHED


def fetch_in_batches(gmail: RecordingServer, service: Any, ids: list[str]) -> int:
    fetched = 0

    def count(_id: str, response: Any, error: Exception | None) -> None:
        nonlocal fetched
        assert error is None, error
        fetched += 1

    for offset in range(0, len(ids), BATCH_SIZE):
        batch = BatchHttpRequest(callback=count, batch_uri=f"{gmail.url}/batch/gmail/v1")
        for message_id in ids[offset : offset + BATCH_SIZE]:
            batch.add(service.users().messages().get(userId="me", id=message_id, format="full"))
        batch.execute()
    return fetched
