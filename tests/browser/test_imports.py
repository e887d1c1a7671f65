"""Imports and exports in the browser: a CSV mapped, previewed with its row errors, applied with progress and
undone; every record type exported; a Google Takeout mbox uploaded to Cloud Storage (the emulator) with
progress, then read into the CRM with a summary; a Takeout import that keeps failing, listed with its reason,
retried or dismissed."""

from __future__ import annotations

import csv
import io

import pytest

from devstack import demo
from devstack.demo_mailbox import generate
from shared.principals import Principal
from shared.takeout.imports import MAX_FAILURES, TakeoutImports, UploadedObject
from tests.browser.conftest import assert_accessible, new_owner, screenshot
from tests.support import wait_for

pytestmark = pytest.mark.browser

CSV_TEXT = """Work mail,Who,Role,Shoe size
ann@acme.com,Ann Lee,CTO,38
not-an-email,Nobody,,41
bob@acme.com,Bob Ray,Sales,44
"""


def _open_imports(page, web_stack, uid: str, owner: str) -> None:
    page.goto(demo.sign_in_link(web_stack.web_url, uid=uid, email=owner))
    page.get_by_test_id("signed-in-as").wait_for(timeout=20_000)
    page.get_by_test_id("nav-imports").click()
    page.get_by_test_id("csv-import").wait_for(timeout=20_000)


def test_a_csv_is_mapped_previewed_applied_with_progress_and_undone(web_stack, firestore_db, workspace_id, new_page):
    uid, owner = new_owner(firestore_db, workspace_id, "CSV team")
    page = new_page()
    _open_imports(page, web_stack, uid, owner)
    assert_accessible(page, "imports page")

    page.get_by_test_id("csv-file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": CSV_TEXT.encode()}]
    )
    mapping = page.get_by_test_id("csv-mapping")
    mapping.wait_for(timeout=20_000)
    # "Work mail" and "Who" are not headers the guess knows: the person maps them.
    assert page.get_by_test_id("map-Work mail").input_value() == ""
    page.get_by_test_id("csv-missing").wait_for(timeout=20_000)
    assert page.get_by_test_id("csv-apply").is_disabled()
    assert_accessible(page, "CSV preview without an email column")
    page.get_by_test_id("map-Work mail").select_option("email")
    page.get_by_test_id("csv-missing").wait_for(state="detached", timeout=20_000)
    page.get_by_test_id("map-Who").select_option("name")
    wait_for(lambda: "Ann Lee" in page.get_by_test_id("csv-sample").inner_text(), what="the sample with names")
    page.get_by_test_id("map-Role").select_option("title")
    wait_for(lambda: "CTO" in page.get_by_test_id("csv-sample").inner_text(), what="the sample with titles")
    assert "3 rows — 2 new, 0 to update, 1 with errors" in page.get_by_test_id("csv-summary").inner_text()
    errors = page.get_by_test_id("csv-errors").inner_text()
    assert "not-an-email" not in errors
    assert "Email" in errors  # row 2's address is not an address
    assert page.get_by_test_id("map-Shoe size").input_value() == ""
    assert_accessible(page, "CSV preview")
    screenshot(page, "imports-csv-preview")

    page.get_by_test_id("csv-apply").click()
    page.get_by_test_id("csv-applied").wait_for(timeout=30_000)
    assert "2 created, 0 updated, 1 rows skipped as invalid" in page.get_by_test_id("csv-applied").inner_text()
    contacts = firestore_db.collection("workspaces", workspace_id, "contacts")
    people = {c.get("email"): c.to_dict() for c in contacts.stream()}
    assert (people["ann@acme.com"]["name"], people["ann@acme.com"]["title"]) == ("Ann Lee", "CTO")
    imports = list(firestore_db.collection("workspaces", workspace_id, "imports").stream())
    assert [(i.get("written"), i.get("total"), i.get("state")) for i in imports] == [(2, 2, "applied")]
    assert_accessible(page, "CSV applied")

    page.get_by_test_id("csv-undo").click()
    page.get_by_test_id("csv-undone").wait_for(timeout=30_000)
    assert "2 records restored" in page.get_by_test_id("csv-undone").inner_text()
    wait_for(lambda: contacts.count().get()[0][0].value == 0, what="the imported contacts to be gone")


def test_every_record_type_exports_as_a_csv_download(web_stack, firestore_db, workspace_id, new_page):
    uid, owner = new_owner(firestore_db, workspace_id, "Export team")
    contacts = firestore_db.collection("workspaces", workspace_id, "contacts")
    contacts.document("c-1").set({"email": "dan@acme.com", "name": "Dan", "tags": ["vip"]})
    page = new_page()
    _open_imports(page, web_stack, uid, owner)
    for kind in ("contacts", "companies", "deals", "notes", "tasks"):
        with page.expect_download() as download:
            page.get_by_test_id(f"export-{kind}").click()
        assert download.value.suggested_filename == f"{kind}.csv"
        rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))  # noqa: SIM115
        if kind == "contacts":
            assert [(r["email"], r["name"], r["tags"]) for r in rows] == [("dan@acme.com", "Dan", "vip")]
        else:
            assert rows == []
        wait_for(
            lambda kind=kind: f"{kind}.csv" in page.get_by_test_id("export-result").inner_text(), what="the saved note"
        )


# Records every percentage the page's progress bars show, however briefly.
_WATCH_PROGRESS = """
window.__progress = [];
new MutationObserver(() => {
  for (const bar of document.querySelectorAll('[role="progressbar"][data-testid^="takeout-"]')) {
    window.__progress.push(`${bar.dataset.testid}:${bar.dataset.percent}`);
  }
}).observe(document.body, { subtree: true, childList: true, attributes: true });
"""


def _large_message(owner: str, number: int) -> bytes:
    """A message with a 6 MB attachment, so the file takes several upload chunks."""
    padding = ("x" * 76 + "\n") * (6 * 1024 * 1024 // 77)
    return (
        f"From big{number}@xxx Mon Jan 08 10:00:00 +0000 2024\nMessage-ID: <big{number}@acme.com>\n"
        f"From: Ann Lee <ann@acme.com>\nTo: {owner}\nSubject: The deck, attached\n"
        f"Date: Mon, 8 Jan 2024 10:00:00 +0000\nX-Gmail-Labels: Inbox\n\n{padding}\n"
    ).encode()


def test_a_takeout_mbox_uploads_with_progress_and_its_mail_fills_the_crm(
    web_stack, firestore_db, workspace_id, new_page, tmp_path
):
    uid, owner = new_owner(firestore_db, workspace_id, "Takeout team")
    path = tmp_path / "All mail Including Spam and Trash.mbox"
    generate(owner=owner, messages=300, seed=21).write_mbox(path)
    with path.open("ab") as mbox:
        for number in range(3):
            mbox.write(_large_message(owner, number))
    size = path.stat().st_size
    assert size > 2 * 8 * 1024 * 1024  # three chunks of 8 MiB or more

    page = new_page()
    _open_imports(page, web_stack, uid, owner)
    assert_accessible(page, "imports page")
    page.evaluate(_WATCH_PROGRESS)
    page.get_by_test_id("takeout-file").set_input_files(str(path))
    done = page.get_by_test_id("takeout-done")
    done.wait_for(timeout=180_000)
    summary = done.inner_text()
    assert "303 messages read" in summary
    shown = page.evaluate("window.__progress")
    upload_steps = {int(p.split(":")[1]) for p in shown if p.startswith("takeout-upload-progress:") and p.split(":")[1]}
    assert any(0 < step < 100 for step in upload_steps), shown  # the bar moved chunk by chunk
    takeouts = list(firestore_db.collection("workspaces", workspace_id, "takeoutImports").stream())
    assert len(takeouts) == 1
    record = takeouts[0].to_dict()
    assert (record["state"], record["read"], record["offset"], record["size"]) == ("done", 303, size, size)
    assert f"{record['published']} went into the CRM, {record['skipped']} left out" in summary
    interactions = firestore_db.collection("workspaces", workspace_id, "interactions")
    wait_for(lambda: interactions.count().get()[0][0].value == record["published"], what="the mail stored", timeout=120)
    assert_accessible(page, "Takeout imported")
    screenshot(page, "imports-takeout-done")


def test_a_takeout_that_keeps_failing_says_why_and_is_retried_or_dismissed(
    web_stack, firestore_db, workspace_id, new_page
):
    uid, owner = new_owner(firestore_db, workspace_id, "Takeout team")
    starter = Principal(uid=uid, email=owner, email_verified=True)
    imports = TakeoutImports()
    failed_ids = []
    for file_name in ("Old mail.mbox", "Archive 2019.mbox"):
        # Every delivery fails (its file never reached storage) until the import stops and says so.
        started = imports.start_upload(workspace_id, starter, file_name=file_name, size=1000, origin=None)
        uploaded = UploadedObject(bucket=web_stack.env["RAPPORT_TAKEOUT_BUCKET"], name=started["object"])
        for _ in range(MAX_FAILURES - 1):
            with pytest.raises(Exception, match=r"No such object|404"):
                imports.run(uploaded)
        assert imports.run(uploaded) == "failed"
        failed_ids.append(started["importId"])

    page = new_page()
    _open_imports(page, web_stack, uid, owner)
    items = page.get_by_test_id("failed-takeout")
    wait_for(lambda: items.count() == 2, what="both failed imports listed")
    retried, dismissed = (page.locator(f'[data-testid="failed-takeout"][data-import-id="{i}"]') for i in failed_ids)
    assert "not in storage any more" in retried.get_by_test_id("failed-takeout-reason").inner_text()
    assert "Old mail.mbox" in retried.inner_text()
    assert_accessible(page, "imports page with failed Takeout imports")
    screenshot(page, "imports-takeout-failed")

    # Its starter was told, in the bell.
    page.get_by_test_id("notifications-bell").click()
    notices = page.get_by_test_id("notification")
    wait_for(lambda: notices.count() == 2, what="a notice per failed import")
    assert "The Takeout import of Archive 2019.mbox failed" in page.get_by_test_id("notifications-panel").inner_text()
    page.keyboard.press("Escape")

    dismissed.get_by_test_id("failed-takeout-dismiss").click()
    wait_for(lambda: items.count() == 1, what="the dismissed import gone")
    takeouts = firestore_db.collection("workspaces", workspace_id, "takeoutImports")
    assert (takeouts.document(failed_ids[1]).get().to_dict() or {})["state"] == "dismissed"

    # Retry reads it again from where it stopped (here its file is still missing, so it may fail again).
    retried.get_by_test_id("failed-takeout-retry").click()
    wait_for(lambda: (takeouts.document(failed_ids[0]).get().to_dict() or {}).get("retries") == 1, what="the retry")
    wait_for(lambda: items.count() == 0 or "Retry" in items.first.inner_text(), what="the list updated")
