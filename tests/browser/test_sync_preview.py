"""Settings: a new mailbox's first sync waits as a preview (the default policy); an admin sees what it
would create and what it skips, widens the contact policy, watches the preview follow, and approves."""

from __future__ import annotations

import re
import uuid

import pytest

from devstack import demo
from shared import ids
from shared.workspaces import create_workspace
from tests.browser.conftest import assert_accessible, screenshot
from tests.support import mail, wait_for

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NEWSLETTER = "news@acme.com"


def _shot(page, name: str, width: int = 1280) -> None:
    """The whole settings page: the app scrolls inside its own pane, so the viewport grows to fit it first."""
    page.set_viewport_size({"width": width, "height": 800})
    height = page.evaluate(
        "() => { const main = document.querySelector('main.page');"
        " return main.offsetTop + main.parentElement.scrollHeight; }"
    )
    page.set_viewport_size({"width": width, "height": max(800, min(int(height) + 80, 6000))})
    screenshot(page, name)
    page.set_viewport_size({"width": width, "height": 800})


def _contact_ids(firestore_db, workspace_id: str) -> list[str]:
    return [s.id for s in firestore_db.collection("workspaces", workspace_id, "contacts").stream()]


def test_the_first_sync_waits_as_a_preview_until_an_admin_approves_it(web_stack, firestore_db, workspace_id, new_page):
    uid, owner = f"u-{uuid.uuid4().hex[:8]}", f"owner.{uuid.uuid4().hex[:6]}@lumenway.io"
    create_workspace(workspace_id, name="Preview team", owner_uid=uid, owner_email=owner)  # default settings
    demo.load_mailbox(web_stack.gmail_url, owner)
    newsletter = {"List-Unsubscribe": "<mailto:unsubscribe@acme.com>"}
    for raw, labels in [
        (mail(owner, "Ann Lee <ann@acme.com>", "Pilot"), "SENT"),
        (mail("Ann Lee <ann@acme.com>", owner, "Re: Pilot"), "INBOX"),
        (mail("Ann Lee <ann@acme.com>", owner, "Pricing"), "INBOX"),
        (mail("Bo Berg <bo@globex.de>", owner, "Cold pitch"), "INBOX"),
        (mail(f"Acme News <{NEWSLETTER}>", owner, "This week", headers=newsletter), "INBOX"),
        (mail(f"Acme News <{NEWSLETTER}>", owner, "Last week", headers=newsletter), "INBOX"),
    ]:
        demo.deliver(web_stack.gmail_url, owner, raw, labels)

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=uid, email=owner))
    page.get_by_test_id("signed-in-as").wait_for(timeout=20_000)
    page.get_by_test_id("nav-settings").click()
    page.wait_for_url(f"**/w/{workspace_id}/settings")

    # The default policy, as an admin sees it: editable, "only people we wrote to", previews required.
    policy = page.get_by_test_id("workspace-policy")
    assert policy.get_attribute("data-editable") == "true"
    assert policy.get_by_test_id("policy-creation-sent").is_checked()
    assert policy.get_by_test_id("policy-require-preview").is_checked()

    page.get_by_test_id("connect-gmail").click()
    page.wait_for_url(re.compile(rf"/w/{workspace_id}/settings"), timeout=30_000)
    card = page.locator(f'[data-testid="mailbox-card"][data-email="{owner}"]')
    card.wait_for(timeout=20_000)
    preview = card.get_by_test_id("sync-preview")
    preview.wait_for(timeout=30_000)
    _shot(page, "sync-preview-first-seen")
    assert_accessible(page, "sync-preview-first-seen")
    card.locator('[data-testid="sync-preview"][data-state="ready"]').wait_for(timeout=60_000)

    def figure(name: str) -> str:
        return preview.locator(f'[data-count="{name}"] dd').inner_text()

    # Ann was written to: she and Acme would be created; Bo only wrote in; the newsletter is skipped.
    assert (figure("create-people"), figure("create-companies"), figure("not-created")) == ("1", "1", "1")
    assert (figure("automated"), figure("blocked")) == ("1", "0")
    ann = preview.locator('[data-testid="preview-person"][data-email="ann@acme.com"]')
    assert ann.get_attribute("data-outcome") == "new"
    assert "1 sent · 2 received" in ann.inner_text()
    bo = preview.locator('[data-testid="preview-person"][data-email="bo@globex.de"]')
    assert bo.get_attribute("data-outcome") == "skipped"
    acme = preview.locator('[data-testid="preview-company"][data-domain="acme.com"]')
    assert acme.get_attribute("data-outcome") == "new"
    skipped = preview.locator(f'[data-testid="preview-automated-sender"][data-email="{NEWSLETTER}"]')
    assert "mailing list" in skipped.inner_text()
    assert "2 msgs" in skipped.inner_text()
    assert preview.locator('[data-testid="preview-person"][data-email="news@acme.com"]').count() == 0
    assert preview.get_by_test_id("preview-policy").get_attribute("data-creation") == "sent"
    assert _contact_ids(firestore_db, workspace_id) == []  # nothing reached the CRM
    _shot(page, "sync-preview-ready")
    assert_accessible(page, "sync-preview-ready")
    _shot(page, "sync-preview-ready-phone", width=PHONE["width"])
    page.set_viewport_size({"width": 1280, "height": 800})

    # A bad blocklist entry: the function's 400 shows next to the field, and nothing is saved.
    policy.get_by_test_id("blocklist-input").fill("not an address")
    policy.get_by_test_id("blocklist-add").click()
    error = policy.get_by_test_id("blocklist-error")
    error.wait_for(timeout=20_000)
    assert "neither an email address nor a domain" in error.inner_text()
    assert policy.get_by_test_id("blocklist-entry").count() == 0
    _shot(page, "sync-preview-blocklist-error")
    assert_accessible(page, "sync-preview-blocklist-error")

    # Widening the policy: the backend recomputes the preview, and the panel follows by itself.
    policy.get_by_test_id("policy-creation-sent_and_received").check()
    policy.get_by_test_id("policy-saved").wait_for(timeout=20_000)
    card.locator('[data-testid="preview-policy"][data-creation="sent_and_received"]').wait_for(timeout=30_000)
    assert (figure("create-people"), figure("create-companies"), figure("not-created")) == ("2", "2", "0")
    assert bo.get_attribute("data-outcome") == "new"
    assert _contact_ids(firestore_db, workspace_id) == []
    _shot(page, "sync-preview-wider-policy")
    assert_accessible(page, "sync-preview-wider-policy")

    preview.get_by_test_id("approve-preview").click()
    card.locator('[data-testid="sync-preview"][data-state="applied"]').wait_for(timeout=60_000)
    wanted = {ids.contact_id("ann@acme.com"), ids.contact_id("bo@globex.de")}
    wait_for(lambda: set(_contact_ids(firestore_db, workspace_id)) == wanted, what="Ann and Bo as contacts")
    _shot(page, "sync-preview-applied")
    assert_accessible(page, "sync-preview-applied")

    page.get_by_test_id("nav-contacts").click()
    page.locator('[data-testid="contact-row"][data-email="ann@acme.com"]').wait_for(timeout=20_000)
    assert page.locator(f'[data-testid="contact-row"][data-email="{NEWSLETTER}"]').count() == 0
