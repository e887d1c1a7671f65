"""The contact page's relationship summary: the local stand-in's summary and next step, each citation a link
that takes the reader to its timeline entry; new mail arriving makes it ask again, and within the debounce
the page says the summary predates the newest mail."""

from __future__ import annotations

import uuid

import pytest

from devstack import demo
from shared import ids
from shared.gmail.connect import connect_mailbox
from shared.workspaces import create_workspace
from tests.browser.conftest import assert_accessible, screenshot
from tests.support import OPEN_POLICY, mail, wait_for

pytestmark = pytest.mark.browser

PRIYA = "priya.raman@brightforgelabs.com"


def test_a_summary_cites_the_timeline_and_notices_new_mail(web_stack, firestore_db, workspace_id, new_page):
    uid, owner = f"u-{uuid.uuid4().hex[:8]}", f"owner.{uuid.uuid4().hex[:6]}@lumenway.io"
    create_workspace(workspace_id, name="Summary team", owner_uid=uid, owner_email=owner)
    firestore_db.document("workspaces", workspace_id).update(OPEN_POLICY)
    refresh_token = demo.load_mailbox(web_stack.gmail_url, owner)
    demo.deliver(web_stack.gmail_url, owner, mail(f"Priya Raman <{PRIYA}>", owner, "Berlin rollout timeline"))
    demo.deliver(web_stack.gmail_url, owner, mail(f"Priya Raman <{PRIYA}>", owner, "Pilot pricing"))
    ref = connect_mailbox(workspace_id=workspace_id, owner_uid=uid, refresh_token=refresh_token)
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync", timeout=60)

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=uid, email=owner))
    page.get_by_test_id("signed-in-as").wait_for(timeout=30_000)
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/contacts/{ids.contact_id(PRIYA)}")
    card = page.get_by_test_id("relationship-summary")
    card.get_by_test_id("summary-text").wait_for(timeout=30_000)
    assert "Priya Raman" in card.get_by_test_id("summary-text").inner_text()
    assert card.get_by_test_id("next-step").count() >= 1
    citation = card.get_by_test_id("summary-citation").first
    cited = citation.get_attribute("data-interaction-id")
    entry = page.locator(f'[data-testid="timeline-item"][data-interaction-id="{cited}"]')
    entry.wait_for(timeout=30_000)
    citation.click()
    wait_for(lambda: page.evaluate("() => document.activeElement?.dataset.interactionId") == cited, what="focus")
    assert card.get_by_test_id("summary-note").count() == 0
    screenshot(page, "relationship-summary")
    assert_accessible(page, "relationship-summary")

    # New mail while the page is open: the page asks again, and the summary says it predates that mail.
    demo.deliver(web_stack.gmail_url, owner, mail(f"Priya Raman <{PRIYA}>", owner, "Contract questions"))
    card.get_by_test_id("summary-note").wait_for(timeout=60_000)
    assert "at most every 10 minutes" in card.get_by_test_id("summary-note").inner_text()
