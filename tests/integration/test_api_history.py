"""Timeline, search and the audit log through the HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.api import Api, team
from tests.support import store_mail

pytestmark = pytest.mark.integration


@pytest.fixture
def crm(stack, firestore_db, workspace_id):
    stack.enable_auth()
    users = team(f"http://127.0.0.1:{stack.ports.auth}", workspace_id)
    return Api(stack.functions_url, workspace_id), users


def test_a_contacts_timeline_merges_mail_notes_tasks_and_changes_newest_first(crm, firestore_db):
    api, users = crm
    contact = api.call(users["member"], "POST", "contacts", {"email": "dee@acme.com", "name": "Dee"}).body
    long_ago = datetime.now(UTC) - timedelta(days=30)
    mail = {"mailboxId": "mb_1", "occurredAt": long_ago}
    store_mail(firestore_db, api.workspace_id, "mb_1_m1", mail | {"contactIds": [contact["id"]], "subject": "Hello"})
    store_mail(firestore_db, api.workspace_id, "mb_1_m2", mail | {"contactIds": ["c_other"], "subject": "Not hers"})
    firestore_db.document("workspaces", api.workspace_id, "mailboxes", "mb_1").set({"sharing": "subject"})
    parent = {"parentType": "contact", "parentId": contact["id"]}
    api.call(users["member"], "POST", "notes", {**parent, "body": "Met at the fair"})
    api.call(users["member"], "POST", "tasks", {**parent, "title": "Send deck"})
    api.call(users["member"], "PATCH", f"contact/{contact['id']}", {"title": "COO", "version": 1})

    answer = api.call(users["viewer"], "GET", "timeline", params=parent)
    assert answer.status == 200, answer.body
    types = [item["type"] for item in answer.body["items"]]
    assert types == ["change", "task", "note", "change", "interaction"]
    assert answer.body["items"][-1]["subject"] == "Hello"
    assert "title" in answer.body["items"][0]["changedFields"]

    first = api.call(users["viewer"], "GET", "timeline", params={**parent, "limit": 2}).body
    rest = api.call(users["viewer"], "GET", "timeline", params={**parent, "before": first["nextBefore"]}).body
    assert [i["type"] for i in first["items"] + rest["items"]] == types
    assert api.call(users["viewer"], "GET", "timeline", params={"parentType": "deal", "parentId": "nope"}).status == 404


def test_the_timeline_shows_mail_as_far_as_its_owner_shares_it_and_a_change_applies_to_stored_mail(crm, firestore_db):
    api, users = crm
    owner = users["member"]  # a member's own mailbox: the workspace's owner and admins choose nothing for it
    contact = api.call(owner, "POST", "contacts", {"email": "dee@acme.com", "name": "Dee"}).body
    firestore_db.document("workspaces", api.workspace_id, "mailboxes", "mb_m").set({"ownerUid": owner.uid})
    fields = {
        "mailboxId": "mb_m",
        "contactIds": [contact["id"]],
        "occurredAt": datetime.now(UTC),
        "direction": "inbound",
    }
    # An inline reply's context is body content too: shown and withheld with its snippet.
    context = [{"quoted": True, "text": "Your budget?"}, {"quoted": False, "text": "Our offer: 40k"}]
    seen = {"subject": "Pricing", "snippet": "Our offer: 40k", "replyContext": context}
    store_mail(firestore_db, api.workspace_id, "mb_m_1", fields | seen)
    parent = {"parentType": "contact", "parentId": contact["id"]}

    def mail_as(user) -> dict:  # type: ignore[no-untyped-def]
        answer = api.call(user, "GET", "timeline", params=parent)
        assert answer.status == 200, answer.body
        return next(item for item in answer.body["items"] if item["type"] == "interaction")

    def change(user, level: str) -> int:  # type: ignore[no-untyped-def]
        body = {"workspaceId": api.workspace_id, "mailboxId": "mb_m", "level": level}
        return api.call(user, "POST", "mailbox-sharing", body).status

    # Nothing chosen yet: teammates see who and when only; the owner sees everything.
    assert mail_as(owner).items() >= seen.items()
    assert {"subject", "snippet", "replyContext"} & mail_as(users["viewer"]).keys() == set()
    assert mail_as(users["viewer"])["direction"] == "inbound"
    for stranger in ("owner", "admin", "viewer"):  # only the mailbox's owner chooses
        assert change(users[stranger], "everything") == 403
    assert change(users["outsider"], "everything") == 403
    assert change(owner, "everything!") == 400
    assert change(owner, "subject") == 200
    for reader in ("owner", "admin", "viewer"):
        shown = mail_as(users[reader])
        assert (shown["subject"], "snippet" in shown, "replyContext" in shown) == ("Pricing", False, False), reader
    assert change(owner, "everything") == 200
    assert mail_as(users["viewer"]).items() >= seen.items()
    assert change(owner, "metadata") == 200
    assert {"subject", "snippet", "replyContext"} & mail_as(users["admin"]).keys() == set()


def test_search_finds_by_name_email_company_and_tag_prefixes(crm):
    api, users = crm
    api.call(
        users["member"],
        "POST",
        "contacts",
        {"email": "jose.alvarez@globex.com", "name": "José Álvarez", "companyName": "Globex", "tags": ["vip"]},
    )
    api.call(users["member"], "POST", "contacts", {"email": "joan@initech.com", "name": "Joan Smith"})
    api.call(users["member"], "POST", "companies", {"name": "Globex Corporation", "domain": "globex.com"})
    api.call(users["member"], "POST", "deals", {"name": "Globex pilot", "tags": ["q3"]})

    def found(q: str) -> set[tuple[str, str]]:
        answer = api.call(users["viewer"], "GET", "search", params={"q": q})
        assert answer.status == 200, answer.body
        return {(hit["kind"], hit.get("name")) for hit in answer.body["items"]}

    assert found("jo") == {("contacts", "José Álvarez"), ("contacts", "Joan Smith")}
    assert found("jose alv") == {("contacts", "José Álvarez")}
    assert found("globex") == {
        ("contacts", "José Álvarez"),
        ("companies", "Globex Corporation"),
        ("deals", "Globex pilot"),
    }
    assert found("joan@initech.com") == {("contacts", "Joan Smith")}
    assert found("VIP") == {("contacts", "José Álvarez")}
    assert found("nobody") == set()
    assert api.call(users["viewer"], "GET", "search", params={"q": "  !! "}).status == 400


def test_every_change_is_in_the_audit_log_with_who_before_and_after(crm):
    api, users = crm
    deal = api.call(users["member"], "POST", "deals", {"name": "Renewal", "value": 10}).body
    api.call(users["admin"], "PATCH", f"deal/{deal['id']}", {"value": 25, "version": 1})
    api.call(users["owner"], "DELETE", f"deal/{deal['id']}")

    answer = api.call(users["viewer"], "GET", "audit", params={"entityKey": f"deal:{deal['id']}"})
    assert answer.status == 200, answer.body
    entries = answer.body["items"]
    assert [(e["action"], e["actorUid"]) for e in entries] == [
        ("delete", users["owner"].uid),
        ("update", users["admin"].uid),
        ("create", users["member"].uid),
    ]
    update = entries[1]
    assert (update["before"]["value"], update["after"]["value"]) == (10, 25)
    assert "value" in update["changedFields"]
    assert entries[0]["after"] is None
    mine = api.call(users["viewer"], "GET", "audit", params={"actorUid": users["admin"].uid}).body["items"]
    assert [e["action"] for e in mine] == ["update"]
