"""Settings: a user connects Gmail through the whole OAuth flow in the browser, watches the sync
progress to the end, syncs on demand and undoes a sync run; the app reaches the functions at /api/."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from devstack import demo
from shared import ids
from tests.browser.conftest import assert_accessible, new_owner, screenshot
from tests.support import mail, wait_for

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SENDERS = [f"Person {n} <person{n}@client{n % 4}.com>" for n in range(24)]


def _owner(firestore_db, workspace_id: str) -> tuple[str, str]:
    return new_owner(firestore_db, workspace_id, "Settings team")


def _open_settings(web_stack, new_page, workspace_id: str, uid: str, email: str):
    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=uid, email=email))
    page.get_by_test_id("signed-in-as").wait_for(timeout=20_000)
    page.get_by_test_id("nav-settings").click()
    page.wait_for_url(f"**/w/{workspace_id}/settings")
    return page


def _is_contact(firestore_db, workspace_id: str, email: str) -> bool:
    return firestore_db.document("workspaces", workspace_id, "contacts", ids.contact_id(email)).get().exists


def _last_success(firestore_db, workspace_id: str, email: str):
    mailbox = firestore_db.document("workspaces", workspace_id, "mailboxes", ids.mailbox_id(email)).get()
    return ((mailbox.to_dict() or {}).get("sync") or {}).get("lastSuccessAt")


def test_connect_gmail_watch_the_backfill_sync_now_and_undo_a_run(web_stack, firestore_db, workspace_id, new_page):
    uid, owner = _owner(firestore_db, workspace_id)
    demo.load_mailbox(web_stack.gmail_url, owner)
    for sender in SENDERS:  # mail already in the mailbox before it is connected: the backfill brings it in
        demo.deliver(web_stack.gmail_url, owner, mail(sender, owner, "Quarterly review"))

    page = _open_settings(web_stack, new_page, workspace_id, uid, owner)
    page.get_by_test_id("no-mailboxes").wait_for(timeout=20_000)
    screenshot(page, "settings-not-connected")
    assert_accessible(page, "settings-not-connected")

    # The whole OAuth web-server flow in the browser: our function → Google's consent → oauth-callback → back.
    page.get_by_test_id("connect-gmail").click()
    page.wait_for_url(re.compile(rf"/w/{workspace_id}/settings"), timeout=30_000)
    result = page.get_by_test_id("gmail-result")
    result.wait_for(timeout=20_000)
    assert result.get_attribute("data-tone") == "ok", result.inner_text()
    assert "gmail=" not in page.url  # the result is read once, then leaves the address bar

    card = page.locator(f'[data-testid="mailbox-card"][data-email="{owner}"]')
    card.wait_for(timeout=20_000)
    screenshot(page, "settings-syncing")
    assert_accessible(page, "settings-syncing")
    page.locator(f'[data-testid="mailbox-card"][data-email="{owner}"][data-phase="done"]').wait_for(timeout=60_000)
    assert card.get_by_test_id("mailbox-progress").get_attribute("data-percent") == "100"
    assert card.locator('[data-count="stored"] dd').inner_text() == str(len(SENDERS))
    full_run = page.locator('[data-testid="sync-run"][data-kind="full"][data-state="done"]')
    full_run.wait_for(timeout=20_000)
    screenshot(page, "settings-synced")
    assert_accessible(page, "settings-synced")

    page.get_by_test_id("nav-contacts").click()
    page.locator('[data-testid="contacts-list"]').wait_for(timeout=20_000)
    wait_for(lambda: page.get_by_test_id("contact-row").count() >= 10, what="contacts on the page")
    assert page.locator('[data-testid="contact-row"][data-email="person7@client3.com"]').count() == 1

    # Sync now: the function accepts it (202) and a real sync pass runs, which moves "last synced".
    page.get_by_test_id("nav-settings").click()
    before = _last_success(firestore_db, workspace_id, owner)
    card.get_by_test_id("sync-now").click()
    note = card.get_by_test_id("mailbox-action-note")
    note.wait_for(timeout=20_000)
    assert "Sync requested" in note.inner_text()
    wait_for(lambda: _last_success(firestore_db, workspace_id, owner) > before, what="the requested sync pass")

    # New mail arrives by push as its own sync run; undoing that run takes its contact back out.
    demo.deliver(web_stack.gmail_url, owner, mail("Nia Park <nia@vandelay.com>", owner, "Import contract"))
    new_run = page.locator('[data-testid="sync-run"][data-kind="incremental"][data-state="done"]').first
    new_run.wait_for(timeout=30_000)
    wait_for(lambda: _is_contact(firestore_db, workspace_id, "nia@vandelay.com"), what="Nia as a contact")
    run_id = new_run.get_attribute("data-run-id")
    screenshot(page, "settings-sync-history")
    assert_accessible(page, "settings-sync-history")
    new_run.get_by_test_id("undo-sync-run").click()
    page.locator(f'[data-testid="sync-run"][data-run-id="{run_id}"][data-state="undone"]').wait_for(timeout=30_000)
    assert not _is_contact(firestore_db, workspace_id, "nia@vandelay.com")
    assert page.locator('[data-testid="sync-run"][data-kind="full"][data-state="done"]').count() == 1

    # The owner's calendar on the same grant: 'Connect calendar' asks Google for calendar.readonly and comes back.
    calendar = card.get_by_test_id("mailbox-calendar")
    assert calendar.get_attribute("data-calendar-status") == "not_connected"
    card.get_by_test_id("connect-calendar").click()
    page.locator('[data-testid="gmail-result"]', has_text="Google Calendar is connected").wait_for(timeout=30_000)
    assert "calendar=" not in page.url
    card.locator('[data-testid="mailbox-calendar"][data-calendar-status="connected"]').wait_for(timeout=60_000)
    screenshot(page, "settings-calendar")
    assert_accessible(page, "settings-calendar")

    page.set_viewport_size(PHONE)
    screenshot(page, "settings-phone")


def test_declining_on_googles_screen_says_so_and_connects_nothing(web_stack, firestore_db, workspace_id, new_page):
    uid, owner = _owner(firestore_db, workspace_id)
    demo.load_mailbox(web_stack.gmail_url, owner)
    demo.dev_call(web_stack.gmail_url, f"mailboxes/{owner}/consent", {"consent": "deny"})

    page = _open_settings(web_stack, new_page, workspace_id, uid, owner)
    page.get_by_test_id("connect-gmail").click()
    result = page.get_by_test_id("gmail-result")
    result.wait_for(timeout=30_000)
    assert result.get_attribute("data-tone") == "error"
    assert "not connected" in result.inner_text()
    page.get_by_test_id("no-mailboxes").wait_for()
    screenshot(page, "settings-declined")
    assert_accessible(page, "settings-declined")


def test_the_app_reaches_functions_at_api_on_its_own_origin(web_stack):
    request = urllib.request.Request(
        f"{web_stack.web_url}/api/sync-now",
        data=json.dumps({"workspaceId": "ws", "mailboxId": "mb"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401  # the function itself answered: no ID token
    assert json.loads(refused.value.read())["error"]["code"] == "unauthenticated"
    assert refused.value.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_consent_for_someone_elses_gmail_connects_nothing_and_both_are_told(
    web_stack, firestore_db, workspace_id, new_page
):
    """Ann starts connecting Gmail. Picking Bob's Google account in her browser connects nothing and says
    why; sending her consent link to Bob, who opens it in his own browser, connects nothing either, and
    tells Bob why. Bob's own connection in his workspace goes on."""
    ann_uid, ann = _owner(firestore_db, workspace_id)
    bobs_workspace = f"{workspace_id}-bob"
    bob_uid, bob = _owner(firestore_db, bobs_workspace)
    for address in (ann, bob):
        demo.load_mailbox(web_stack.gmail_url, address)
    bob_page = _open_settings(web_stack, new_page, bobs_workspace, bob_uid, bob)
    bob_page.get_by_test_id("connect-gmail").click()
    bob_page.locator(f'[data-testid="mailbox-card"][data-email="{bob}"]').wait_for(timeout=30_000)

    demo.dev_call(web_stack.gmail_url, "account-chooser", {"loginHint": ann, "account": bob})
    try:
        # In Ann's browser, Bob's account answers Google's screen.
        ann_page = _open_settings(web_stack, new_page, workspace_id, ann_uid, ann)
        ann_page.get_by_test_id("connect-gmail").click()
        result = ann_page.get_by_test_id("gmail-result")
        result.wait_for(timeout=30_000)
        assert (result.get_attribute("data-tone"), result.get_attribute("data-reason")) == ("error", "wrong_account")
        assert "not the one you use in Rapport" in result.inner_text()
        ann_page.get_by_test_id("no-mailboxes").wait_for()
        screenshot(ann_page, "settings-wrong-account")
        assert_accessible(ann_page, "settings-wrong-account")

        # Ann's next consent link goes to Bob instead of Google: he opens it in his own browser.
        def is_consent(url: str) -> bool:
            return url.startswith(f"{web_stack.gmail_url}/o/oauth2/v2/auth")

        ann_page.route(is_consent, lambda route: route.abort())  # the link never reaches Google from here
        with ann_page.expect_request(lambda request: is_consent(request.url)) as consent_request:
            ann_page.get_by_test_id("connect-gmail").click()
        consent_urls = [consent_request.value.url]
        bob_page.goto(consent_urls[0])
        bob_page.wait_for_url(re.compile(rf"/w/{bobs_workspace}/settings"), timeout=30_000)
        result = bob_page.get_by_test_id("gmail-result")
        result.wait_for(timeout=20_000)
        assert (result.get_attribute("data-tone"), result.get_attribute("data-reason")) == ("error", "other_browser")
        assert "started in another browser or by someone else" in result.inner_text()
        screenshot(bob_page, "settings-other-browser")
        assert_accessible(bob_page, "settings-other-browser")
    finally:
        demo.dev_call(web_stack.gmail_url, "account-chooser", {"loginHint": ann, "account": None})

    assert not list(firestore_db.collection("workspaces", workspace_id, "mailboxes").stream())
    bobs_mailbox = firestore_db.document("workspaces", bobs_workspace, "mailboxes", ids.mailbox_id(bob)).get()
    assert bobs_mailbox.to_dict()["status"] == "connected"
    demo.deliver(web_stack.gmail_url, bob, mail("Nia Park <nia@vandelay.com>", bob, "Still syncing"))
    wait_for(lambda: _is_contact(firestore_db, bobs_workspace, "nia@vandelay.com"), what="Bob's new mail")
