"""No lost updates: two people editing the same record at once; the one who loses sees the current values."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from google.cloud import firestore

from tests.integration.api import Api, team

pytestmark = pytest.mark.integration


@pytest.fixture
def crm(stack, firestore_db, workspace_id):
    stack.enable_auth()
    users = team(f"http://127.0.0.1:{stack.ports.auth}", workspace_id)
    return Api(stack.functions_url, workspace_id), users


def _race(api: Api, editors: list, path: str, bodies: list[dict]):
    with ThreadPoolExecutor(len(editors)) as pool:
        return list(pool.map(lambda pair: api.call(pair[0], "PATCH", path, pair[1]), zip(editors, bodies, strict=True)))


@pytest.mark.parametrize(
    ("collection", "item", "create", "field", "values"),
    [
        ("deals", "deal", {"name": "Big one", "value": 100}, "value", (5000, 7000)),
        ("contacts", "contact", {"email": "bo@acme.com"}, "title", ("CEO", "CFO")),
        ("tasks", "task", {"title": "Follow up"}, "title", ("Call Bo", "Mail Bo")),
    ],
)
def test_two_editors_at_once_one_wins_the_other_gets_a_conflict(crm, collection, item, create, field, values):
    api, users = crm
    record = api.call(users["member"], "POST", collection, create).body
    editors = [users["member"], users["admin"]]
    seen = [api.call(editor, "GET", f"{item}/{record['id']}").body["version"] for editor in editors]
    answers = _race(api, editors, f"{item}/{record['id']}", [{field: value, "version": seen[0]} for value in values])

    assert sorted(answer.status for answer in answers) == [200, 409], [a.body for a in answers]
    winner = next(a for a in answers if a.status == 200).body
    loser = next(a for a in answers if a.status == 409).body["error"]
    assert loser["code"] == "conflict"
    assert loser["current"][field] == winner[field]  # the loser sees what the record holds now
    final = api.call(users["viewer"], "GET", f"{item}/{record['id']}").body
    assert (final[field], final["version"]) == (winner[field], seen[0] + 1)


def test_a_stale_delete_is_refused_and_changes_nothing(crm):
    api, users = crm
    deal = api.call(users["member"], "POST", "deals", {"name": "Pilot"}).body
    assert api.call(users["admin"], "PATCH", f"deal/{deal['id']}", {"value": 10, "version": 1}).status == 200
    stale = api.call(users["member"], "DELETE", f"deal/{deal['id']}", params={"version": 1})
    assert stale.status == 409
    assert stale.body["error"]["current"]["value"] == 10
    assert api.call(users["member"], "GET", f"deal/{deal['id']}").status == 200


def test_mail_counters_landing_meanwhile_do_not_make_an_edit_stale(crm, firestore_db):
    api, users = crm
    contact = api.call(users["member"], "POST", "contacts", {"email": "cy@acme.com", "name": "Cy"}).body
    reference = firestore_db.document("workspaces", api.workspace_id, "contacts", contact["id"])
    reference.update({"interactionCount": firestore.Increment(3)})  # as ingestion does, without a version
    edited = api.call(users["member"], "PATCH", f"contact/{contact['id']}", {"name": "Cy Young", "version": 1})
    assert edited.status == 200, edited.body
    assert (edited.body["name"], edited.body["interactionCount"]) == ("Cy Young", 3)
