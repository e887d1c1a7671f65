"""The first sync's preview on the real pipeline: staged until approved, applied exactly once, or discarded."""

from __future__ import annotations

import json
import threading
import urllib.request

import pytest

from devstack import demo
from shared import ids
from shared.clients import firestore_client
from shared.crm.ingest import Ingestor
from shared.gmail.connect import connect_mailbox
from shared.workspaces import create_workspace
from tests.support import id_token_for, mail, wait_for

pytestmark = pytest.mark.integration

OWNER_UID = "u-owner"


@pytest.fixture
def first_sync(stack, firestore_db, workspace_id):
    """A mailbox holding mail from before it was connected; connected under the default policy."""
    stack.enable_auth()
    owner = f"owner.{workspace_id}@lumenway.io"
    create_workspace(workspace_id, name="Team", owner_uid=OWNER_UID, owner_email=owner)
    token = demo.load_mailbox(stack.gmail_url, owner)
    for raw, labels in [
        (mail(owner, "Ann Lee <ann@acme.com>", "Pilot"), "SENT"),
        (mail("Ann Lee <ann@acme.com>", owner, "Re: Pilot"), "INBOX"),
        (mail("Ann Lee <ann@acme.com>", owner, "Pricing"), "INBOX"),
        (mail("Bo <bo@globex.de>", owner, "Cold pitch"), "INBOX"),
        (
            mail("Acme News <news@acme.com>", owner, "Weekly", headers={"List-Unsubscribe": "<mailto:u@acme.com>"}),
            "INBOX",
        ),
    ]:
        demo.deliver(stack.gmail_url, owner, raw, labels)
    ref = connect_mailbox(workspace_id=workspace_id, owner_uid=OWNER_UID, refresh_token=token)
    preview = firestore_db.document("workspaces", workspace_id, "syncPreviews", ref.mailbox_id)
    wait_for(lambda: (preview.get().to_dict() or {}).get("state") == "ready", what="the preview to be ready")
    auth_token = id_token_for(f"http://127.0.0.1:{stack.ports.auth}", OWNER_UID, owner)
    return {"ref": ref, "owner": owner, "preview": preview, "token": auth_token}


def _call(stack, function: str, body: dict, token: str) -> int:
    request = urllib.request.Request(
        f"{stack.functions_url}/{function}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def _collection(workspace_id: str, name: str) -> list[dict]:
    return [s.to_dict() or {} for s in firestore_client().collection("workspaces", workspace_id, name).stream()]


def _contact(workspace_id: str, email: str) -> dict:
    return (
        firestore_client().document("workspaces", workspace_id, "contacts", ids.contact_id(email)).get().to_dict() or {}
    )


def test_a_staged_first_sync_creates_nothing_and_says_what_it_would(stack, first_sync, workspace_id):
    assert _collection(workspace_id, "contacts") == []
    assert _collection(workspace_id, "companies") == []
    interactions = _collection(workspace_id, "interactions")
    assert len(interactions) == 5
    assert all(i["staged"] and i["contactIds"] == [] for i in interactions)

    preview = first_sync["preview"].get().to_dict()
    assert preview["mailboxEmail"] == first_sync["owner"]
    assert preview["messages"] == 5
    assert preview["automatedMessages"] == 1
    assert preview["wouldCreate"] == {"people": 1, "companies": 1}  # Ann, written to; Bo only wrote
    assert preview["notCreated"] == {"people": 1}
    assert preview["policy"]["contactCreation"] == "sent"
    ann, bo = preview["topPeople"]
    assert (ann["email"], ann["messages"], ann["sent"], ann["received"], ann["wouldCreate"]) == (
        "ann@acme.com",
        3,
        1,
        2,
        True,
    )
    assert (bo["email"], bo["wouldCreate"]) == ("bo@globex.de", False)
    (newsletter,) = preview["automatedSenders"]
    assert (newsletter["email"], newsletter["messages"]) == ("news@acme.com", 1)
    assert newsletter["reason"]  # why it was skipped, in the extractor's words


def test_approving_with_a_wider_policy_fills_the_crm_once(stack, first_sync, workspace_id):
    ref = first_sync["ref"]
    body = {
        "workspaceId": workspace_id,
        "mailboxId": ref.mailbox_id,
        "settings": {"contactCreation": "sent_and_received"},
    }
    assert _call(stack, "approve-sync", body, first_sync["token"]) == 202
    wait_for(lambda: first_sync["preview"].get().to_dict()["state"] == "applied", what="the approval to apply")

    ann = _contact(workspace_id, "ann@acme.com")
    assert (ann["sentCount"], ann["receivedCount"], ann["interactionCount"]) == (1, 2, 3)
    assert _contact(workspace_id, "bo@globex.de")["receivedCount"] == 1
    assert _contact(workspace_id, "news@acme.com") == {}
    acme = firestore_client().document("workspaces", workspace_id, "companies", "acme.com").get().to_dict() or {}
    assert acme["interactionCount"] == 3
    assert not any(i["staged"] for i in _collection(workspace_id, "interactions"))

    # The approval applied again, twice at once (a redelivered task and a double click): nothing moves.
    workers = [
        threading.Thread(target=Ingestor().apply_staged, args=(workspace_id,), kwargs={"mailbox_id": ref.mailbox_id})
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert _call(stack, "approve-sync", body, first_sync["token"]) == 202
    wait_for(lambda: first_sync["preview"].get().to_dict()["state"] == "applied", what="the second approval")
    assert _contact(workspace_id, "ann@acme.com")["interactionCount"] == 3
    assert _contact(workspace_id, "bo@globex.de")["interactionCount"] == 1

    # Approved mailboxes ingest new mail straight into the CRM.
    demo.deliver(stack.gmail_url, first_sync["owner"], mail("Ann Lee <ann@acme.com>", first_sync["owner"], "Later"))
    wait_for(lambda: _contact(workspace_id, "ann@acme.com")["receivedCount"] == 3, what="new mail after approval")


def test_approving_staged_mail_from_one_batch_concurrently_counts_once(stack, first_sync, workspace_id):
    """Two appliers racing over the same staged interactions: update-time preconditions let one count each."""
    ref = first_sync["ref"]
    firestore_client().document("workspaces", workspace_id, "mailboxes", ref.mailbox_id).update(
        {"approval": {"by": OWNER_UID}}
    )
    barrier = threading.Barrier(3)

    def apply() -> None:
        barrier.wait()
        Ingestor().apply_staged(workspace_id, mailbox_id=ref.mailbox_id)

    workers = [threading.Thread(target=apply) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    ann = _contact(workspace_id, "ann@acme.com")
    assert (ann["sentCount"], ann["receivedCount"], ann["interactionCount"]) == (1, 2, 3)
    assert _contact(workspace_id, "bo@globex.de") == {}  # the default policy: Bo only wrote


def test_discarding_drops_the_staged_mail_and_keeps_the_mailbox(stack, first_sync, workspace_id):
    ref = first_sync["ref"]
    body = {"workspaceId": workspace_id, "mailboxId": ref.mailbox_id}
    assert _call(stack, "discard-sync", body, first_sync["token"]) == 202
    wait_for(lambda: _collection(workspace_id, "interactions") == [], what="the staged mail to go")
    assert _collection(workspace_id, "contacts") == []
    assert first_sync["preview"].get().to_dict()["state"] == "discarded"
    mailbox = firestore_client().document("workspaces", workspace_id, "mailboxes", ref.mailbox_id).get()
    assert mailbox.get("status") == "connected"
