"""Mail search in the web app: an answer in the chat panel cites the message it found by meaning and
links it to the contact, and the nav's search box finds the same message in mail mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devstack import demo
from shared import ids
from shared.mailsearch.index import MailIndex
from shared.principals import Role
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_assistant_panel import _ask, _chat
from tests.browser.test_deals import _user
from tests.integration.api import Api, User
from tests.support import store_mail

pytestmark = pytest.mark.browser

PRIYA = "priya.raman@brightforgelabs.com"
PRICING_SUBJECT = "Pilot pricing for the Berlin rollout"


def _priya_and_her_mail(stack, db, workspace_id: str, owner: User) -> None:  # type: ignore[no-untyped-def]
    api = Api(stack.functions_url, workspace_id)
    assert api.call(owner, "POST", "contacts", {"email": PRIYA, "name": "Priya Raman"}).status == 201
    db.document("workspaces", workspace_id, "mailboxes", "mb_owner").set({"ownerUid": owner.uid})
    for message_id, subject, snippet in (
        ("mb_owner_1", PRICING_SUBJECT, "Can we agree the pilot pricing before the rollout starts?"),
        ("mb_owner_2", "Lunch in Berlin", "Shall we grab lunch near the office on Thursday?"),
    ):
        fields = {
            "mailboxId": "mb_owner",
            "occurredAt": datetime.now(UTC) - timedelta(days=3),
            "createdAt": datetime.now(UTC),
            "direction": "inbound",
            "fromEmail": PRIYA,
            "contactIds": [ids.contact_id(PRIYA)],
            "subject": subject,
            "snippet": snippet,
        }
        store_mail(db, workspace_id, message_id, fields)
    assert MailIndex().catch_up(workspace_id).embedded == 2


def test_an_answer_cites_the_message_it_found_and_links_its_contact(web_stack, firestore_db, workspace_id, new_page):
    owner = _user(web_stack, workspace_id, Role.OWNER, "ada")
    _priya_and_her_mail(web_stack, firestore_db, workspace_id, owner)

    page = _chat(web_stack, new_page, owner)
    _ask(page, "What did Priya Raman say about pricing?")
    answer = page.locator(".assistant-assistant[data-status='done']").last
    answer.wait_for(timeout=60_000)
    citation = answer.locator(".assistant-citations li").first  # the closest first: the lunch is not about pricing
    assert citation.get_attribute("data-interaction-id") == "mb_owner_1"
    assert PRICING_SUBJECT in citation.inner_text()
    assert_accessible(page, "assistant-cited-answer")
    screenshot(page, "assistant-cited-answer")
    citation.get_by_role("link").click()
    page.wait_for_url(f"**/contacts/{ids.contact_id(PRIYA)}")


def test_the_search_box_finds_mail_by_meaning_in_mail_mode(web_stack, firestore_db, workspace_id, new_page):
    owner = _user(web_stack, workspace_id, Role.OWNER, "ada")
    _priya_and_her_mail(web_stack, firestore_db, workspace_id, owner)
    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=owner.uid, email=owner.email))

    mode = page.get_by_test_id("global-search-mail-mode")
    mode.click()
    assert mode.get_attribute("aria-pressed") == "true"
    box = page.get_by_test_id("global-search-input")
    box.fill("how much will the pilot cost")
    box.press("Enter")
    first = page.get_by_test_id("global-search-option").first
    first.wait_for(timeout=30_000)
    assert first.get_attribute("data-kind") == "mail"
    assert PRICING_SUBJECT in first.inner_text()
    assert_accessible(page, "mail-search-results")
    first.click()
    page.wait_for_url(f"**/contacts/{ids.contact_id(PRIYA)}")
