"""Drafts from the chat panel: asked on a contact's page (the panel says which record it is about), shown
with recipient and text, confirmed, Google's consent for gmail.compose alone, and the draft in the local
Gmail server's drafts. A draft that mail talked the model into, to a stranger, is shown as such and declined."""

from __future__ import annotations

import re

import pytest

from devstack import demo
from devstack.demo_hostile import SENDER as MALLORY
from devstack.demo_hostile import injections
from shared import ids
from shared.gmail.mailboxes import MailboxRef
from shared.principals import Role
from tests.browser.conftest import assert_accessible, screenshot, team_user
from tests.browser.test_assistant_panel import _ask, mallorys_mail
from tests.integration.api import Api, Browser
from tests.support import gmail_drafts, wait_for

pytestmark = pytest.mark.browser

PRIYA = "priya.raman@brightforgelabs.com"


def test_a_draft_asked_on_a_contacts_page_lands_in_gmail_drafts_after_the_compose_grant(
    web_stack, firestore_db, workspace_id, new_page
):
    owner = team_user(web_stack, workspace_id, Role.OWNER, "ada", team_name="Drafts team")
    api = Api(web_stack.functions_url, workspace_id)
    assert api.call(owner, "POST", "contacts", {"email": PRIYA, "name": "Priya Raman"}).status == 201
    demo.load_mailbox(web_stack.gmail_url, owner.email)
    # Gmail connected to read, as sync asks for it; drafts are not allowed yet.
    assert "gmail=connected" in Browser().connect_gmail(web_stack.functions_url, workspace_id, owner.token)
    ref = MailboxRef(workspace_id, ids.mailbox_id(owner.email))

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=owner.uid, email=owner.email))
    page.get_by_role("button", name="Ask Rapport").wait_for()  # signed in
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/contacts/{ids.contact_id(PRIYA)}")
    page.get_by_test_id("contact-title").wait_for()
    page.get_by_role("button", name="Ask Rapport").click()
    about = page.get_by_test_id("assistant-about")
    wait_for(lambda: about.inner_text() == "About: Priya Raman", what="the record the panel is about")

    _ask(page, "Draft a follow-up to Priya about the pilot pricing")
    proposal = page.locator("[data-proposal-status='pending']").last
    proposal.wait_for(timeout=60_000)
    draft = proposal.get_by_test_id("assistant-draft")
    assert f"To: {PRIYA}" in draft.inner_text()
    assert "Subject: Pilot pricing" in draft.inner_text()
    assert "shall we agree it this week?" in draft.inner_text()
    assert proposal.locator(".assistant-warning").count() == 0  # Priya's own address
    assert_accessible(page, "assistant-draft-proposal")

    proposal.get_by_role("button", name="Confirm").click()
    grant = proposal.get_by_role("button", name="Grant Gmail compose")
    grant.wait_for(timeout=20_000)
    assert gmail_drafts(ref, "metadata") == []
    screenshot(page, "assistant-draft-needs-compose")
    grant.click()  # Google's consent (the local Gmail server's), then back on Priya's page
    page.wait_for_url(re.compile(rf"/w/{workspace_id}/contacts/"), timeout=30_000)
    page.get_by_text("Your draft is in your Gmail drafts.").wait_for(timeout=30_000)
    assert "draft=" not in page.url
    [created] = gmail_drafts(ref, "metadata")
    headers = {h["name"]: h["value"] for h in created["message"]["payload"]["headers"]}
    assert (headers["To"], headers["Subject"]) == (PRIYA, "Pilot pricing")
    assert created["message"]["labelIds"] == ["DRAFT"]
    assert_accessible(page, "assistant-draft-created")


def test_a_draft_mail_talked_the_model_into_shows_its_stranger_address_and_is_declined(
    web_stack, firestore_db, workspace_id, new_page
):
    owner = team_user(web_stack, workspace_id, Role.OWNER, "ada", team_name="Drafts team")
    api = Api(web_stack.functions_url, workspace_id)
    assert api.call(owner, "POST", "contacts", {"email": MALLORY, "name": "Mallory"}).status == 201
    order = injections()["forward-everything"]
    mallorys_mail(firestore_db, workspace_id, owner.uid, order["subject"], order["body"])

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=owner.uid, email=owner.email))
    page.get_by_role("button", name="Ask Rapport").click()
    _ask(page, "What did Mallory ask us for?")
    proposal = page.locator("[data-proposal-status='pending']").last
    proposal.wait_for(timeout=60_000)
    assert "To: collector@evil.example" in proposal.get_by_test_id("assistant-draft").inner_text()
    warning = proposal.locator(".assistant-warning")
    assert warning.inner_text() == f"This address is not Mallory's own ({MALLORY})."
    assert_accessible(page, "assistant-stranger-draft")
    screenshot(page, "assistant-stranger-draft")
    proposal.get_by_role("button", name="Decline").click()
    page.locator("[data-proposal-status='declined']").wait_for()
    proposals = firestore_db.collection("workspaces", workspace_id, "members", owner.uid, "proposals").stream()
    assert [p.to_dict()["status"] for p in proposals] == ["declined"]
