"""CSV import (preview, apply, undo of the whole batch) and export through the HTTP API."""

from __future__ import annotations

import csv
import io

import pytest

from tests.integration.api import Api, team

pytestmark = pytest.mark.integration

CONTACTS_CSV = """Email,Full Name,Job Title,Company,Tags,Favourite colour
ann@acme.com,Ann Lee,CTO,Acme,vip; beta,green
bob@acme.com,Bob Ray,,Acme,,blue
not-an-email,Nobody,,,,
=cmd@evil.com,Eve,,,,
"""


@pytest.fixture
def crm(stack, firestore_db, workspace_id):
    stack.enable_auth()
    users = team(f"http://127.0.0.1:{stack.ports.auth}", workspace_id)
    return Api(stack.functions_url, workspace_id), users


def test_preview_then_apply_then_undo_restores_the_crm(crm):
    api, users = crm
    existing = api.call(users["member"], "POST", "contacts", {"email": "bob@acme.com", "name": "Robert"}).body
    body = {"kind": "contacts", "csv": CONTACTS_CSV}

    preview = api.call(users["member"], "POST", "csv-import/preview", body)
    assert preview.status == 200, preview.body
    assert (preview.body["rows"], preview.body["create"], preview.body["update"]) == (4, 2, 1)
    assert [(e["row"], e["field"]) for e in preview.body["invalid"]] == [(3, "email")]
    assert preview.body["ignoredColumns"] == ["Favourite colour"]
    assert api.call(users["member"], "GET", "contacts").body["items"] == [existing]  # preview changes nothing

    applied = api.call(users["member"], "POST", "csv-import/apply", body)
    assert applied.status == 201, applied.body
    contacts = {c["email"]: c for c in api.call(users["viewer"], "GET", "contacts").body["items"]}
    assert contacts["ann@acme.com"]["tags"] == ["vip", "beta"]
    assert contacts["bob@acme.com"]["name"] == "Bob Ray"
    assert "=cmd@evil.com" in contacts

    exported = api.call(users["viewer"], "GET", "csv-export", params={"kind": "contacts"})
    assert exported.status == 200
    rows = {row["email"]: row for row in csv.DictReader(io.StringIO(exported.body))}
    assert rows["ann@acme.com"]["tags"] == "vip; beta"
    assert rows["'=cmd@evil.com"]["name"] == "Eve"  # a formula is exported as text

    # Someone edits Ann after the import: undo keeps that edit and takes back the rest.
    ann = contacts["ann@acme.com"]
    assert (
        api.call(users["admin"], "PATCH", f"contact/{ann['id']}", {"title": "CEO", "version": ann["version"]}).status
        == 200
    )
    undone = api.call(users["member"], "DELETE", f"csv-import/{applied.body['importId']}")
    assert undone.status == 200, undone.body
    assert undone.body["kept"] == [ann["id"]]
    after = {c["email"]: c for c in api.call(users["viewer"], "GET", "contacts").body["items"]}
    assert set(after) == {"ann@acme.com", "bob@acme.com"}
    assert after["bob@acme.com"]["name"] == "Robert"
    assert api.call(users["member"], "DELETE", f"csv-import/{applied.body['importId']}").status == 409


def test_viewers_cannot_import_and_broken_csv_is_a_400(crm):
    api, users = crm
    body = {"kind": "contacts", "csv": CONTACTS_CSV}
    assert api.call(users["viewer"], "POST", "csv-import/apply", body).status == 403
    answer = api.call(users["member"], "POST", "csv-import/apply", {"kind": "contacts", "csv": "name\nAnn\n"})
    assert (answer.status, answer.body["error"]["field"]) == (400, "csv")
    # The preview reads it all the same, so the person can map a column to the email it lacks.
    answer = api.call(users["member"], "POST", "csv-import/preview", {"kind": "contacts", "csv": "name\nAnn\n"})
    assert (answer.status, answer.body["missing"], answer.body["create"]) == (200, ["email"], 0)
    assert [(e["row"], e["field"]) for e in answer.body["invalid"]] == [(1, "email")]
    answer = api.call(users["member"], "POST", "csv-import/preview", {"kind": "spaceships", "csv": "a\n"})
    assert (answer.status, answer.body["error"]["field"]) == (400, "kind")


def test_a_mapped_import_counts_its_rows_under_the_id_the_client_chose(crm, firestore_db, workspace_id):
    api, users = crm
    body = {"kind": "contacts", "csv": "Work mail,Who\ncat@acme.com,Cat Wu\n", "mapping": {"Work mail": "email"}}
    preview = api.call(users["member"], "POST", "csv-import/preview", body)
    assert preview.status == 200, preview.body
    assert preview.body["columns"] == [{"header": "Work mail", "field": "email"}, {"header": "Who", "field": None}]
    assert "email" in preview.body["fields"]
    applied = api.call(users["member"], "POST", "csv-import/apply", {**body, "importId": "a" * 20})
    assert (applied.status, applied.body["importId"]) == (201, "a" * 20)
    record = firestore_db.document(f"workspaces/{workspace_id}/imports/{'a' * 20}").get().to_dict()
    assert (record["state"], record["written"], record["total"]) == ("applied", 1, 1)
    assert api.call(users["member"], "POST", "csv-import/apply", {**body, "importId": "a" * 20}).status == 409
    contacts = api.call(users["viewer"], "GET", "contacts").body["items"]
    assert [(c["email"], c.get("name")) for c in contacts] == [("cat@acme.com", None)]


def test_notes_and_tasks_export_as_csv(crm):
    api, users = crm
    contact = api.call(users["member"], "POST", "contacts", {"email": "dan@acme.com"}).body
    note = {"parentType": "contact", "parentId": contact["id"], "body": "=SUM(A1) met at the fair"}
    assert api.call(users["member"], "POST", "notes", note).status == 201
    assert api.call(users["member"], "POST", "tasks", {"title": "Call Dan", "dueDate": "2026-12-24"}).status == 201
    notes = list(
        csv.DictReader(io.StringIO(api.call(users["viewer"], "GET", "csv-export", params={"kind": "notes"}).body))
    )
    assert [(n["parentId"], n["body"]) for n in notes] == [(contact["id"], "'=SUM(A1) met at the fair")]
    exported = api.call(users["viewer"], "GET", "csv-export", params={"kind": "tasks"})
    assert exported.headers["Content-Disposition"] == 'attachment; filename="tasks.csv"'
    tasks = list(csv.DictReader(io.StringIO(exported.body)))
    assert [(t["title"], t["dueDate"], t["done"]) for t in tasks] == [("Call Dan", "2026-12-24", "False")]
