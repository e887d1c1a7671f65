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
    answer = api.call(users["member"], "POST", "csv-import/preview", {"kind": "contacts", "csv": "name\nAnn\n"})
    assert (answer.status, answer.body["error"]["field"]) == (400, "csv")
    answer = api.call(users["member"], "POST", "csv-import/preview", {"kind": "spaceships", "csv": "a\n"})
    assert (answer.status, answer.body["error"]["field"]) == (400, "kind")
