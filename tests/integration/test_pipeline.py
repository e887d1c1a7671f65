"""The first real path, live on the emulators: Gmail push → sync task → fetched mail → Firestore."""

from __future__ import annotations

import base64
import json
import urllib.request
import uuid

import pytest

from devstack import demo
from shared import clients, ids
from shared.crm.search import Search
from shared.gmail.api import GmailMailbox
from shared.gmail.connect import connect_mailbox
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.resources import resources
from shared.workspaces import create_workspace
from tests.support import connected_without_watch, mail, wait_for

pytestmark = pytest.mark.integration
# These tests follow the pipeline itself: every correspondent counts, and no first-sync preview waits for approval.
OPEN_POLICY = {"settings": {"contactCreation": "sent_and_received", "requirePreview": False}}


def _connect(stack, workspace_id: str, mbox=None) -> tuple[str, MailboxRef]:
    owner = f"owner.{uuid.uuid4().hex[:8]}@lumenway.io"
    create_workspace(workspace_id, name="Test team", owner_uid="u-owner", owner_email=owner)
    clients.firestore_client().document("workspaces", workspace_id).set(OPEN_POLICY, merge=True)
    token = demo.load_mailbox(stack.gmail_url, owner, mbox)
    ref = connect_mailbox(workspace_id=workspace_id, owner_uid="u-owner", refresh_token=token)
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync")
    return owner, ref


def _contact(db, workspace_id: str, email: str) -> dict:
    snapshot = db.document("workspaces", workspace_id, "contacts", ids.contact_id(email)).get()
    return snapshot.to_dict() or {}


def _interactions(db, workspace_id: str) -> int:
    return int(db.collection("workspaces", workspace_id, "interactions").count().get()[0][0].value)


def _publish(topic_key: str, data: bytes) -> None:
    topic = clients.topic_path(resources().topic(topic_key))
    clients.publisher().publish(topic, data).result(timeout=10)


def test_new_mail_becomes_a_contact_and_a_company(stack, firestore_db, workspace_id):
    owner, _ = _connect(stack, workspace_id)
    demo.deliver(stack.gmail_url, owner, mail("Ann Lee <Ann.Lee@Acme.co.uk>", owner, "Pilot pricing"))

    ann = wait_for(lambda: _contact(firestore_db, workspace_id, "ann.lee@acme.co.uk"), what="Ann as a contact")
    assert ann["name"] == "Ann Lee"
    assert (ann["receivedCount"], ann["sentCount"], ann["interactionCount"]) == (1, 0, 1)
    assert ann["companyId"] == "acme.co.uk"
    company = firestore_db.document("workspaces", workspace_id, "companies", "acme.co.uk").get().to_dict()
    assert company["name"] == "Acme"
    assert company["interactionCount"] == 1
    # Found by the search box's prefix queries like records made through the API.
    assert {"a", "ann", "le", "lee", "acme", "ann.lee@acme.co.uk"} <= set(ann["searchTokens"])
    assert {"ac", "acme", "co", "uk"} <= set(company["searchTokens"])
    assert ann["searchKeys"] == dict.fromkeys(ann["searchTokens"], True)  # the same tokens, as the map Search asks
    assert [hit.record["id"] for hit in Search().search(workspace_id, "Lee Ann", collections=["contacts"])] == [
        ids.contact_id("ann.lee@acme.co.uk")
    ]

    demo.deliver(stack.gmail_url, owner, mail(owner, "Ann Lee <ann.lee@acme.co.uk>", "Re: Pilot pricing"), "SENT")
    wait_for(lambda: _contact(firestore_db, workspace_id, "ann.lee@acme.co.uk").get("sentCount") == 1, what="sent")
    ann = _contact(firestore_db, workspace_id, "ann.lee@acme.co.uk")
    assert (ann["receivedCount"], ann["interactionCount"]) == (1, 2)
    assert ann["lastInteractionMs"] >= ann["firstInteractionMs"]


def test_automated_mail_never_becomes_a_contact(stack, firestore_db, workspace_id):
    owner, _ = _connect(stack, workspace_id)
    newsletter = mail(
        "Acme News <news@acme.com>", owner, "This week", headers={"List-Unsubscribe": "<mailto:unsub@acme.com>"}
    )
    demo.deliver(stack.gmail_url, owner, newsletter)
    demo.deliver(stack.gmail_url, owner, mail("Bo <bo@northwind.io>", owner))
    wait_for(lambda: _contact(firestore_db, workspace_id, "bo@northwind.io"), what="Bo as a contact")
    wait_for(lambda: _interactions(firestore_db, workspace_id) == 2, what="both messages recorded")
    assert _contact(firestore_db, workspace_id, "news@acme.com") == {}


def test_every_notification_delivered_three_times_counts_once(stack, firestore_db, workspace_id):
    owner, ref = _connect(stack, workspace_id)
    delivered = demo.deliver(stack.gmail_url, owner, mail("Cy <cy@globex.de>", owner))
    wait_for(lambda: _contact(firestore_db, workspace_id, "cy@globex.de"), what="Cy as a contact")

    notification = json.dumps({"emailAddress": owner, "historyId": int(delivered["historyId"])}).encode()
    for _ in range(3):
        _publish("gmail_notifications", notification)
    demo.deliver(stack.gmail_url, owner, mail("Di <di@globex.de>", owner))  # a later change flushes the pipeline
    wait_for(lambda: _contact(firestore_db, workspace_id, "di@globex.de"), what="Di as a contact")
    wait_for(lambda: demo.mailbox_progress(ref).done, what="sync to settle")

    assert _contact(firestore_db, workspace_id, "cy@globex.de")["receivedCount"] == 1
    assert _interactions(firestore_db, workspace_id) == 2
    company = firestore_db.document("workspaces", workspace_id, "companies", "globex.de").get().to_dict()
    assert company["interactionCount"] == 2


def test_a_redelivered_batch_of_fetched_mail_changes_nothing(stack, firestore_db, workspace_id):
    from shared.crm.ingest import Ingestor
    from shared.pipeline.fetched import FetchedMessage

    messages = [
        FetchedMessage(
            f"m{i}", "t1", ("INBOX",), i + 1, 1_700_000_000_000 + i, mail("Eve <eve@initech.com>", "me@x.io")
        )
        for i in range(3)
    ]
    ingestor = Ingestor()
    firestore_db.document("workspaces", workspace_id).set(OPEN_POLICY)
    MailboxStore().save_connection(workspace_id=workspace_id, owner_uid="u", email="me@x.io", refresh_token="t")
    target = {"workspace_id": workspace_id, "mailbox_id": ids.mailbox_id("me@x.io"), "owner_email": "me@x.io"}
    first = ingestor.ingest(**target, sync_run_id="run-1", messages=messages)
    again = ingestor.ingest(**target, sync_run_id="run-1", messages=messages)
    partly = ingestor.ingest(
        **target,
        sync_run_id="run-2",
        messages=[*messages[:1], FetchedMessage("m9", "t2", ("INBOX",), 9, 1_700_000_100_000, messages[0].raw)],
    )
    assert (first.stored, first.duplicates) == (3, 0)
    assert (again.stored, again.duplicates) == (0, 3)
    assert (partly.stored, partly.duplicates) == (1, 1)
    eve = _contact(firestore_db, workspace_id, "eve@initech.com")
    assert (eve["receivedCount"], eve["interactionCount"]) == (4, 4)


def _push(stack, function: str, data: str | None) -> int:
    envelope = {"message": {"data": data, "messageId": uuid.uuid4().hex, "publishTime": "2026-01-01T00:00:00Z"}}
    envelope["subscription"] = "projects/demo-rapport/subscriptions/test"
    request = urllib.request.Request(
        f"{stack.internal_url}/{function}",
        data=json.dumps(envelope).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


@pytest.mark.parametrize(
    "data",
    [
        "%%% not base64 %%%",
        base64.b64encode(b"{not json").decode(),
        base64.b64encode(b'{"emailAddress": "nobody@nowhere.example", "historyId": 5}').decode(),
        None,
    ],
    ids=["broken-base64", "broken-json", "unknown-mailbox", "no-data"],
)
def test_bad_pushes_are_acknowledged_and_write_nothing(stack, firestore_db, data):
    assert _push(stack, "gmail-push", data) == 200  # acknowledged: Pub/Sub will not retry it
    # An earlier test's background work (mail indexing after its ingestion) may still finish inside its
    # own workspace after the wipe; the push itself must leave nothing anywhere else, nor name the address.
    assert [c.id for c in firestore_db.collections() if c.id != "workspaces"] == []
    assert _paths_mentioning(firestore_db.collections(), "nowhere.example") == []


def _paths_mentioning(collections, text: str) -> list[str]:
    found = []
    for collection in collections:
        for reference in collection.list_documents():  # parents that hold only subcollections too
            data = reference.get().to_dict() or {}
            if text in reference.path or text in json.dumps(data, default=str):
                found.append(reference.path)
            found += _paths_mentioning(reference.collections(), text)
    return found


def test_an_unreadable_fetched_batch_is_kept_as_a_dead_letter(stack, firestore_db):
    assert _push(stack, "extract-messages", base64.b64encode(b'{"messages": "nope"}').decode()) == 200
    letters = [d.to_dict() for d in firestore_db.collection("deadLetters").stream()]
    assert len(letters) == 1
    assert letters[0]["source"] == "mail-fetched"
    assert "not a fetched-mail batch" in letters[0]["reason"]


def test_an_expired_cursor_resyncs_in_full_without_duplicates(stack, firestore_db, workspace_id):
    owner, ref = _connect(stack, workspace_id)
    demo.deliver(stack.gmail_url, owner, mail("Fay <fay@hooli.com>", owner))
    wait_for(lambda: _contact(firestore_db, workspace_id, "fay@hooli.com"), what="Fay as a contact")

    # Mail arrives while no notification reaches Rapport, and then Gmail forgets the history behind the cursor.
    gmail = GmailMailbox.for_refresh_token(MailboxStore().refresh_token(ref))
    gmail.stop_watch()
    demo.deliver(stack.gmail_url, owner, mail("Fay <fay@hooli.com>", owner, "Second"))
    demo.dev_call(stack.gmail_url, f"mailboxes/{owner}/expire-history", {})
    gmail.watch(clients.topic_path(resources().topic("gmail_notifications")))
    demo.deliver(stack.gmail_url, owner, mail("Fay <fay@hooli.com>", owner, "Third"))

    wait_for(lambda: _contact(firestore_db, workspace_id, "fay@hooli.com").get("receivedCount") == 3, what="resync")
    wait_for(lambda: demo.mailbox_progress(ref).done, what="sync to settle")
    assert _interactions(firestore_db, workspace_id) == 3
    assert demo.mailbox_progress(ref).duplicates == 1  # the full resync met the first message again
    assert _contact(firestore_db, workspace_id, "fay@hooli.com")["interactionCount"] == 3


def test_a_revoked_grant_marks_the_mailbox_disconnected(stack, firestore_db, workspace_id):
    owner, ref = _connect(stack, workspace_id)
    token = MailboxStore().refresh_token(ref)
    urllib.request.urlopen(
        urllib.request.Request(f"{stack.gmail_url}/revoke?token={token}", data=b"", method="POST"), timeout=10
    ).close()
    demo.deliver(stack.gmail_url, owner, mail("Gus <gus@umbrella.com>", owner))

    mailbox = wait_for(
        lambda: (m := MailboxStore().get(ref)).get("status") == "disconnected" and m, what="the mailbox to disconnect"
    )
    assert "connect Gmail again" in mailbox["sync"]["lastError"]
    assert _contact(firestore_db, workspace_id, "gus@umbrella.com") == {}


def test_a_small_incremental_pass_stores_its_mail_itself_and_a_large_one_goes_through_pubsub(
    stack, firestore_db, workspace_id
):
    from shared.gmail.sync import INLINE_INGEST_MAX, SyncService

    owner = f"owner.{uuid.uuid4().hex[:8]}@lumenway.io"
    ref = connected_without_watch(stack.gmail_url, workspace_id, owner)
    clients.firestore_client().document("workspaces", workspace_id).set(OPEN_POLICY, merge=True)
    store = MailboxStore()
    published: list = []
    sync = SyncService(store=store, publish=published.append)
    sync.sync(ref)  # the first, full pass over an empty mailbox sets the cursor

    demo.deliver(stack.gmail_url, owner, mail("Ida <ida@hooli.com>", owner, "Hello"))
    sync.sync(ref)
    assert published == []  # stored by the pass itself, a Pub/Sub hop sooner
    assert _contact(firestore_db, workspace_id, "ida@hooli.com")["receivedCount"] == 1

    for n in range(INLINE_INGEST_MAX + 1):
        demo.deliver(stack.gmail_url, owner, mail(f"P{n} <p{n}@globex.de>", owner, f"Note {n}"))
    sync.sync(ref)
    assert sum(len(batch.messages) for batch in published) == INLINE_INGEST_MAX + 1  # handed to extraction
    assert _interactions(firestore_db, workspace_id) == 1
