"""The local Gmail server through the real google-api-python-client: every answer checked against gmail.v1.json."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import google.auth.transport.requests
import httplib2
import jsonschema
import pytest
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from tests.unit.test_gmail_server_harness import (
    EML_DIR,
    OWNER,
    TAKEOUT_MBOX,
    RecordingServer,
    assert_exchanges_valid,
    schema_for,
    start_recording_server,
    validate,
)

HEX_ID = re.compile(r"^[0-9a-f]{16}$")


@pytest.fixture(scope="module")
def gmail() -> Iterator[RecordingServer]:
    server = start_recording_server()
    yield server
    server.server.stop()
    # The point of the module: every answer the server gave, batch parts included, matches its schema.
    assert assert_exchanges_valid(server.exchanges) > 20


@pytest.fixture
def mailbox(gmail: RecordingServer) -> dict[str, Any]:
    return gmail.load_mailbox(eml_dir=str(EML_DIR))


@pytest.fixture
def service(gmail: RecordingServer, mailbox: dict[str, Any]) -> Any:
    return gmail.service(mailbox["refreshToken"])


def all_ids(service: Any, **params: Any) -> list[str]:
    ids: list[str] = []
    request = service.users().messages().list(userId="me", **params)
    while request is not None:
        page = request.execute()
        ids += [message["id"] for message in page.get("messages", [])]
        request = service.users().messages().list_next(request, page)
    return ids


def subjects(service: Any, ids: list[str]) -> list[str]:
    found = []
    for message_id in ids:
        message = service.users().messages().get(userId="me", id=message_id, format="metadata").execute()
        found += [header["value"] for header in message["payload"]["headers"] if header["name"] == "Subject"]
    return found


def http_error(call: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(HttpError) as raised:
        call.execute()
    return raised.value.resp.status, json.loads(raised.value.content)


# Profile and listing ------------------------------------------------------------------------------------


def test_profile_counts_messages_threads_and_history(service: Any, mailbox: dict[str, Any]) -> None:
    profile = service.users().getProfile(userId="me").execute()
    assert profile == {
        "emailAddress": OWNER,
        "messagesTotal": 6,
        "threadsTotal": 5,
        "historyId": mailbox["historyId"],
    }


def test_list_is_newest_first_and_leaves_out_spam(service: Any) -> None:
    page = service.users().messages().list(userId="me").execute()
    dates = [
        int(service.users().messages().get(userId="me", id=m["id"], format="minimal").execute()["internalDate"])
        for m in page["messages"]
    ]
    assert dates == sorted(dates, reverse=True)
    assert all(HEX_ID.match(m["id"]) and HEX_ID.match(m["threadId"]) for m in page["messages"])
    assert page["resultSizeEstimate"] == 5
    assert "You won" not in subjects(service, [m["id"] for m in page["messages"]])


def test_pages_cover_every_message_once(service: Any) -> None:
    first = service.users().messages().list(userId="me", maxResults=2).execute()
    assert len(first["messages"]) == 2
    assert "nextPageToken" in first
    ids = all_ids(service, maxResults=2, includeSpamTrash=True)
    assert len(ids) == len(set(ids)) == 6


def test_label_ids_are_anded_and_spam_is_reachable(service: Any) -> None:
    assert len(all_ids(service, labelIds=["INBOX", "UNREAD"])) == 4
    assert subjects(service, all_ids(service, labelIds=["INBOX", "CATEGORY_PROMOTIONS"])) == ["50% off everything"]
    assert subjects(service, all_ids(service, labelIds=["SPAM"])) == ["You won"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("from:alice", ["Hello from Acme"]),
        ("from:me", ["Re: Hello from Acme"]),
        ("to:carol@globex.test", ["Proposal für Q1"]),
        ("subject:proposal", ["Proposal für Q1"]),
        ('subject:"from acme"', ["Re: Hello from Acme", "Hello from Acme"]),
        ("in:sent", ["Re: Hello from Acme"]),
        ("category:promotions", ["50% off everything"]),
        ("in:inbox -category:promotions after:2024/01/02", ["café ÿ menu", "Proposal für Q1"]),
        ("after:2024/01/01 before:2024/01/02", ["Re: Hello from Acme", "Hello from Acme"]),
        ("{from:alice from:deals}", ["50% off everything", "Hello from Acme"]),
        ("from:alice OR subject:proposal", ["Proposal für Q1", "Hello from Acme"]),
        ("has:attachment", ["Proposal für Q1"]),
        ("is:unread -from:broken older_than:1d", ["50% off everything", "Proposal für Q1", "Hello from Acme"]),
        ("newer_than:1d", ["café ÿ menu"]),
        ("pilot", ["Hello from Acme"]),
        ("in:spam", ["You won"]),
        ("rfc822msgid:hello-1@acme.test", ["Hello from Acme"]),
    ],
)
def test_search_queries(service: Any, query: str, expected: list[str]) -> None:
    assert subjects(service, all_ids(service, q=query)) == expected


@pytest.mark.parametrize("query", ["frobnicate:yes", "is:mystery", "after:yesterday", "(from:alice"])
def test_bad_queries_answer_400_in_googles_shape(service: Any, query: str) -> None:
    status, body = http_error(service.users().messages().list(userId="me", q=query))
    assert status == 400
    assert body["error"]["errors"][0]["reason"] == "invalidArgument"


# Getting messages ---------------------------------------------------------------------------------------


def find_id(service: Any, query: str) -> str:
    ids = all_ids(service, q=query, includeSpamTrash=True)
    assert len(ids) == 1, ids
    return ids[0]


def test_full_format_is_the_mime_tree(service: Any) -> None:
    message_id = find_id(service, "subject:proposal")
    message = service.users().messages().get(userId="me", id=message_id).execute()
    payload = message["payload"]
    assert payload["partId"] == ""
    assert payload["mimeType"] == "multipart/mixed"
    assert payload["body"] == {"size": 0}
    alternative, attachment = payload["parts"]
    assert [part["partId"] for part in alternative["parts"]] == ["0.0", "0.1"]
    plain = alternative["parts"][0]
    assert base64.urlsafe_b64decode(plain["body"]["data"]).decode() == "Grüße! Please find the proposal attached."
    assert attachment["filename"] == "proposal.pdf"
    assert "data" not in attachment["body"]
    headers = {header["name"]: header["value"] for header in payload["headers"]}
    assert headers["Subject"] == "Proposal für Q1"
    assert headers["From"] == "Björn Müller <bjorn@globex.test>"
    assert message["snippet"] == "Grüße! Please find the proposal attached."
    assert message["labelIds"] == ["INBOX", "UNREAD"]
    assert message["internalDate"] == "1704183300000"
    body = (
        service.users()
        .messages()
        .attachments()
        .get(userId="me", messageId=message_id, id=attachment["body"]["attachmentId"])
        .execute()
    )
    validate(body, schema_for("MessagePartBody"))
    assert base64.urlsafe_b64decode(body["data"]).startswith(b"%PDF-1.4")
    assert body["size"] == attachment["body"]["size"]


def test_raw_format_is_the_exact_bytes(service: Any) -> None:
    message = service.users().messages().get(userId="me", id=find_id(service, "from:alice"), format="raw").execute()
    assert base64.urlsafe_b64decode(message["raw"]) == (EML_DIR / "01-hello.eml").read_bytes()
    assert message["sizeEstimate"] == (EML_DIR / "01-hello.eml").stat().st_size
    assert "payload" not in message


def test_metadata_and_minimal_formats(service: Any) -> None:
    message_id = find_id(service, "from:alice")
    metadata = (
        service.users()
        .messages()
        .get(userId="me", id=message_id, format="metadata", metadataHeaders=["From", "subject"])
        .execute()
    )
    assert [header["name"] for header in metadata["payload"]["headers"]] == ["From", "Subject"]
    assert "parts" not in metadata["payload"]
    assert "body" not in metadata["payload"]
    minimal = service.users().messages().get(userId="me", id=message_id, format="minimal").execute()
    assert set(minimal) == {"id", "threadId", "labelIds", "snippet", "sizeEstimate", "historyId", "internalDate"}
    assert minimal["snippet"] == "Hi there, it&#39;s Alice. Shall we meet next week to talk about the pilot?"


def test_replies_share_the_thread_of_their_original(service: Any) -> None:
    original = service.users().messages().get(userId="me", id=find_id(service, "from:alice")).execute()
    reply = service.users().messages().get(userId="me", id=find_id(service, "from:me")).execute()
    assert reply["threadId"] == original["threadId"] == original["id"]


def test_broken_mime_and_charsets_still_load(service: Any) -> None:
    message = service.users().messages().get(userId="me", id=find_id(service, "from:broken")).execute()
    assert message["payload"]["mimeType"] == "multipart/mixed"
    assert len(message["payload"]["parts"]) == 2


def test_unknown_and_malformed_ids(service: Any) -> None:
    status, body = http_error(service.users().messages().get(userId="me", id="00000000000000ff"))
    assert status == 404
    assert body["error"]["errors"][0]["reason"] == "notFound"
    status, _ = http_error(service.users().messages().get(userId="me", id="not-an-id!"))
    assert status == 400


# Takeout mbox -------------------------------------------------------------------------------------------


def test_takeout_labels_threads_and_from_escapes(gmail: RecordingServer) -> None:
    loaded = gmail.load_mailbox("takeout@rapport.test", mbox=str(TAKEOUT_MBOX))
    assert loaded["messages"] == 4
    service = gmail.service(loaded["refreshToken"])
    ids = all_ids(service, includeSpamTrash=True)
    messages = [service.users().messages().get(userId="me", id=i, format="raw").execute() for i in ids]
    by_subject = {base64.urlsafe_b64decode(m["raw"]).split(b"Subject: ")[1].split(b"\n")[0]: m for m in messages}
    contract, reply = by_subject[b"Contract"], by_subject[b"Re: Contract"]
    assert contract["threadId"] == reply["threadId"] == f"{1787001000000000001:016x}"
    assert contract["labelIds"] == ["CATEGORY_PERSONAL", "IMPORTANT", "INBOX", "Label_1"]
    assert by_subject[b"Invoice"]["labelIds"] == ["CATEGORY_UPDATES", "INBOX", "Label_1", "STARRED", "UNREAD"]
    assert by_subject[b"Old newsletter"]["labelIds"] == ["TRASH"]
    assert b"\nFrom the legal team" in base64.urlsafe_b64decode(contract["raw"])
    assert len(all_ids(service, q="label:clients-acme")) == 2
    assert len(all_ids(service, q="is:starred label:Clients/Acme")) == 1
    assert len(all_ids(service)) == 3


# History and watch --------------------------------------------------------------------------------------

NEW_MAIL = b"""From: Frank <frank@initech.test>\r
To: owner@rapport.test\r
Subject: Quick question\r
Date: Fri, 05 Jan 2024 10:00:00 +0000\r
Message-ID: <question@initech.test>\r
\r
Are you free tomorrow?\r
"""


def test_history_records_delivered_and_changed_mail(gmail: RecordingServer, service: Any) -> None:
    start = service.users().getProfile(userId="me").execute()["historyId"]
    delivered = gmail.deliver(NEW_MAIL, label_ids="INBOX,UNREAD")
    gmail.post_json(f"/_dev/mailboxes/{OWNER}/messages/{delivered['id']}/labels", {"remove": ["UNREAD"]})
    history = service.users().history().list(userId="me", startHistoryId=start).execute()
    added, removed = history["history"]
    assert int(added["id"]) > int(start)
    assert added["id"] == delivered["historyId"]
    assert added["messagesAdded"] == [
        {"message": {"id": delivered["id"], "threadId": delivered["threadId"], "labelIds": ["INBOX", "UNREAD"]}}
    ]
    assert removed["labelsRemoved"][0]["labelIds"] == ["UNREAD"]
    assert history["historyId"] == removed["id"]
    only_added = service.users().history().list(userId="me", startHistoryId=start, historyTypes="messageAdded")
    assert [record["id"] for record in only_added.execute()["history"]] == [added["id"]]
    assert "history" not in service.users().history().list(userId="me", startHistoryId=start, labelId="SENT").execute()
    fetched = service.users().messages().get(userId="me", id=delivered["id"], format="minimal").execute()
    assert fetched["historyId"] == removed["id"]
    assert fetched["labelIds"] == ["INBOX"]


def test_history_pages(gmail: RecordingServer, service: Any) -> None:
    start = service.users().getProfile(userId="me").execute()["historyId"]
    for number in range(5):
        gmail.deliver(NEW_MAIL.replace(b"question@", f"q{number}@".encode()))
    request = service.users().history().list(userId="me", startHistoryId=start, maxResults=2)
    records = []
    while request is not None:
        page = request.execute()
        records += page.get("history", [])
        request = service.users().history().list_next(request, page)
    assert len(records) == 5
    assert [int(r["id"]) for r in records] == sorted(int(r["id"]) for r in records)


def test_expired_history_answers_404(gmail: RecordingServer, service: Any, mailbox: dict[str, Any]) -> None:
    old = mailbox["historyId"]
    gmail.deliver(NEW_MAIL)
    gmail.post_json(f"/_dev/mailboxes/{OWNER}/expire-history")
    status, body = http_error(service.users().history().list(userId="me", startHistoryId=old))
    assert status == 404
    assert body["error"]["errors"][0]["reason"] == "notFound"
    current = service.users().getProfile(userId="me").execute()["historyId"]
    assert service.users().history().list(userId="me", startHistoryId=current).execute() == {"historyId": current}


def test_replacing_a_mailbox_invalidates_old_cursors(gmail: RecordingServer, service: Any) -> None:
    old = service.users().getProfile(userId="me").execute()["historyId"]
    replaced = gmail.load_mailbox(eml_dir=str(EML_DIR))
    assert int(replaced["historyId"]) > int(old)
    status, _ = http_error(service.users().history().list(userId="me", startHistoryId=old))
    assert status == 404


def test_watch_publishes_matching_changes(gmail: RecordingServer, service: Any) -> None:
    topic = "projects/rapport-dev/topics/gmail-push"
    answer = service.users().watch(userId="me", body={"topicName": topic, "labelIds": ["INBOX"]}).execute()
    assert int(answer["expiration"]) > 0
    assert answer["historyId"]
    before = len(gmail.flush_notifications())
    inbox = gmail.deliver(NEW_MAIL, label_ids="INBOX")
    gmail.deliver(NEW_MAIL.replace(b"question@", b"sent@"), label_ids="SENT")
    published = gmail.flush_notifications()[before:]
    assert published == [(topic, {"emailAddress": OWNER, "historyId": int(inbox["historyId"])})]
    service.users().stop(userId="me").execute()
    gmail.deliver(NEW_MAIL, label_ids="INBOX")
    assert len(gmail.flush_notifications()) == before + 1


def test_watch_exclude_filter_and_bad_topic(gmail: RecordingServer, service: Any) -> None:
    topic = "projects/rapport-dev/topics/gmail-push"
    body = {"topicName": topic, "labelIds": ["SPAM"], "labelFilterBehavior": "EXCLUDE"}
    service.users().watch(userId="me", body=body).execute()
    before = len(gmail.flush_notifications())
    gmail.deliver(NEW_MAIL, label_ids="SPAM")
    kept = gmail.deliver(NEW_MAIL, label_ids="INBOX")
    assert [data["historyId"] for _, data in gmail.flush_notifications()[before:]] == [int(kept["historyId"])]
    status, _ = http_error(service.users().watch(userId="me", body={"topicName": "gmail-push"}))
    assert status == 400


# Batch --------------------------------------------------------------------------------------------------


def test_batch_through_an_explicit_batch_uri(gmail: RecordingServer, service: Any) -> None:
    ids = all_ids(service, includeSpamTrash=True)
    answers: dict[str, Any] = {}
    batch = BatchHttpRequest(
        callback=lambda request_id, response, error: answers.__setitem__(request_id, response or error),
        batch_uri=f"{gmail.url}/batch/gmail/v1",
    )
    for message_id in ids:
        batch.add(service.users().messages().get(userId="me", id=message_id, format="full"), request_id=message_id)
    batch.add(service.users().messages().get(userId="me", id="00000000000000ff"), request_id="missing")
    batch.execute()
    assert all(answers[message_id]["id"] == message_id for message_id in ids)
    assert isinstance(answers["missing"], HttpError)
    assert answers["missing"].resp.status == 404


def test_new_batch_http_request_when_the_root_url_is_local(gmail: RecordingServer, mailbox: dict[str, Any]) -> None:
    service = gmail.rooted_service(mailbox["refreshToken"])
    ids = all_ids(service)
    answers: list[str] = []
    batch = service.new_batch_http_request(callback=lambda _id, response, error: answers.append(response["id"]))
    for message_id in ids:
        batch.add(service.users().messages().get(userId="me", id=message_id, format="metadata"))
    batch.execute()
    assert answers == ids


def test_batch_of_more_than_100_parts_is_refused(gmail: RecordingServer, service: Any) -> None:
    batch = BatchHttpRequest(batch_uri=f"{gmail.url}/batch/gmail/v1")
    batch._requests = {}  # the client refuses to build such a batch itself, so assemble it directly
    for number in range(101):
        request_id = str(number)
        batch._requests[request_id] = service.users().getProfile(userId="me")
        batch._callbacks[request_id] = None
        batch._order.append(request_id)
    with pytest.raises(HttpError) as raised:
        batch.execute()
    assert raised.value.resp.status == 400


# OAuth --------------------------------------------------------------------------------------------------


def test_missing_or_unknown_token_is_401(gmail: RecordingServer, mailbox: dict[str, Any]) -> None:
    http = httplib2.Http()
    response, content = http.request(f"{gmail.url}/gmail/v1/users/me/profile")
    assert response.status == 401
    assert json.loads(content)["error"]["errors"][0]["reason"] == "authError"
    response, _ = http.request(
        f"{gmail.url}/gmail/v1/users/me/profile", headers={"Authorization": "Bearer ya29.unknown"}
    )
    assert response.status == 401
    assert "invalid_token" in response["www-authenticate"]


def test_another_users_mailbox_is_403(service: Any) -> None:
    status, body = http_error(service.users().getProfile(userId="someone.else@rapport.test"))
    assert status == 403
    assert body["error"]["status"] == "PERMISSION_DENIED"
    assert service.users().getProfile(userId=OWNER).execute()["emailAddress"] == OWNER


def test_refresh_and_revoke(gmail: RecordingServer, mailbox: dict[str, Any]) -> None:
    credentials = gmail.credentials(mailbox["refreshToken"])
    credentials.refresh(google.auth.transport.requests.Request())
    assert credentials.token
    assert credentials.token.startswith("ya29.")
    assert credentials.expiry is not None
    service = gmail.service(mailbox["refreshToken"])
    service.users().getProfile(userId="me").execute()
    gmail.post(f"/revoke?token={mailbox['refreshToken']}", b"", "application/x-www-form-urlencoded")
    with pytest.raises(RefreshError, match="invalid_grant"):
        service.users().getProfile(userId="me").execute()  # the 401 makes the client refresh, which now fails


def test_token_endpoint_errors(gmail: RecordingServer, mailbox: dict[str, Any]) -> None:
    form = "application/x-www-form-urlencoded"
    status, body = gmail.post_error("/token", b"grant_type=refresh_token&refresh_token=1//nope", form)
    assert status == 400
    assert body["error"] == "invalid_request"
    bad_client = b"grant_type=refresh_token&refresh_token=x&client_id=test-client.apps.googleusercontent.com"
    status, body = gmail.post_error("/token", bad_client + b"&client_secret=wrong", form)
    assert (status, body["error"]) == (401, "invalid_client")
    status, body = gmail.post_error("/token", bad_client + b"&client_secret=test-secret", form)
    assert (status, body) == (400, {"error": "invalid_grant", "error_description": "Bad Request"})


def test_authorization_code_grant(gmail: RecordingServer, mailbox: dict[str, Any]) -> None:
    code = gmail.post_json(f"/_dev/mailboxes/{OWNER}/authorization-code", {"redirectUri": "http://localhost/cb"})
    form = (
        f"grant_type=authorization_code&code={code['code']}&redirect_uri=http://localhost/cb"
        "&client_id=test-client.apps.googleusercontent.com&client_secret=test-secret"
    ).encode()
    answer = gmail.post("/token", form, "application/x-www-form-urlencoded")
    assert answer["refresh_token"].startswith("1//")
    assert answer["access_token"].startswith("ya29.")
    status, body = gmail.post_error("/token", form, "application/x-www-form-urlencoded")
    assert (status, body["error"]) == (400, "invalid_grant")  # codes are single use


# The validator itself -----------------------------------------------------------------------------------


def test_schema_validation_is_strict_about_unknown_properties() -> None:
    good = {"id": "18cc4774500e2c7c", "threadId": "18cc4774500e2c7c", "historyId": "100001", "internalDate": "1"}
    validate(good, schema_for("Message"))
    with pytest.raises(jsonschema.ValidationError):
        validate({**good, "threadID": "typo"}, schema_for("Message"))
    with pytest.raises(jsonschema.ValidationError):
        validate({**good, "historyId": 100001}, schema_for("Message"))  # uint64 travels as a string
    with pytest.raises(jsonschema.ValidationError):
        validate({"history": [{"id": "1", "messagesAdded": [{"mesage": {}}]}]}, schema_for("ListHistoryResponse"))


# Sending -------------------------------------------------------------------------------------------------

GMAIL_READONLY = "https://www.googleapis.com/auth/gmail.readonly"
GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"


def _raw(to: str, subject: str) -> str:
    message = f"To: {to}\r\nSubject: {subject}\r\nContent-Type: text/plain\r\n\r\nCome and join us.\r\n"
    return base64.urlsafe_b64encode(message.encode()).decode().rstrip("=")


def test_send_lands_in_the_senders_sent_mail_and_the_recipients_inbox(gmail: RecordingServer) -> None:
    sender = gmail.load_mailbox("sender@lumenway.io", scope=f"{GMAIL_READONLY} {GMAIL_SEND}")
    friend = gmail.service(gmail.load_mailbox("friend@lumenway.io")["refreshToken"])
    service = gmail.service(sender["refreshToken"])
    sent = service.users().messages().send(userId="me", body={"raw": _raw("friend@lumenway.io", "Join")}).execute()
    assert sent["labelIds"] == ["SENT"]
    stored = service.users().messages().get(userId="me", id=sent["id"], format="metadata").execute()
    headers = {header["name"]: header["value"] for header in stored["payload"]["headers"]}
    assert headers["From"] == "sender@lumenway.io"  # Gmail fills in the sender
    assert headers["Subject"] == "Join"
    assert subjects(friend, all_ids(friend, labelIds=["INBOX"])) == ["Join"]
    status, _ = http_error(service.users().messages().send(userId="me", body={"raw": ""}))
    assert status == 400


def test_send_needs_a_send_scope(gmail: RecordingServer) -> None:
    reader = gmail.load_mailbox("reader@lumenway.io")  # read-only Gmail
    service = gmail.service(reader["refreshToken"])
    status, body = http_error(service.users().messages().send(userId="me", body={"raw": _raw("x@lumenway.io", "Hi")}))
    assert status == 403
    assert body["error"]["errors"][0]["reason"] == "insufficientPermissions"


# Drafts --------------------------------------------------------------------------------------------------

GMAIL_COMPOSE = "https://www.googleapis.com/auth/gmail.compose"


def test_a_draft_is_stored_labelled_draft_listed_and_read_back_never_delivered(gmail: RecordingServer) -> None:
    writer = gmail.load_mailbox("writer@lumenway.io", scope=f"{GMAIL_READONLY} {GMAIL_COMPOSE}")
    friend = gmail.service(gmail.load_mailbox("friend2@lumenway.io")["refreshToken"])
    service = gmail.service(writer["refreshToken"])
    body = {"message": {"raw": _raw("friend2@lumenway.io", "Proposal follow-up")}}
    validate(body, schema_for("Draft"))  # what Rapport sends is a Draft as gmail.v1.json defines it
    created = service.users().drafts().create(userId="me", body=body).execute()
    assert created["message"]["labelIds"] == ["DRAFT"]
    listed = service.users().drafts().list(userId="me").execute()
    assert [draft["id"] for draft in listed["drafts"]] == [created["id"]]
    draft = service.users().drafts().get(userId="me", id=created["id"], format="metadata").execute()
    headers = {header["name"]: header["value"] for header in draft["message"]["payload"]["headers"]}
    assert (headers["From"], headers["Subject"]) == ("writer@lumenway.io", "Proposal follow-up")
    assert draft["message"]["labelIds"] == ["DRAFT"]
    assert all_ids(friend) == []  # a draft goes nowhere
    assert http_error(service.users().drafts().get(userId="me", id="r123"))[0] == 404


def test_a_reply_draft_joins_the_thread_it_names_and_an_unknown_thread_is_refused(gmail: RecordingServer) -> None:
    writer = gmail.load_mailbox("replier@lumenway.io", scope=f"{GMAIL_READONLY} {GMAIL_COMPOSE}")
    original = base64.urlsafe_b64decode(_raw("replier@lumenway.io", "Pricing") + "==")
    delivered = gmail.deliver(original, "replier@lumenway.io")
    service = gmail.service(writer["refreshToken"])
    reply = {"message": {"raw": _raw("someone@example.com", "Re: Pricing"), "threadId": delivered["threadId"]}}
    created = service.users().drafts().create(userId="me", body=reply).execute()
    assert created["message"]["threadId"] == delivered["threadId"]
    stray = {"message": {"raw": _raw("someone@example.com", "Re: Pricing"), "threadId": "00000000000000ff"}}
    assert http_error(service.users().drafts().create(userId="me", body=stray))[0] == 404
    assert http_error(service.users().drafts().create(userId="me", body={"message": {"raw": ""}}))[0] == 400


def test_drafts_need_a_compose_scope(gmail: RecordingServer) -> None:
    reader = gmail.service(gmail.load_mailbox("reader2@lumenway.io")["refreshToken"])  # read-only Gmail
    status, body = http_error(
        reader.users().drafts().create(userId="me", body={"message": {"raw": _raw("x@lumenway.io", "Hi")}})
    )
    assert status == 403
    assert body["error"]["errors"][0]["reason"] == "insufficientPermissions"
