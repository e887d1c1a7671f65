"""The CRM's REST functions as real users: create, read, list, change and delete records, with roles enforced."""

from __future__ import annotations

import pytest

from tests.integration.api import Api, team

pytestmark = pytest.mark.integration


@pytest.fixture
def crm(stack, firestore_db, workspace_id):
    stack.enable_auth()
    users = team(f"http://127.0.0.1:{stack.ports.auth}", workspace_id)
    return Api(stack.functions_url, workspace_id), users


def test_a_member_creates_reads_changes_and_deletes_a_deal(crm):
    api, users = crm
    created = api.call(users["member"], "POST", "deals", {"name": "Acme renewal", "value": 12000, "currency": "EUR"})
    assert created.status == 201, created.body
    deal = created.body
    assert deal["stage"] == "lead"  # the pipeline's first stage
    assert deal["version"] == 1
    assert api.call(users["viewer"], "GET", f"deal/{deal['id']}").body["name"] == "Acme renewal"

    changed = api.call(users["member"], "PATCH", f"deal/{deal['id']}", {"stage": "proposal", "version": 1})
    assert changed.status == 200, changed.body
    assert (changed.body["stage"], changed.body["version"]) == ("proposal", 2)

    assert api.call(users["member"], "DELETE", f"deal/{deal['id']}", params={"version": 2}).status == 204
    assert api.call(users["member"], "GET", f"deal/{deal['id']}").status == 404


def test_bad_input_is_a_400_naming_the_field(crm):
    api, users = crm
    answer = api.call(users["member"], "POST", "deals", {"name": "X", "currency": "euro"})
    assert answer.status == 400
    assert answer.body["error"]["field"] == "currency"
    answer = api.call(users["member"], "POST", "deals", {"name": "X", "stage": "nowhere"})
    assert (answer.status, answer.body["error"]["field"]) == (400, "stage")
    answer = api.call(users["member"], "POST", "contacts", raw=b"{not json")
    assert answer.status == 400
    answer = api.call(users["member"], "GET", "contacts", params={"sort": "shoeSize"})
    assert (answer.status, answer.body["error"]["field"]) == (400, "sort")
    answer = api.call(users["member"], "POST", "tasks", {"title": "Call", "assigneeUid": "stranger"})
    assert (answer.status, answer.body["error"]["field"]) == (400, "assigneeUid")


def test_who_may_do_what(crm):
    api, users = crm
    body = {"email": "ann@acme.com", "name": "Ann"}
    assert api.call(None, "GET", "contacts").status == 401
    assert api.call(users["outsider"], "GET", "contacts").status == 403
    assert api.call(users["viewer"], "POST", "contacts", body).status == 403
    assert api.call(users["viewer"], "GET", "contacts").status == 200
    created = api.call(users["member"], "POST", "contacts", body)
    assert created.status == 201
    assert api.call(users["member"], "POST", "contacts", body).status == 409  # the same person again
    contact_id = created.body["id"]
    assert api.call(users["viewer"], "PATCH", f"contact/{contact_id}", {"name": "A", "version": 1}).status == 403
    assert api.call(users["outsider"], "GET", f"contact/{contact_id}").status == 403
    assert api.call(users["member"], "GET", "contact/c_nobody").status == 404
    assert api.call(users["member"], "PUT", "contacts", body).status == 405


def test_contact_edits_keep_provenance_and_stay_searchable(crm, firestore_db):
    api, users = crm
    contact = api.call(users["member"], "POST", "contacts", {"email": "Ann.Lee@Acme.com", "name": "Ann Lee"}).body
    assert contact["email"] == "ann.lee@acme.com"
    edited = api.call(users["admin"], "PATCH", f"contact/{contact['id']}", {"title": "CTO", "version": 1})
    assert edited.status == 200, edited.body
    assert edited.body["version"] == 2
    assert "title" in edited.body["manualFields"]
    stored = firestore_db.document("workspaces", api.workspace_id, "contacts", contact["id"]).get().to_dict()
    assert "cto" in stored["searchTokens"]


def test_lists_filter_sort_and_page_with_a_cursor(crm):
    api, users = crm
    for number, stage in enumerate(["lead", "won", "won", "lead", "won"]):
        answer = api.call(
            users["member"], "POST", "deals", {"name": f"Deal {number}", "value": number * 100, "stage": stage}
        )
        assert answer.status == 201
    seen: list[float] = []
    cursor = None
    while True:
        params = {"stage": "won", "sort": "value", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.call(users["viewer"], "GET", "deals", params=params).body
        seen += [deal["value"] for deal in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [400, 200, 100]
    answer = api.call(users["viewer"], "GET", "deals", params={"stage": "won", "ownerUid": users["owner"].uid})
    assert answer.status == 400


def test_notes_and_tasks_hang_on_records_that_exist(crm):
    api, users = crm
    deal = api.call(users["member"], "POST", "deals", {"name": "Pilot"}).body
    note = api.call(
        users["member"], "POST", "notes", {"parentType": "deal", "parentId": deal["id"], "body": "Call Tue"}
    )
    assert note.status == 201
    assert note.body["parentKey"] == f"deal:{deal['id']}"
    missing = api.call(users["member"], "POST", "notes", {"parentType": "contact", "parentId": "c_none", "body": "x"})
    assert (missing.status, missing.body["error"]["field"]) == (400, "parentId")
    task = api.call(
        users["member"],
        "POST",
        "tasks",
        {"title": "Send quote", "assigneeUid": users["viewer"].uid, "dueDate": "2030-01-31"},
    )
    assert task.status == 201, task.body
    done = api.call(users["viewer"], "PATCH", f"task/{task.body['id']}", {"done": True, "version": 1})
    assert done.status == 403  # viewers only read, even their own tasks
    done = api.call(users["member"], "PATCH", f"task/{task.body['id']}", {"done": True, "version": 1})
    assert done.body["done"] is True
    open_tasks = api.call(users["viewer"], "GET", "tasks", params={"done": "false"}).body["items"]
    assert open_tasks == []


def test_each_field_a_person_edits_records_who_set_it_and_when(crm):
    api, users = crm
    contact = api.call(users["member"], "POST", "contacts", {"email": "nia@vandelay.com", "name": "Nia"}).body
    api.call(users["member"], "PATCH", f"contact/{contact['id']}", {"title": "CFO", "version": 1})
    edited = api.call(users["admin"], "PATCH", f"contact/{contact['id']}", {"phone": "+1 555 0100", "version": 2}).body
    sources = edited["fieldSources"]
    assert sources["title"]["uid"] == users["member"].uid
    assert sources["phone"]["uid"] == users["admin"].uid
    assert {entry["source"] for entry in sources.values()} == {"person"}
    assert sources["phone"]["atMs"] >= sources["title"]["atMs"] > 0
    company = api.call(users["member"], "POST", "companies", {"name": "Vandelay", "domain": "vandelay.com"}).body
    renamed = api.call(users["admin"], "PATCH", f"company/{company['id']}", {"name": "Vandelay Ind.", "version": 1})
    assert renamed.body["fieldSources"]["name"]["uid"] == users["admin"].uid
    forged = api.call(users["member"], "PATCH", f"contact/{contact['id']}", {"fieldSources": {}, "version": 3})
    assert forged.status == 400


def test_a_deal_links_contacts_and_companies_that_exist(crm, firestore_db):
    api, users = crm
    ann = api.call(users["member"], "POST", "contacts", {"email": "ann@acme.com", "name": "Ann"}).body
    ann_alias = api.call(users["member"], "POST", "contacts", {"email": "ann.lee@acme.com"}).body
    acme = api.call(users["member"], "POST", "companies", {"name": "Acme", "domain": "acme.com"}).body
    contacts = firestore_db.collection("workspaces", api.workspace_id, "contacts")
    contacts.document(ann_alias["id"]).update({"mergedInto": ann["id"]})

    created = api.call(
        users["member"], "POST", "deals", {"name": "Pilot", "companyId": acme["id"], "contactIds": [ann_alias["id"]]}
    )

    assert created.status == 201, created.body
    assert (created.body["companyId"], created.body["contactIds"]) == (acme["id"], [ann["id"]])  # the live contact
    deal = created.body
    for bad, field in (({"companyId": "nowhere.com"}, "companyId"), ({"contactIds": ["c_nobody"]}, "contactIds")):
        refused = api.call(users["member"], "PATCH", f"deal/{deal['id']}", {**bad, "version": 1})
        assert (refused.status, refused.body["error"]["field"]) == (400, field)
    unlink = {"contactIds": [], "companyId": None, "version": 1}
    unlinked = api.call(users["member"], "PATCH", f"deal/{deal['id']}", unlink)
    assert unlinked.status == 200, unlinked.body
    assert (unlinked.body["contactIds"], unlinked.body["companyId"]) == ([], None)
    by_contact = api.call(users["viewer"], "GET", "deals", params={"contactId": ann["id"]})
    assert by_contact.body["items"] == []
