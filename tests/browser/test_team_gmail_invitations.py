"""An owner whose Gmail only lets Rapport read gets an invitation link to send; after letting Rapport send
mail as them (Google's consent, on the local Gmail server), the next invitation goes out from their Gmail
and lands in the teammate's inbox; resending and revoking work from the same page."""

from __future__ import annotations

import re
import uuid

import pytest

from devstack import demo
from shared.gmail.api import GmailMailbox
from tests.browser.conftest import assert_accessible, new_owner, screenshot
from tests.support import wait_for

pytestmark = pytest.mark.browser


def _inbox_subjects(refresh_token: str) -> list[str]:
    gmail = GmailMailbox.for_refresh_token(refresh_token)
    users = gmail._service.users()
    subjects = []
    for page in gmail.message_id_pages("in:inbox"):
        for message_id in page:
            message = users.messages().get(userId="me", id=message_id, format="metadata").execute()
            subjects += [h["value"] for h in message["payload"]["headers"] if h["name"] == "Subject"]
    return subjects


def test_invitations_go_out_from_the_owners_gmail_once_they_allow_it(web_stack, firestore_db, workspace_id, new_page):
    uid, owner = new_owner(firestore_db, workspace_id, "Gmail invites")
    suffix = uuid.uuid4().hex[:6]
    first, second = f"first.{suffix}@lumenway.io", f"second.{suffix}@lumenway.io"
    demo.load_mailbox(web_stack.gmail_url, owner)
    second_inbox = demo.load_mailbox(web_stack.gmail_url, second)

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=uid, email=owner))
    page.get_by_test_id("nav-team").click()
    page.wait_for_url(f"**/w/{workspace_id}/team")

    # No Gmail that may send: the invitation is a link, and the page offers to let Rapport send.
    page.get_by_label("Email address").fill(first)
    page.get_by_test_id("send-invitation").click()
    page.get_by_test_id("new-invitation-link").wait_for(timeout=20_000)
    assert "Send them the link" in page.get_by_test_id("invite-result").inner_text()
    allow = page.get_by_test_id("allow-gmail-sending")
    allow.wait_for()
    screenshot(page, "team-invite-link-only")
    assert_accessible(page, "team, link only")

    # Google's consent for reading and sending, then back on the team page.
    allow.click()
    page.wait_for_url(re.compile(rf"/w/{workspace_id}/team"), timeout=30_000)
    mailbox = firestore_db.collection("workspaces", workspace_id, "mailboxes")
    wait_for(lambda: any(s.to_dict().get("status") == "connected" for s in mailbox.stream()), what="Gmail connected")

    page.get_by_label("Email address").fill(second)
    page.get_by_test_id("send-invitation").click()
    result = page.get_by_test_id("invite-result")
    wait_for(lambda: "from your Gmail" in result.inner_text(), what="the invitation sent from Gmail")
    assert page.get_by_test_id("allow-gmail-sending").count() == 0
    wait_for(lambda: _inbox_subjects(second_inbox) == ["Join Gmail invites on Rapport"], what="the mail in the inbox")
    screenshot(page, "team-invite-sent-from-gmail")
    assert_accessible(page, "team, sent from Gmail")

    # Resend mails it again; revoke takes it off the list.
    row = page.locator(f'[data-testid="pending-invitation"][data-email="{second}"]')
    row.get_by_test_id("resend-invitation").click()
    wait_for(lambda: len(_inbox_subjects(second_inbox)) == 2, what="the resent mail")
    row.get_by_test_id("revoke-invitation").click()
    row.wait_for(state="detached", timeout=20_000)
    invitations = firestore_db.collection("workspaces", workspace_id, "invitations")
    sent_via = {s.to_dict()["email"]: s.to_dict().get("sentVia") for s in invitations.stream()}
    assert sent_via == {first: "link", second: "gmail"}
