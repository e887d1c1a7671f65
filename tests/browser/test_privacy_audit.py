"""A person's data in the web app: export one person's data as a JSON download, delete a contact keeping
or erasing its mail through the dialog, and the audit page with its filters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devstack import demo
from tests.browser.conftest import assert_accessible, new_owner, screenshot
from tests.integration.api import Api, User
from tests.support import id_token_for, store_mail, wait_for

pytestmark = pytest.mark.browser

ERIN, CY = "erin.gone@initech.com", "cy@initech.com"


def test_export_then_erase_and_keep_a_contact_and_read_it_all_in_the_audit_log(
    web_stack, firestore_db, workspace_id, new_page
):
    uid, owner = new_owner(firestore_db, workspace_id, "Privacy team")
    user = User(uid, owner, id_token_for(f"http://127.0.0.1:{web_stack.ports.auth}", uid, owner))
    api = Api(web_stack.functions_url, workspace_id)
    erin = api.call(user, "POST", "contacts", {"email": ERIN, "name": "Erin Gone"}).body
    cy = api.call(user, "POST", "contacts", {"email": CY, "name": "Cy Kept"}).body
    api.call(user, "POST", "notes", {"parentType": "contact", "parentId": erin["id"], "body": "Prefers calls"})
    api.call(user, "PATCH", f"contact/{erin['id']}", {"title": "Buyer", "version": 1})
    mailbox = "mb_privacy"
    firestore_db.document("workspaces", workspace_id, "mailboxes", mailbox).set({"email": owner, "ownerUid": uid})
    sent = {"mailboxId": mailbox, "direction": "inbound", "undone": False, "participantEmails": [ERIN]}
    sent |= {"contactIds": [erin["id"]], "occurredAt": datetime.now(UTC) - timedelta(hours=2)}
    store_mail(firestore_db, workspace_id, f"{mailbox}_1", sent | {"subject": "Renewal", "snippet": "Let us talk"})
    firestore_db.document("workspaces", workspace_id, "syncRuns", "run-privacy").set(
        {"mailboxId": mailbox, "kind": "incremental", "state": "done", "fetched": 1, "startedAt": datetime.now(UTC)}
    )

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=uid, email=owner))
    page.get_by_test_id("nav-settings").wait_for()  # signed in
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/contacts/{erin['id']}")
    page.get_by_test_id("contact-export").wait_for()
    assert_accessible(page, "contact page with its privacy controls")

    with page.expect_download() as downloading:
        page.get_by_test_id("contact-export").click()
    download = downloading.value
    assert download.suggested_filename == f"contact-{erin['id']}.json"
    exported = json.loads(Path(download.path()).read_text())
    assert exported["contact"]["email"] == ERIN
    assert [n["body"] for n in exported["notes"]] == ["Prefers calls"]
    assert exported["interactions"][0]["subject"] == "Renewal"  # the owner reads their own mail

    page.get_by_test_id("contact-delete").click()
    dialog = page.get_by_test_id("delete-contact-dialog")
    dialog.wait_for()
    assert page.get_by_test_id("delete-keep-mail").is_checked()  # keeping the mail is the default
    page.get_by_test_id("delete-erase-mail").check()
    assert page.get_by_test_id("delete-contact-confirm").inner_text() == "Erase for good"
    screenshot(page, "delete-contact-dialog")
    assert_accessible(page, "the delete dialog")
    page.get_by_test_id("delete-contact-confirm").click()
    page.wait_for_url(f"**/w/{workspace_id}/contacts")
    workspace = firestore_db.document("workspaces", workspace_id)
    assert not workspace.collection("contacts").document(erin["id"]).get().exists
    assert ERIN in workspace.get().to_dict()["settings"]["blocklist"]
    stub = workspace.collection("interactions").document(f"{mailbox}_1").get().to_dict()
    assert (stub["skipped"], stub["people"], "participantEmails" in stub) == ("blocked", [], False)

    page.goto(f"{web_stack.web_url}/w/{workspace_id}/contacts/{cy['id']}")
    page.get_by_test_id("contact-audit").click()  # the contact's own history
    page.wait_for_url(f"**/w/{workspace_id}/audit?record=contact%3A{cy['id']}")
    page.get_by_test_id("audit-row").first.wait_for()
    assert page.eval_on_selector_all('[data-testid="audit-row"]', "rows => rows.map(r => r.dataset.action)") == [
        "create"
    ]
    page.go_back()
    page.get_by_test_id("contact-delete").click()
    page.get_by_test_id("delete-contact-confirm").click()  # keep the mail
    page.wait_for_url(f"**/w/{workspace_id}/contacts")
    assert not workspace.collection("contacts").document(cy["id"]).get().exists
    assert CY not in workspace.get().to_dict()["settings"]["blocklist"]

    page.get_by_test_id("nav-audit").click()
    rows = page.get_by_test_id("audit-row")
    rows.first.wait_for()

    def actions() -> list[str]:
        # Read in one step: the list re-renders while a filter loads.
        return list(page.eval_on_selector_all('[data-testid="audit-row"]', "rows => rows.map(r => r.dataset.action)"))

    assert actions()[:2] == ["delete", "erase"]
    assert "sync" in actions()
    assert page.get_by_test_id("audit-redacted").count() >= 2  # Erin's creation and edit keep no values
    assert ERIN not in page.get_by_test_id("audit-list").inner_text()
    assert "Cy Kept" in page.get_by_test_id("audit-list").inner_text()  # a plain deletion keeps its values
    screenshot(page, "audit-page")
    assert_accessible(page, "the audit page")

    page.get_by_test_id("audit-filter-action").select_option("erase")
    wait_for(lambda: actions() == ["erase"], what="only the erasure")
    page.get_by_test_id("audit-filter-action").select_option("sync")
    wait_for(lambda: actions() == ["sync"], what="only the sync run")
    page.get_by_test_id("audit-clear").click()
    page.get_by_test_id("audit-filter-record").fill(f"contact:{cy['id']}")
    wait_for(lambda: actions() == ["delete", "create"], what="Cy's history")
    page.get_by_test_id("audit-filter-record").fill("contact:c_nobody")
    page.get_by_test_id("audit-empty").wait_for()
    page.get_by_test_id("audit-clear").click()
    page.get_by_test_id("audit-filter-person").select_option(uid)
    wait_for(lambda: "sync" in actions() and "erase" in actions(), what="everything the owner did")
    assert_accessible(page, "the filtered audit page")
