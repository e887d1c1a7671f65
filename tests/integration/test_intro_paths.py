"""Warm introduction paths on the emulators: mail ingested from two teammates' mailboxes, then the paths to a
person and to a company through the HTTP API, ranked, with their evidence and a bounded number of reads."""

from __future__ import annotations

import time
from itertools import count

import pytest

from shared import ids
from shared.assistant.context import ToolContext
from shared.assistant.tools import run_tool, tools_for
from shared.crm.ingest import Ingestor
from shared.crm.intros import CANDIDATES, IntroPaths, IntroQuery
from shared.crm.relationships import RelationshipStats
from shared.gmail.mailboxes import MailboxStore
from shared.pipeline.fetched import FetchedMessage
from shared.principals import Principal, Role
from tests.support import mail

pytestmark = pytest.mark.integration

DANA, FRANK, GINA = "Dana Wu <dana@initech.com>", "Frank Ode <frank@globex.com>", "Gina Park <gina@globex.com>"
_gmail_ids = count(1)


def _address(person: str) -> str:
    return person.split("<")[1].rstrip(">")


def _fetched(raw: bytes, thread: str, *, labels: tuple[str, ...] = ("INBOX",)) -> FetchedMessage:
    number = next(_gmail_ids)
    return FetchedMessage(f"g{number}", thread, labels, number, int(time.time() * 1000) - 600_000 + number, raw)


def _ingest(workspace_id: str, owner: str, *messages: FetchedMessage) -> list[str]:
    mailbox_id = ids.mailbox_id(owner)
    Ingestor().ingest(
        workspace_id=workspace_id, mailbox_id=mailbox_id, owner_email=owner, sync_run_id="run", messages=list(messages)
    )
    return [ids.interaction_id(mailbox=mailbox_id, gmail_message_id=m.id) for m in messages]


@pytest.fixture
def world(crm, firestore_db):
    """The owner writes with Dana, who copies Frank of Globex on a reply; the member writes with Gina, Frank's
    colleague. Nobody on the team ever wrote to Frank himself."""
    api, users = crm
    workspace_id = api.workspace_id
    owner, member = users["owner"].email, users["member"].email
    firestore_db.document("workspaces", workspace_id).set(
        {"settings": {"contactCreation": "sent_and_received", "requirePreview": False}}, merge=True
    )
    for role in ("owner", "member"):
        user = users[role]
        MailboxStore().save_connection(
            workspace_id=workspace_id, owner_uid=user.uid, email=user.email, refresh_token="t"
        )
    evidence = {}
    _ingest(workspace_id, owner, _fetched(mail(owner, DANA, "Intro?"), "t1", labels=("SENT",)))
    (evidence["dana_frank"],) = _ingest(workspace_id, owner, _fetched(mail(DANA, owner, "Re: Intro?", cc=FRANK), "t1"))
    _ingest(workspace_id, member, _fetched(mail(member, GINA, "Coffee"), "t2", labels=("SENT",)))
    (evidence["member_gina"],) = _ingest(workspace_id, member, _fetched(mail(GINA, member, "Re: Coffee"), "t2"))
    people = [ids.contact_id(_address(p)) for p in (DANA, FRANK, GINA)]
    RelationshipStats().refresh_contacts(workspace_id, contact_ids=people)  # the team's strength orders colleagues
    return api, users, evidence


def test_paths_to_a_person_go_through_whoever_was_copied_with_them_and_through_their_colleagues(world):
    api, users, evidence = world
    frank = ids.contact_id(_address(FRANK))

    answer = api.call(users["viewer"], "GET", "relationships/intro-paths", params={"contactId": frank})

    assert answer.status == 200, answer.body
    paths = answer.body["paths"]
    assert [p["score"] for p in paths] == sorted((p["score"] for p in paths), reverse=True)
    routes = {(p["kind"], p["teammate"]["email"], (p.get("via") or {}).get("email")): p for p in paths}
    via_dana = routes[("via_contact", users["owner"].email, _address(DANA))]
    assert {"interactionId": evidence["dana_frank"], "link": "introducer"}.items() <= via_dana["evidence"][1].items()
    colleague = routes[("colleague", users["member"].email, _address(GINA))]
    assert colleague["evidence"][0]["interactionId"] == evidence["member_gina"]
    direct = routes[("direct", users["owner"].email, None)]  # only ever copied: weak
    assert direct["score"] < via_dana["score"]
    assert direct["score"] < colleague["score"]
    assert [w["teammate"]["email"] for w in answer.body["whoKnows"]] == [users["owner"].email]
    assert answer.body["reads"] <= 1 + (CANDIDATES + 1) + CANDIDATES + 2


def test_paths_to_a_company_reach_its_people_directly_and_through_introducers(world):
    api, users, _ = world

    answer = api.call(users["member"], "GET", "relationships/intro-paths", params={"companyId": "globex.com"})

    assert answer.status == 200, answer.body
    best = answer.body["paths"][0]
    assert (best["kind"], best["teammate"]["email"], best["to"]["email"]) == (
        "direct",
        users["member"].email,
        _address(GINA),
    )
    kinds = {(p["kind"], p["to"]["email"]) for p in answer.body["paths"]}
    assert ("via_contact", _address(FRANK)) in kinds
    assert {w["person"]["email"] for w in answer.body["whoKnows"]} == {_address(GINA), _address(FRANK)}


def test_intro_paths_refuse_outsiders_and_a_query_without_exactly_one_target(world):
    api, users, _ = world
    frank = ids.contact_id(_address(FRANK))
    outsider = api.call(users["outsider"], "GET", "relationships/intro-paths", params={"contactId": frank})
    assert outsider.status == 403
    both = api.call(
        users["viewer"], "GET", "relationships/intro-paths", params={"contactId": frank, "companyId": "x.com"}
    )
    assert both.status == 400
    missing = api.call(users["viewer"], "GET", "relationships/intro-paths", params={"contactId": "c_nobody"})
    assert missing.status == 404


def test_the_work_per_query_does_not_grow_with_the_workspace(world, firestore_db):
    api, _, _ = world
    contacts = firestore_db.collection("workspaces", api.workspace_id, "contacts")
    batch = firestore_db.batch()
    for n in range(60):  # many more people at Globex than a query may read
        batch.set(contacts.document(f"c_extra{n}"), {"companyId": "globex.com", "strength": {"score": n / 100}})
    batch.commit()
    frank = ids.contact_id(_address(FRANK))
    answer = IntroPaths().find(IntroQuery(workspace_id=api.workspace_id, contact_id=frank))
    assert answer["reads"] <= 1 + (CANDIDATES + 1) + CANDIDATES + 2


def test_the_assistants_tool_answers_from_the_same_service(world):
    api, users, evidence = world
    viewer = users["viewer"]
    context = ToolContext(api.workspace_id, Principal(viewer.uid, viewer.email), Role.VIEWER, "c-1", "m-1")
    frank = ids.contact_id(_address(FRANK))

    answer = run_tool(tools_for(Role.VIEWER), context, "intro_paths", {"contact_id": frank})

    via = [p for p in answer["output"]["paths"] if p["kind"] == "via_contact"]
    assert via[0]["evidence"][1]["interactionId"] == evidence["dana_frank"]
    both = run_tool(tools_for(Role.VIEWER), context, "intro_paths", {"contact_id": frank, "company_id": "globex.com"})
    assert "exactly one" in both["error"]
