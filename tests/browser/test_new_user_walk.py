"""The whole first hour of a team, in the browser only: a brand-new user signs in, creates a workspace,
connects Gmail on the local Gmail server through the real OAuth flow, reviews the first sync's preview and
approves it, sees the CRM fill; invites a teammate, who accepts and sees the owner's next change live.
Every screen on the way passes the accessibility check, and each is kept as a screenshot."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlparse

import pytest

from devstack import demo
from tests.browser.conftest import assert_accessible, screenshot
from tests.support import mail, wait_for

pytestmark = pytest.mark.browser


def _step(page, name: str) -> None:
    screenshot(page, f"walk-{name}")
    assert_accessible(page, name)


def _sign_in(web_stack, new_page, *, uid: str, email: str, path: str = ""):
    page = new_page()
    page.goto(demo.sign_in_link(f"{web_stack.web_url}{path}", uid=uid, email=email))
    page.get_by_test_id("signed-in-as").wait_for(timeout=20_000)
    return page


def test_a_new_user_goes_from_sign_in_to_a_populated_crm_with_a_teammate_working_live(
    web_stack, firestore_db, new_page
):
    suffix = uuid.uuid4().hex[:6]
    owner_uid, owner = f"u-walk-{suffix}", f"founder.{suffix}@lumenway.io"
    mate_uid, mate = f"u-walk-mate-{suffix}", f"mate.{suffix}@lumenway.io"
    # The owner's Gmail on the local Gmail server: people they wrote to, and people who only wrote in.
    demo.load_mailbox(web_stack.gmail_url, owner)
    for raw, labels in [
        (mail(owner, "Ann Lee <ann@acme.com>", "Pilot"), "SENT"),
        (mail("Ann Lee <ann@acme.com>", owner, "Re: Pilot"), "INBOX"),
        (mail(owner, "Nia Park <nia@vandelay.com>", "Import contract"), "SENT"),
        (mail("Bo Berg <bo@globex.de>", owner, "Cold pitch"), "INBOX"),
    ]:
        demo.deliver(web_stack.gmail_url, owner, raw, labels)

    # Signed out: the sign-in screen.
    page = new_page()
    page.goto(web_stack.web_url)
    page.get_by_role("heading", name="Rapport").wait_for(timeout=20_000)
    _step(page, "sign-in")

    # First sign-in: no workspace yet, so the screen offers to start one.
    page.goto(demo.sign_in_link(web_stack.web_url, uid=owner_uid, email=owner))
    page.get_by_test_id("no-invitations").wait_for(timeout=20_000)
    _step(page, "first-sign-in")
    page.get_by_label("Workspace name").fill("Lumenway sales")
    page.get_by_label("Workspace name").press("Enter")
    page.wait_for_url("**/welcome", timeout=20_000)
    workspace_id = urlparse(page.url).path.split("/")[2]
    page.get_by_test_id("setup-checklist").wait_for(timeout=20_000)
    _step(page, "checklist")

    # Connect Gmail from the checklist: our function, the local Google consent, the callback, back again.
    page.get_by_role("link", name="Connect Gmail in Settings").click()
    page.wait_for_url(f"**/w/{workspace_id}/settings")
    page.get_by_test_id("no-mailboxes").wait_for(timeout=20_000)
    _step(page, "settings-before-gmail")
    page.get_by_test_id("connect-gmail").click()
    page.wait_for_url(re.compile(rf"/w/{workspace_id}/settings"), timeout=30_000)
    card = page.locator(f'[data-testid="mailbox-card"][data-email="{owner}"]')
    card.locator('[data-testid="sync-preview"][data-state="ready"]').wait_for(timeout=60_000)
    preview = card.get_by_test_id("sync-preview")
    assert (
        preview.locator('[data-testid="preview-person"][data-email="ann@acme.com"]').get_attribute("data-outcome")
        == "new"
    )
    contacts = firestore_db.collection("workspaces", workspace_id, "contacts")
    assert list(contacts.limit(1).stream()) == []  # nothing reaches the CRM before the approval
    _step(page, "preview")

    preview.get_by_test_id("approve-preview").click()
    card.locator('[data-testid="sync-preview"][data-state="applied"]').wait_for(timeout=60_000)
    _step(page, "preview-applied")

    # The CRM has filled: the people the owner wrote to, and their companies.
    page.get_by_test_id("nav-contacts").click()
    for email in ("ann@acme.com", "nia@vandelay.com"):
        page.locator(f'[data-testid="contact-row"][data-email="{email}"]').wait_for(timeout=30_000)
    _step(page, "contacts")
    page.get_by_test_id("nav-companies").click()
    page.locator('[data-testid="company-row"][data-id="acme.com"]').wait_for(timeout=30_000)
    _step(page, "companies")
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("checklist-sync").wait_for(timeout=20_000)
    wait_for(lambda: page.get_by_test_id("checklist-sync").get_attribute("data-done") == "true", what="sync ticked")

    # Invite a teammate.
    page.get_by_test_id("nav-team").click()
    page.get_by_label("Email address").fill(mate)
    page.get_by_test_id("send-invitation").click()
    link = page.get_by_test_id("new-invitation-link")
    link.wait_for(timeout=20_000)
    invitation_path = urlparse(link.input_value()).path
    _step(page, "team-invited")

    # The teammate follows the link, accepts, and lands in the workspace.
    mate_page = _sign_in(web_stack, new_page, uid=mate_uid, email=mate, path=invitation_path)
    offer = mate_page.locator(f'[data-testid="invitation-offer"][data-workspace-id="{workspace_id}"]')
    offer.wait_for(timeout=20_000)
    _step(mate_page, "teammate-invitation")
    offer.get_by_test_id("accept-invitation").click()
    mate_page.wait_for_url(f"**/w/{workspace_id}/team", timeout=20_000)
    page.locator(f'[data-testid="member-row"][data-email="{mate}"]').wait_for(timeout=20_000)

    # The teammate works in the CRM the owner filled, and sees the owner's mail arrive live.
    mate_page.get_by_test_id("nav-contacts").click()
    mate_page.locator('[data-testid="contact-row"][data-email="ann@acme.com"]').wait_for(timeout=20_000)
    _step(mate_page, "teammate-contacts")
    demo.deliver(web_stack.gmail_url, owner, mail(owner, "Cy Dorn <cy@initech.com>", "Kickoff"), "SENT")
    mate_page.locator('[data-testid="contact-row"][data-email="cy@initech.com"]').wait_for(timeout=60_000)
    _step(mate_page, "teammate-sees-new-contact")

    actions = {
        entry.to_dict()["action"] for entry in firestore_db.collection("workspaces", workspace_id, "audit").stream()
    }
    assert {"create", "invite", "accept"} <= actions
