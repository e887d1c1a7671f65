"""One person per human, live: merges and their undo through the HTTP functions, suggestions, and mail
from a merged address arriving through the real pipeline afterwards."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

from devstack import demo
from shared import ids
from shared.crm.contacts import ContactEditor
from shared.crm.merges import ContactMerger, suggestion_id
from shared.crm.search import Search
from shared.gmail.connect import connect_mailbox
from shared.principals import Principal, Role
from shared.workspaces import add_member, create_workspace
from tests.support import id_token_for, mail, wait_for, with_content

pytestmark = pytest.mark.integration
# Everyone who writes becomes a contact, and the first sync needs no approval: these tests follow the mail.
EVERY_CORRESPONDENT = {"settings": {"contactCreation": "sent_and_received", "requirePreview": False}}

ANN, ANN_OTHER = "ann@acme.io", "ann.lee@acme.io"
OWNER = Principal("u-owner", None)
# Computed at read time and refreshed after an undo; everything else comes back exactly.
# Recomputed after every change by the relationship and enrichment subscribers, not restored by undo.
REFRESHED = {"relationship", "strength", "goingCold", "coldSinceMs", "recentMs", "enrichment", "memberScores"}


@pytest.fixture
def team(stack, firestore_db, workspace_id) -> dict[str, Any]:
    """A workspace whose owner's Gmail is connected, a viewer, and ID tokens for both."""
    stack.enable_auth()
    owner = f"owner.{uuid.uuid4().hex[:8]}@lumenway.io"
    create_workspace(workspace_id, name="Team", owner_uid="u-owner", owner_email=owner)
    firestore_db.document("workspaces", workspace_id).set(EVERY_CORRESPONDENT, merge=True)
    add_member(workspace_id, uid="u-viewer", email="viewer@lumenway.io", role=Role.VIEWER)
    ref = connect_mailbox(
        workspace_id=workspace_id, owner_uid="u-owner", refresh_token=demo.load_mailbox(stack.gmail_url, owner)
    )
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync")
    auth_url = f"http://127.0.0.1:{stack.ports.auth}"
    return {
        "workspace": workspace_id,
        "owner": owner,
        "token": id_token_for(auth_url, "u-owner", owner),
        "viewer": id_token_for(auth_url, "u-viewer", "viewer@lumenway.io"),
        "db": firestore_db,
    }


def call(stack, function: str, body: dict[str, Any], token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{stack.functions_url}/{function}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def contact(team, email: str) -> dict[str, Any]:
    return team["db"].document("workspaces", team["workspace"], "contacts", ids.contact_id(email)).get().to_dict() or {}


def interactions_of(team, email: str) -> list[dict[str, Any]]:
    interactions = team["db"].collection("workspaces", team["workspace"], "interactions")
    found = [with_content(s) for s in interactions.stream()]
    return [i for i in found if any(p["email"] == email for p in i.get("people", []))]


def deliver(stack, team, raw: bytes, labels: str = "INBOX,UNREAD") -> None:
    demo.deliver(stack.gmail_url, team["owner"], raw, labels)


def two_addresses_of_ann(stack, team) -> None:
    deliver(stack, team, mail(f"Ann <{ANN}>", team["owner"], "Pilot"))
    deliver(stack, team, mail(team["owner"], f"Ann <{ANN}>", "Re: Pilot"), "SENT")
    # One message to both addresses: after the merge it must count once for Ann.
    deliver(stack, team, mail(team["owner"], f"{ANN}, {ANN_OTHER}", "Both"), "SENT")
    deliver(stack, team, mail(f"Ann Lee <{ANN_OTHER}>", team["owner"], "Contract"))
    wait_for(lambda: contact(team, ANN).get("interactionCount") == 3, what="Ann's mail")
    wait_for(lambda: contact(team, ANN_OTHER).get("interactionCount") == 2, what="Ann's other address")


def without(document: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in fields}


def test_a_merge_moves_mail_to_the_target_and_undo_restores_both_exactly(stack, team):
    two_addresses_of_ann(stack, team)
    target, source = ids.contact_id(ANN), ids.contact_id(ANN_OTHER)

    status, merged = call(
        stack,
        "merge-contacts",
        {"workspaceId": team["workspace"], "targetId": target, "sourceId": source},
        team["token"],
    )

    assert status == 200, merged
    ann = contact(team, ANN)
    assert sorted(ann["emails"]) == sorted([ANN, ANN_OTHER])
    assert (ann["interactionCount"], ann["sentCount"], ann["receivedCount"]) == (4, 2, 2)
    assert ann["name"] == "Ann Lee"  # the newer value: her other address wrote last
    assert ann["strength"]["score"] > 0
    assert contact(team, ANN_OTHER)["mergedInto"] == target
    assert all(i["contactIds"] == [target] for i in interactions_of(team, ANN_OTHER))
    record = team["db"].document("workspaces", team["workspace"], "merges", merged["mergeId"]).get().to_dict()
    assert record["state"] == "applied"
    assert record["sourceEmails"] == [ANN_OTHER]

    status, undone = call(
        stack, "unmerge-contacts", {"workspaceId": team["workspace"], "mergeId": merged["mergeId"]}, team["token"]
    )

    assert status == 200, undone
    assert without(contact(team, ANN), REFRESHED) == without(record["before"]["target"], REFRESHED)
    assert without(contact(team, ANN_OTHER), REFRESHED) == without(record["before"]["source"], REFRESHED)
    assert all(ids.contact_id(ANN_OTHER) in i["contactIds"] for i in interactions_of(team, ANN_OTHER))
    status, again = call(
        stack, "unmerge-contacts", {"workspaceId": team["workspace"], "mergeId": merged["mergeId"]}, team["token"]
    )
    assert (status, again["error"]["code"]) == (409, "conflict")


def audit_of(team, contact_id: str) -> list[dict[str, Any]]:
    entries = team["db"].collection("workspaces", team["workspace"], "audit").stream()
    found = [e.to_dict() for e in entries if e.to_dict().get("entityKey") == f"contact:{contact_id}"]
    return sorted(found, key=lambda entry: entry["at"])


def test_a_merge_and_its_undo_are_audited_and_searchable_by_every_address(stack, team):
    two_addresses_of_ann(stack, team)
    target, source = ids.contact_id(ANN), ids.contact_id(ANN_OTHER)
    assert ANN_OTHER not in contact(team, ANN).get("searchTokens", [])
    tokens_before = {email: contact(team, email).get("searchTokens") for email in (ANN, ANN_OTHER)}

    body = {"workspaceId": team["workspace"], "targetId": target, "sourceId": source}
    status, merged = call(stack, "merge-contacts", body, team["token"])

    assert status == 200, merged
    ann = contact(team, ANN)
    assert {ANN, ANN_OTHER, "lee"} <= set(ann["searchTokens"])  # her other address and its name find her now
    assert contact(team, ANN_OTHER)["searchTokens"] == []  # the alias no longer shows up on its own
    assert contact(team, ANN_OTHER)["searchKeys"] == {}
    search = Search().search(team["workspace"], ANN_OTHER, collections=["contacts"])
    assert [hit.record["id"] for hit in search] == [target]
    [target_entry] = audit_of(team, target)
    assert (target_entry["action"], target_entry["actorUid"]) == ("merge", "u-owner")
    assert "emails" in target_entry["changedFields"]
    assert sorted(target_entry["after"]["emails"]) == sorted([ANN, ANN_OTHER])
    [source_entry] = audit_of(team, source)
    assert source_entry["action"] == "merge"
    assert source_entry["after"]["mergedInto"] == target

    status, _ = call(
        stack, "unmerge-contacts", {"workspaceId": team["workspace"], "mergeId": merged["mergeId"]}, team["token"]
    )

    assert status == 200
    assert {email: contact(team, email).get("searchTokens") for email in (ANN, ANN_OTHER)} == tokens_before
    assert [e["action"] for e in audit_of(team, target)] == ["merge", "unmerge"]
    undone = audit_of(team, source)[-1]
    assert (undone["action"], undone["after"].get("mergedInto")) == ("unmerge", None)


def test_deals_follow_a_merge_and_go_back_with_its_undo(stack, team):
    two_addresses_of_ann(stack, team)
    target, source = ids.contact_id(ANN), ids.contact_id(ANN_OTHER)
    deals = team["db"].collection("workspaces", team["workspace"], "deals")
    deals.document("d_other").set({"name": "Pilot", "contactIds": [source, "c_bob"], "version": 1})
    deals.document("d_both").set({"name": "Renewal", "contactIds": [target, source], "version": 1})

    merged = ContactMerger().merge(team["workspace"], target_id=target, source_id=source, by=OWNER)

    assert deals.document("d_other").get().to_dict()["contactIds"] == [target, "c_bob"]
    assert deals.document("d_both").get().to_dict()["contactIds"] == [target]
    assert deals.document("d_both").get().to_dict()["version"] == 2

    ContactMerger().unmerge(team["workspace"], merge_id=merged.merge_id, by=OWNER)

    assert deals.document("d_other").get().to_dict()["contactIds"] == [source, "c_bob"]
    assert deals.document("d_both").get().to_dict()["contactIds"] == [target, source]
    entries = [e.to_dict() for e in team["db"].collection("workspaces", team["workspace"], "audit").stream()]
    assert sorted(e["entityId"] for e in entries if e["entity"] == "deal") == ["d_both", "d_both", "d_other", "d_other"]


def test_mail_from_a_merged_address_counts_into_the_target(stack, team):
    two_addresses_of_ann(stack, team)
    target = ids.contact_id(ANN)
    ContactMerger().merge(team["workspace"], target_id=target, source_id=ids.contact_id(ANN_OTHER), by=OWNER)
    alias_before = contact(team, ANN_OTHER)

    deliver(stack, team, mail(f"Ann Lee <{ANN_OTHER}>", team["owner"], "One more thing"))

    wait_for(lambda: contact(team, ANN).get("receivedCount") == 3, what="the new mail counted into Ann")
    assert without(contact(team, ANN_OTHER), REFRESHED) == without(alias_before, REFRESHED)  # the alias gained nothing
    newest = [i for i in interactions_of(team, ANN_OTHER) if i["subject"] == "One more thing"]
    assert [i["contactIds"] for i in newest] == [[target]]


def test_merge_rules_manual_fields_win_then_the_newer_values(stack, team):
    two_addresses_of_ann(stack, team)
    target, source = ids.contact_id(ANN), ids.contact_id(ANN_OTHER)
    editor = ContactEditor()
    editor.update(
        team["workspace"], contact_id=target, changes={"title": "VP Sales"}, by_uid="u-owner", expected_version=0
    )
    editor.update(
        team["workspace"],
        contact_id=source,
        changes={"title": "Intern", "phone": "+4930123"},
        by_uid="u-owner",
        expected_version=0,
    )

    ContactMerger().merge(team["workspace"], target_id=target, source_id=source, by=OWNER)

    ann = contact(team, ANN)
    assert ann["title"] == "VP Sales"  # the target's own edit
    assert ann["phone"] == "+4930123"  # typed by a person on the other address
    assert ann["manualFields"] == ["phone", "title"]
    assert ann["version"] == 2


@pytest.mark.parametrize(
    ("role", "body", "status"),
    [
        ("viewer", {}, 403),
        ("token", {"sourceId": "c_nobody"}, 404),
        ("token", {"sourceId": "self"}, 400),
        ("token", {"targetId": "../x"}, 400),
    ],
)
def test_bad_merges_are_refused(stack, team, role, body, status):
    two_addresses_of_ann(stack, team)
    request = {"workspaceId": team["workspace"], "targetId": ids.contact_id(ANN), "sourceId": ids.contact_id(ANN_OTHER)}
    request |= body
    if request["sourceId"] == "self":
        request["sourceId"] = request["targetId"]
    answer, _ = call(stack, "merge-contacts", request, team[role])
    assert answer == status
    assert "mergedInto" not in contact(team, ANN_OTHER)


def test_merges_undo_in_reverse_order_only(stack, team):
    two_addresses_of_ann(stack, team)
    deliver(stack, team, mail("Ann <ann+news@acme.io>", team["owner"], "Third"))
    wait_for(lambda: contact(team, "ann+news@acme.io"), what="a third address")
    merger = ContactMerger()
    first = merger.merge(
        team["workspace"], target_id=ids.contact_id(ANN), source_id=ids.contact_id(ANN_OTHER), by=OWNER
    )
    second = merger.merge(
        team["workspace"], target_id=ids.contact_id(ANN), source_id=ids.contact_id("ann+news@acme.io"), by=OWNER
    )

    status, refused = call(
        stack, "unmerge-contacts", {"workspaceId": team["workspace"], "mergeId": first.merge_id}, team["token"]
    )
    assert status == 409
    assert refused["error"]["mergeId"] == second.merge_id

    merger.unmerge(team["workspace"], merge_id=second.merge_id, by=OWNER)
    merger.unmerge(team["workspace"], merge_id=first.merge_id, by=OWNER)
    assert contact(team, ANN)["emails"] == [ANN]
    assert contact(team, ANN)["interactionCount"] == 3


def seed(team, email: str, name: str, interactions: int = 1) -> str:
    contact_id = ids.contact_id(email)
    team["db"].document("workspaces", team["workspace"], "contacts", contact_id).set(
        {"email": email, "emails": [email], "name": name, "interactionCount": interactions}
    )
    return contact_id


def test_suggestions_are_found_accepted_dismissed_and_never_come_back(stack, team):
    plus = seed(team, "cara.diaz+crm@gmail.com", "C. Diaz")
    dotted = seed(team, "caradiaz@gmail.com", "Cara Diaz", interactions=5)  # same Gmail mailbox
    bob = seed(team, "bob@acme.io", "Bob Stone", interactions=3)
    stone = seed(team, "b.stone@acme.io", "Stone, Bob")  # same name at the same company
    dan = seed(team, "dan.fox@yahoo.com", "Dán Fox")
    fox = seed(team, "danfox@hotmail.com", "Dan Fox", interactions=2)  # same name, both free mail
    seed(team, "dan@other.io", "Dan Fox")  # same name, another company: not the same person
    seed(team, "ann@acme.io", "Ann")  # one word is no evidence
    seed(team, "ann@beta.io", "Ann")

    status, listed = call(
        stack, "list-merge-suggestions", {"workspaceId": team["workspace"], "recompute": True}, team["token"]
    )

    assert status == 200, listed
    found = {(s["targetId"], s["sourceId"]): s["reason"] for s in listed["suggestions"]}
    assert found == {
        (dotted, plus): "same_mailbox",
        (bob, stone): "same_name_same_company",
        (fox, dan): "same_name_free_mail",
    }
    status, _ = call(stack, "list-merge-suggestions", {"workspaceId": team["workspace"]}, team["viewer"])
    assert status == 200
    status, _ = call(
        stack, "list-merge-suggestions", {"workspaceId": team["workspace"], "recompute": True}, team["viewer"]
    )
    assert status == 403

    accepted = suggestion_id(dotted, plus)
    status, merged = call(
        stack,
        "merge-contacts",
        {"workspaceId": team["workspace"], "targetId": dotted, "sourceId": plus, "suggestionId": accepted},
        team["token"],
    )
    assert status == 200, merged
    status, _ = call(
        stack,
        "dismiss-merge-suggestion",
        {"workspaceId": team["workspace"], "suggestionId": suggestion_id(bob, stone)},
        team["token"],
    )
    assert status == 200

    _, listed = call(
        stack, "list-merge-suggestions", {"workspaceId": team["workspace"], "recompute": True}, team["token"]
    )
    assert [(s["targetId"], s["sourceId"]) for s in listed["suggestions"]] == [(fox, dan)]
    stored = team["db"].document("workspaces", team["workspace"], "mergeSuggestions", accepted).get().to_dict()
    assert (stored["status"], stored["mergeId"]) == ("accepted", merged["mergeId"])

    # Undoing an accepted merge opens its suggestion again.
    call(stack, "unmerge-contacts", {"workspaceId": team["workspace"], "mergeId": merged["mergeId"]}, team["token"])
    _, listed = call(stack, "list-merge-suggestions", {"workspaceId": team["workspace"]}, team["token"])
    assert {s["id"] for s in listed["suggestions"]} == {accepted, suggestion_id(fox, dan)}
