import base64

import pytest

from shared.errors import InvalidInput
from shared.gmail.notifications import decode_notification
from shared.messaging.pubsub import pubsub_data
from shared.pipeline.fetched import HEADER_ONLY_LIMIT, MAX_BATCH_BYTES, FetchedMessage, batches_for, decode_batch


def test_a_gmail_notification_decodes_from_pubsub_data():
    data = pubsub_data(base64.b64encode(b'{"emailAddress": "ann@acme.com", "historyId": 1234}'))
    notification = decode_notification(data)
    assert notification.email_address == "ann@acme.com"
    assert notification.history_id == 1234


@pytest.mark.parametrize(
    "data",
    [None, "", "***not base64***"],
)
def test_broken_base64_is_invalid_input(data):
    with pytest.raises(InvalidInput, match="data"):
        pubsub_data(data)


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[1, 2]", b'{"emailAddress": "ann@acme.com"}', b'{"emailAddress": "a@b.c", "historyId": -3}'],
)
def test_wrong_json_is_invalid_input(payload):
    with pytest.raises(InvalidInput, match="not a Gmail notification"):
        decode_notification(payload)


TARGET = {"workspace_id": "w", "mailbox_id": "mb", "owner_email": "me@x.io", "sync_run_id": "run-1"}


def _message(message_id: str, raw: bytes) -> FetchedMessage:
    return FetchedMessage(message_id, "t1", ("INBOX",), 7, 1_700_000_000_000, raw)


def test_fetched_batches_round_trip_the_exact_bytes():
    raw = b"From: Ann <ann@acme.com>\r\nSubject: hi\r\n\r\nbody \xff bytes\r\n"
    [batch] = list(batches_for([_message("m1", raw)], **TARGET))
    decoded = decode_batch(batch.encode())
    assert decoded.messages[0].to_message() == _message("m1", raw)


def test_batches_split_to_fit_one_pubsub_message():
    big = b"Subject: x\r\n\r\n" + b"a" * (MAX_BATCH_BYTES // 3)
    batches = list(batches_for([_message(str(i), big) for i in range(5)], **TARGET))
    assert [len(b.messages) for b in batches] == [2, 2, 1]
    assert all(len(b.encode()) < 10 * 1024 * 1024 for b in batches)


def test_a_huge_message_travels_with_its_headers_only():
    huge = b"From: ann@acme.com\r\nSubject: deck\r\n\r\n" + b"x" * (HEADER_ONLY_LIMIT + 1)
    [batch] = list(batches_for([_message("m", huge)], **TARGET))
    raw = batch.messages[0].to_message().raw
    assert raw.startswith(b"From: ann@acme.com\r\nSubject: deck")
    assert len(raw) < 100


def test_a_batch_with_a_missing_field_is_invalid_input():
    with pytest.raises(InvalidInput, match="not a fetched-mail batch"):
        decode_batch(b'{"workspace_id": "w", "messages": []}')
