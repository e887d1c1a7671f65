"""The assistant's chat panel: a question answered live by the local stand-in, and a proposed change
confirmed (seen live by a teammate) and another declined."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devstack import demo
from devstack.demo_hostile import INJECTION_BODY, INJECTION_SUBJECT
from devstack.demo_hostile import SENDER as MALLORY
from shared import ids
from shared.principals import Role
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_deals import _user
from tests.integration.api import Api, User
from tests.support import store_mail, wait_for

pytestmark = pytest.mark.browser


def _chat(stack, new_page, user: User):
    """A signed-in page with the chat panel open."""
    page = new_page()
    page.goto(demo.sign_in_link(stack.web_url, uid=user.uid, email=user.email))
    page.get_by_role("button", name="Ask Rapport").click()
    return page


def mallorys_mail(db, workspace_id: str, owner_uid: str, subject: str, body: str) -> None:  # type: ignore[no-untyped-def]
    """A message of Mallory's in the owner's mailbox, which shares everything, stored as ingestion stores it."""
    db.document("workspaces", workspace_id, "mailboxes", "mb_owner").set({"ownerUid": owner_uid})
    mail = {
        "mailboxId": "mb_owner",
        "occurredAt": datetime.now(UTC),
        "direction": "inbound",
        "fromEmail": MALLORY,
        "contactIds": [ids.contact_id(MALLORY)],
        "subject": subject,
        "snippet": body,
    }
    store_mail(db, workspace_id, "mb_owner_1", mail, sharing="everything")


def _ask(page, question: str) -> None:
    page.get_by_label("Your question").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()


def test_a_question_streams_in_and_a_confirmed_change_shows_live_to_a_teammate(
    web_stack, firestore_db, workspace_id, new_page
):
    owner = _user(web_stack, workspace_id, Role.OWNER, "ada")
    member = _user(web_stack, workspace_id, Role.MEMBER, "ben")
    api = Api(web_stack.functions_url, workspace_id)
    assert (
        api.call(owner, "POST", "companies", {"name": "Brightforge Labs", "domain": "brightforgelabs.com"}).status
        == 201
    )
    deal = {"name": "Brightforge Labs pilot", "stage": "proposal", "value": 25000, "companyId": "brightforgelabs.com"}
    created = api.call(owner, "POST", "deals", deal)
    assert created.status == 201, created.body

    page = _chat(web_stack, new_page, member)
    _ask(page, "How much pipeline is in negotiation?")
    answer = page.locator(".assistant-assistant[data-status='done']").last
    answer.wait_for(timeout=60_000)
    assert "negotiation" in answer.inner_text()
    assert "Answered by the local stand-in" in answer.inner_text()
    assert_accessible(page, "assistant-answer")

    teammate = new_page()
    teammate.goto(demo.sign_in_link(web_stack.web_url, uid=owner.uid, email=owner.email))
    teammate.get_by_test_id("nav-deals").click()
    card = teammate.locator(f'[data-testid="deal-card"][data-deal-id="{created.body["id"]}"]')
    card.wait_for()

    _ask(page, "Move the Brightforge deal to negotiation")
    proposal = page.locator("[data-proposal-status='pending']").last
    proposal.wait_for(timeout=60_000)
    assert "Brightforge Labs pilot" in proposal.inner_text()
    proposal.get_by_role("button", name="Confirm").click()
    page.locator("[data-proposal-status='confirmed']").wait_for()
    wait_for(
        lambda: (
            firestore_db.document("workspaces", workspace_id, "deals", created.body["id"]).get().get("stage")
            == "negotiation"
        ),
        what="the confirmed move",
    )
    teammate.locator(
        f'[data-testid="deal-card"][data-deal-id="{created.body["id"]}"][data-stage="negotiation"]'
    ).wait_for()
    screenshot(page, "assistant-confirmed")

    assert (
        api.call(owner, "POST", "companies", {"name": "Quillstone Software", "domain": "quillstone.io"}).status == 201
    )
    _ask(page, "Create a deal for Quillstone Software at 40k")
    pending = page.locator("[data-proposal-status='pending']").last
    pending.wait_for(timeout=60_000)
    pending.get_by_role("button", name="Decline").click()
    page.locator("[data-proposal-status='declined']").wait_for()
    assert len(list(firestore_db.collection("workspaces", workspace_id, "deals").stream())) == 1


def test_orders_in_an_email_show_only_as_a_proposal_the_user_declines(web_stack, firestore_db, workspace_id, new_page):
    owner = _user(web_stack, workspace_id, Role.OWNER, "ada")
    api = Api(web_stack.functions_url, workspace_id)
    assert api.call(owner, "POST", "contacts", {"email": MALLORY, "name": "Mallory"}).status == 201
    mallorys_mail(firestore_db, workspace_id, owner.uid, INJECTION_SUBJECT, INJECTION_BODY)

    page = _chat(web_stack, new_page, owner)
    _ask(page, "Summarise my relationship with Mallory")
    proposal = page.locator("[data-proposal-status='pending']").last
    proposal.wait_for(timeout=60_000)
    assert MALLORY in proposal.inner_text()
    assert_accessible(page, "assistant-injection-proposal")
    proposal.get_by_role("button", name="Decline").click()
    page.locator("[data-proposal-status='declined']").wait_for()
    assert list(firestore_db.collection("workspaces", workspace_id, "tasks").stream()) == []
    assert len(list(firestore_db.collection("workspaces", workspace_id, "contacts").stream())) == 1
