"""Warm introduction paths on the emulators: mail ingested from two teammates' mailboxes, then the paths to a
person and to a company through the HTTP API, ranked, with their evidence and a bounded number of reads."""

from __future__ import annotations

import pytest

from shared import ids
from shared.assistant.context import ToolContext
from shared.assistant.tools import run_tool, tools_for
from shared.crm import intro_via
from shared.crm.intros import CANDIDATES, IntroPaths, IntroQuery
from shared.crm.privacy import ContactRemoval
from shared.principals import Principal, Role
from tests import intro_world
from tests.firestore_calls import firestore_reads, queried_collections
from tests.intro_world import DANA, FRANK, GINA, address

pytestmark = pytest.mark.integration


@pytest.fixture
def world(crm, firestore_db):
    """tests/intro_world.py's team, signed in through the API."""
    api, users = crm
    owner, member = users["owner"], users["member"]
    evidence = intro_world.build(
        firestore_db, api.workspace_id, owner=(owner.uid, owner.email), member=(member.uid, member.email)
    )
    return api, users, evidence


def test_paths_to_a_person_go_through_whoever_was_copied_with_them_and_through_their_colleagues(world):
    api, users, evidence = world
    frank = ids.contact_id(address(FRANK))

    answer = api.call(users["viewer"], "GET", "relationships/intro-paths", params={"contactId": frank})

    assert answer.status == 200, answer.body
    paths = answer.body["paths"]
    assert [p["score"] for p in paths] == sorted((p["score"] for p in paths), reverse=True)
    routes = {(p["kind"], p["teammate"]["email"], (p.get("via") or {}).get("email")): p for p in paths}
    via_dana = routes[("via_contact", users["owner"].email, address(DANA))]
    # Dana's reply copying Frank is both the owner's newest mail with her and the mail she and Frank were on.
    assert [(e["interactionId"], e["link"]) for e in via_dana["evidence"]] == [(evidence["dana_frank"], "introducer")]
    colleague = routes[("colleague", users["member"].email, address(GINA))]
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
        address(GINA),
    )
    kinds = {(p["kind"], p["to"]["email"]) for p in answer.body["paths"]}
    assert ("via_contact", address(FRANK)) in kinds
    assert {w["person"]["email"] for w in answer.body["whoKnows"]} == {address(GINA), address(FRANK)}


def test_intro_paths_refuse_outsiders_and_a_query_without_exactly_one_target(world):
    api, users, _ = world
    frank = ids.contact_id(address(FRANK))
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
    frank = ids.contact_id(address(FRANK))
    answer = IntroPaths().find(IntroQuery(workspace_id=api.workspace_id, contact_id=frank))
    assert answer["reads"] <= 1 + (CANDIDATES + 1) + CANDIDATES + 2


def test_the_assistants_tool_answers_from_the_same_service(world):
    api, users, evidence = world
    viewer = users["viewer"]
    context = ToolContext(api.workspace_id, Principal(viewer.uid, viewer.email), Role.VIEWER, "c-1", "m-1")
    frank = ids.contact_id(address(FRANK))

    answer = run_tool(tools_for(Role.VIEWER), context, "intro_paths", {"contact_id": frank})

    via = [p for p in answer["output"]["paths"] if p["kind"] == "via_contact"]
    assert via[0]["evidence"][-1]["interactionId"] == evidence["dana_frank"]
    both = run_tool(tools_for(Role.VIEWER), context, "intro_paths", {"contact_id": frank, "company_id": "globex.com"})
    assert "exactly one" in both["error"]


def test_the_team_map_lists_each_teammates_strongest_relationships_in_the_workspace_a_company_or_a_deal(world):
    api, users, _ = world
    owner, member = users["owner"].email, users["member"].email

    def names(params: dict[str, str]) -> dict[str, list[str]]:
        answer = api.call(users["viewer"], "GET", "relationships/team-map", params=params)
        assert answer.status == 200, answer.body
        return {
            m["teammate"]["email"]: [r["person"]["name"] for r in m["relationships"]] for m in answer.body["members"]
        }

    assert names({}) == {owner: ["Dana Wu", "Frank Ode"], member: ["Gina Park"]}
    assert names({"companyId": "globex.com"}) == {owner: ["Frank Ode"], member: ["Gina Park"]}
    deal = {"name": "Initech", "value": 1000, "currency": "USD", "stage": "lead"}
    created = api.call(users["member"], "POST", "deals", deal | {"contactIds": [ids.contact_id(address(DANA))]})
    assert created.status == 201, created.body
    assert names({"dealId": created.body["id"]}) == {owner: ["Dana Wu"], member: []}
    both = api.call(users["viewer"], "GET", "relationships/team-map", params={"companyId": "x.com", "dealId": "d1"})
    assert both.status == 400


def test_a_query_reads_the_people_around_its_target_from_the_copies_the_refresh_keeps_and_ranks_as_live(
    world, firestore_db
):
    api, users, _ = world
    frank = ids.contact_id(address(FRANK))
    service = IntroPaths()
    to_frank = IntroQuery(workspace_id=api.workspace_id, contact_id=frank)
    to_globex = IntroQuery(workspace_id=api.workspace_id, company_id="globex.com")
    copied = service.find(to_frank), service.find(to_globex)
    # One round: the target, its copies of the people around it and the two mailboxes, nothing after.
    assert copied[0]["reads"] == 1 + 1 + 2
    assert copied[1]["reads"] == 1 + 1 + 2  # the company, its copies (its strongest people too), the mailboxes
    who_knows_copied, queried_copied = _who_knows_company(api.workspace_id, users["viewer"], "globex.com")
    assert "contacts" not in queried_copied  # its people are read by id, from the ids its copy holds

    workspace = firestore_db.document("workspaces", api.workspace_id)
    intro_via.reference(workspace.collection("contacts").document(frank)).delete()
    intro_via.reference(workspace.collection("companies").document("globex.com")).delete()
    live = service.find(to_frank), service.find(to_globex)
    who_knows_live, queried_live = _who_knows_company(api.workspace_id, users["viewer"], "globex.com")

    for from_copies, read_live in zip(copied, live, strict=True):
        assert read_live["reads"] > from_copies["reads"]
        assert {**from_copies, "reads": 0} == {**read_live, "reads": 0}
    assert "contacts" in queried_live
    assert who_knows_copied == who_knows_live
    assert sorted(p["name"] for p in who_knows_copied["people"]) == ["Frank Ode", "Gina Park"]
    assert {p["kind"] for p in copied[0]["paths"]} == {"direct", "via_contact", "colleague"}


def test_erasing_an_introducer_takes_them_out_of_every_copy_at_once(world, firestore_db):
    api, users, _ = world
    gina, frank = ids.contact_id(address(GINA)), ids.contact_id(address(FRANK))
    to_frank = IntroQuery(workspace_id=api.workspace_id, contact_id=frank)

    def introducers() -> set[str]:
        return {p["via"]["id"] for p in IntroPaths().find(to_frank)["paths"] if p.get("via")}

    assert gina in introducers()  # Frank's colleague, whom the member knows
    owner = Principal(users["owner"].uid, users["owner"].email)
    ContactRemoval().erase(api.workspace_id, actor=owner, contact_id=gina, version=None)

    assert gina not in introducers()
    contacts = firestore_db.collection("workspaces", api.workspace_id, "contacts")
    assert not intro_via.reference(contacts.document(gina)).get().exists


def _who_knows_company(workspace_id: str, user, company_id: str) -> tuple[dict, list[str]]:
    """The assistant's who_knows_company as `user` sees it, and the collections its queries asked."""
    context = ToolContext(workspace_id, Principal(user.uid, user.email), Role.VIEWER, "c-1", "m-1")
    with firestore_reads() as asked:
        answer = run_tool(tools_for(Role.VIEWER), context, "who_knows_company", {"company_id": company_id})
    return answer["output"], queried_collections(asked)
