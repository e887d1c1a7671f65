"""A person's rights through the HTTP API: deleting a contact keeping or erasing its mail (erasure
leaves nothing of the address behind, and new mail through the real pipeline does not bring it back),
and the export of one person's data, with mail content as its mailbox shares it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from devstack import demo
from shared import ids
from shared.principals import Role
from shared.workspaces import add_member
from tests.integration.api import Api, User
from tests.support import id_token_for, mail, store_mail, wait_for, watched_mailbox, with_content

pytestmark = pytest.mark.integration

ANN, BO = "ann.erased@acme.io", "bo@hooli.com"


@pytest.fixture
def inbox(stack, firestore_db, workspace_id) -> dict[str, Any]:
    """A workspace whose owner's Gmail (at the local Gmail server) is connected and watched, and a member."""
    stack.enable_auth()
    owner = watched_mailbox(stack, workspace_id)
    add_member(workspace_id, uid="u-member", email="member@lumenway.io", role=Role.MEMBER)
    auth_url = f"http://127.0.0.1:{stack.ports.auth}"
    member = User("u-member", "member@lumenway.io", id_token_for(auth_url, "u-member", "member@lumenway.io"))
    return {"workspace": workspace_id, "owner": owner, "member": member, "api": Api(stack.functions_url, workspace_id)}


def _contact(db, workspace_id: str, email: str) -> dict[str, Any]:
    return db.document("workspaces", workspace_id, "contacts", ids.contact_id(email)).get().to_dict() or {}


def _everything(db, workspace_id: str, collection: str) -> str:
    """A collection's documents, interactions with their content, as one JSON text to search in."""
    documents = [with_content(s) for s in db.collection("workspaces", workspace_id, collection).stream()]
    return json.dumps(documents, default=str).lower()


def test_erasure_leaves_nothing_of_the_address_and_new_mail_does_not_bring_it_back(stack, firestore_db, inbox):
    workspace, api, member = inbox["workspace"], inbox["api"], inbox["member"]
    demo.deliver(stack.gmail_url, inbox["owner"], mail(f"Ann Erased <{ANN}>", inbox["owner"], "Pilot pricing"))
    demo.deliver(stack.gmail_url, inbox["owner"], mail(f"Bo <{BO}>", f"{inbox['owner']}, {ANN}", "Intro"))
    demo.deliver(stack.gmail_url, inbox["owner"], mail(f"Bo <{BO}>", inbox["owner"], "Just us"))
    wait_for(lambda: _contact(firestore_db, workspace, ANN).get("interactionCount") == 2, what="Ann's mail")
    wait_for(lambda: _contact(firestore_db, workspace, BO).get("interactionCount") == 2, what="Bo's mail")
    ann_id = ids.contact_id(ANN)
    version = api.call(member, "GET", f"contact/{ann_id}").body["version"]
    edited = api.call(member, "PATCH", f"contact/{ann_id}", {"title": "Head of Erasure", "version": version})
    assert edited.status == 200, edited.body
    note = api.call(member, "POST", "notes", {"parentType": "contact", "parentId": ann_id, "body": "Ann likes tea"})
    assert note.status == 201, note.body

    notices = firestore_db.collection("workspaces", workspace, "members", "u-owner", "notifications")
    notices.document("cold").set(
        {"kind": "going_cold", "title": "Ann Erased", "link": {"kind": "contact", "id": ann_id}}
    )
    notices.document("other").set({"kind": "going_cold", "title": "Bo", "link": {"kind": "contact", "id": "c_bo"}})

    erased = api.call(member, "DELETE", f"contact/{ann_id}", params={"mail": "erase"})

    assert erased.status == 204, erased.body
    assert api.call(member, "GET", f"contact/{ann_id}").status == 404
    for collection in ("interactions", "contacts", "notes", "audit", "mergeSuggestions"):
        text = _everything(firestore_db, workspace, collection)
        assert ANN not in text, collection
        assert "erased" not in text.replace('"erase"', ""), collection  # her name, copied anywhere
        assert "likes tea" not in text, collection
    assert [s.id for s in notices.stream()] == ["other"]  # the notice that named her went
    tokens = firestore_db.collection("workspaces", workspace, "contacts").where(
        filter=FieldFilter("searchTokens", "array_contains", ANN)
    )
    assert list(tokens.stream()) == []
    assert api.call(member, "GET", "search", params={"q": "erased"}).body["items"] == []
    log = [s.to_dict() for s in firestore_db.collection("workspaces", workspace, "audit").stream()]
    about_ann = [e for e in log if e["entityKey"] == f"contact:{ann_id}"]
    assert {e["action"] for e in about_ann} == {"update", "erase"}  # the entries stay: who, what, when
    assert all(e["after"] in ({"redacted": True}, None) for e in about_ann)
    (erasure,) = [e for e in about_ann if e["action"] == "erase"]
    assert (erasure["actorUid"], erasure["before"], erasure["after"]) == ("u-member", None, None)
    settings = firestore_db.document("workspaces", workspace).get().to_dict()["settings"]
    assert ANN in settings["blocklist"]
    assert _contact(firestore_db, workspace, BO)["interactionCount"] == 1  # the mail she was on left his count

    demo.deliver(stack.gmail_url, inbox["owner"], mail(f"Ann Erased <{ANN}>", inbox["owner"], "I am back"))
    stubs = firestore_db.collection("workspaces", workspace, "interactions").where(
        filter=FieldFilter("skipped", "==", "blocked")
    )
    wait_for(lambda: len(list(stubs.stream())) == 3, what="her new mail to be stored as a stub")
    assert _contact(firestore_db, workspace, ANN) == {}
    assert ANN not in _everything(firestore_db, workspace, "interactions")

    again = api.call(member, "DELETE", f"contact/{ann_id}", params={"mail": "erase"})
    assert again.status == 204  # idempotent: the outcome holds, and no second entry is written
    entries = (
        firestore_db.collection("workspaces", workspace, "audit")
        .where(filter=FieldFilter("action", "==", "erase"))
        .stream()
    )
    assert len(list(entries)) == 1


def test_deleting_a_contact_and_keeping_its_mail_leaves_the_mail_as_it_was(crm, firestore_db):
    api, users = crm
    contact = api.call(users["member"], "POST", "contacts", {"email": "cy@initech.com", "name": "Cy"}).body
    store_mail(
        firestore_db,
        api.workspace_id,
        "mb_k_1",
        {"mailboxId": "mb_k", "occurredAt": datetime.now(UTC), "contactIds": [contact["id"]], "subject": "Kept"},
    )
    assert api.call(users["viewer"], "DELETE", f"contact/{contact['id']}", params={"mail": "keep"}).status == 403
    assert api.call(users["member"], "DELETE", f"contact/{contact['id']}", params={"mail": "wipe"}).status == 400

    kept = api.call(users["member"], "DELETE", f"contact/{contact['id']}", params={"mail": "keep", "version": 1})

    assert kept.status == 204, kept.body
    assert api.call(users["member"], "GET", f"contact/{contact['id']}").status == 404
    interaction = with_content(firestore_db.document("workspaces", api.workspace_id, "interactions", "mb_k_1").get())
    assert (interaction["contactIds"], interaction["subject"]) == ([contact["id"]], "Kept")
    entries = (
        firestore_db.collection("workspaces", api.workspace_id, "audit")
        .where(filter=FieldFilter("action", "==", "delete"))
        .stream()
    )
    (entry,) = [e.to_dict() for e in entries]
    assert entry["before"]["email"] == "cy@initech.com"  # a deletion keeps its record in the log
    settings = (firestore_db.document("workspaces", api.workspace_id).get().to_dict() or {}).get("settings") or {}
    assert "cy@initech.com" not in settings.get("blocklist", [])
    assert api.call(users["member"], "DELETE", f"contact/{contact['id']}", params={"mail": "keep"}).status == 204


def test_the_export_holds_the_persons_data_and_mail_content_only_as_its_mailbox_shares_it(crm, firestore_db):
    api, users = crm
    owner, member = users["owner"], users["member"]
    contact = api.call(member, "POST", "contacts", {"email": "dee@acme.com", "name": "Dee"}).body
    parent = {"parentType": "contact", "parentId": contact["id"]}
    api.call(member, "POST", "notes", {**parent, "body": "Met at the fair"})
    api.call(member, "POST", "tasks", {**parent, "title": "Send deck"})
    deal = api.call(member, "POST", "deals", {"name": "Dee's pilot", "contactIds": [contact["id"]]})
    assert deal.status == 201, deal.body
    private = {"mailboxId": "mb_owner", "occurredAt": datetime.now(UTC), "contactIds": [contact["id"]]}
    store_mail(firestore_db, api.workspace_id, "mb_owner_1", private | {"subject": "Private", "snippet": "Secret"})
    firestore_db.document("workspaces", api.workspace_id, "mailboxes", "mb_owner").set(
        {"ownerUid": owner.uid, "sharing": "metadata"}
    )

    def export(user: User) -> dict[str, Any]:
        answer = api.call(user, "GET", f"contact/{contact['id']}/export")
        assert answer.status == 200, answer.body
        assert "attachment" in answer.headers["Content-Disposition"]
        return dict(answer.body)

    seen_by_member = export(member)
    assert seen_by_member["contact"]["email"] == "dee@acme.com"
    assert [n["body"] for n in seen_by_member["notes"]] == ["Met at the fair"]
    assert [t["title"] for t in seen_by_member["tasks"]] == ["Send deck"]
    assert [d["name"] for d in seen_by_member["deals"]] == ["Dee's pilot"]
    assert {e["action"] for e in seen_by_member["audit"]} == {"create"}
    assert len(seen_by_member["audit"]) == 3  # the contact, its note and its task
    (mail_seen,) = seen_by_member["interactions"]
    assert not mail_seen.keys() & {"subject", "snippet"}  # metadata only, as the owner shares it
    (mail_of_owner,) = export(owner)["interactions"]
    assert (mail_of_owner["subject"], mail_of_owner["snippet"]) == ("Private", "Secret")
    assert api.call(users["outsider"], "GET", f"contact/{contact['id']}/export").status == 403
    assert api.call(member, "GET", "contact/c_nobody/export").status == 404
