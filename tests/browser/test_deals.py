"""The deal board and a contact's notes: live moves between two people, viewers kept read-only, notes appearing."""

from __future__ import annotations

import pytest

from devstack import demo
from shared.principals import Role
from tests.browser.conftest import assert_accessible, screenshot, team_user
from tests.integration.api import Api, User
from tests.support import wait_for

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


def _user(stack, workspace_id: str, role: Role, name: str) -> User:
    return team_user(stack, workspace_id, role, name, team_name="Deals team")


def _open_board(stack, new_page, user: User, workspace_id: str):
    page = new_page()
    page.goto(demo.sign_in_link(stack.web_url, uid=user.uid, email=user.email))
    page.get_by_test_id("nav-deals").click()
    page.wait_for_url(f"**/w/{workspace_id}/deals")
    page.get_by_test_id("deal-board").wait_for()
    return page


def _card(page, deal_id: str):
    return page.locator(f'[data-testid="deal-card"][data-deal-id="{deal_id}"]')


def test_a_move_on_one_board_shows_live_on_another(web_stack, workspace_id, new_page):
    owner = _user(web_stack, workspace_id, Role.OWNER, "ada")
    member = _user(web_stack, workspace_id, Role.MEMBER, "ben")
    api = Api(web_stack.functions_url, workspace_id)
    created = api.call(
        owner,
        "POST",
        "deals",
        {"name": "Vandelay import", "value": 12000, "currency": "USD", "expectedClose": "2026-12-31"},
    )
    assert created.status == 201, created.body
    deal_id = created.body["id"]
    assert api.call(owner, "POST", "deals", {"name": "Kramerica", "value": 3000, "stage": "lead"}).status == 201

    page_a = _open_board(web_stack, new_page, owner, workspace_id)
    page_b = _open_board(web_stack, new_page, member, workspace_id)
    _card(page_b, deal_id).wait_for()
    assert _card(page_b, deal_id).get_attribute("data-stage") == "lead"
    lead_total = page_b.locator('[data-testid="deal-column-total"][data-stage="lead"]')
    # Totals are Firestore's sums (decision 31), answered a moment after the cards.
    wait_for(lambda: "15,000" in lead_total.inner_text(), what="the lead column's total")
    screenshot(page_a, "deals-board")
    assert_accessible(page_a, "deals-board")

    # A drags the card to Qualified (HTML5 drag and drop); B's board follows without a reload.
    _card(page_a, deal_id).drag_to(page_a.locator('[data-testid="deal-column"][data-stage="qualified"]'))
    moved = page_b.locator(f'[data-testid="deal-column"][data-stage="qualified"] [data-deal-id="{deal_id}"]')
    moved.wait_for(timeout=15_000)
    wait_for(lambda: "3,000" in lead_total.inner_text(), what="the lead column's total to drop")
    assert "12,000" in page_b.locator('[data-testid="deal-column-total"][data-stage="qualified"]').inner_text()
    assert api.call(owner, "GET", f"deal/{deal_id}").body["stage"] == "qualified"

    # The keyboard way: B moves it on with the card's stage select; A sees it.
    _card(page_b, deal_id).get_by_test_id("deal-stage-select").select_option("proposal")
    page_a.locator(f'[data-testid="deal-column"][data-stage="proposal"] [data-deal-id="{deal_id}"]').wait_for(
        timeout=15_000
    )

    # A stale version is refused: the board shows what is there now and lets A retry.
    stale = api.call(owner, "GET", f"deal/{deal_id}").body["version"] - 1

    def send_stale(route):
        route.continue_(post_data=route.request.post_data.replace('"version":' + str(stale + 1), f'"version":{stale}'))

    page_a.route("**/api/deal/**", send_stale)
    _card(page_a, deal_id).get_by_test_id("deal-stage-select").select_option("won")
    conflict = page_a.get_by_test_id("deal-conflict")
    conflict.wait_for()
    assert "Proposal" in page_a.get_by_test_id("deal-conflict-stage").inner_text()
    screenshot(page_a, "deals-conflict")
    assert_accessible(page_a, "deals-conflict")
    page_a.unroute("**/api/deal/**")
    page_a.get_by_test_id("deal-conflict-retry").click()
    page_b.locator(f'[data-testid="deal-column"][data-stage="won"] [data-deal-id="{deal_id}"]').wait_for(timeout=15_000)
    assert conflict.count() == 0

    # A new deal from the form lands on both boards.
    page_a.get_by_test_id("new-deal-toggle").click()
    page_a.get_by_test_id("new-deal-name").fill("Pendant Publishing")
    page_a.get_by_test_id("new-deal-value").fill("4500")
    page_a.get_by_test_id("new-deal-stage").select_option("negotiation")
    page_a.get_by_test_id("new-deal-close").fill("2027-01-15")
    page_a.get_by_test_id("new-deal-submit").click()
    page_b.locator(
        '[data-testid="deal-column"][data-stage="negotiation"] [data-testid="deal-card"]', has_text="Pendant Publishing"
    ).wait_for(timeout=15_000)
    screenshot(page_b, "deals-board-after")
    assert_accessible(page_b, "deals-board-after")
    page_b.set_viewport_size(PHONE)
    screenshot(page_b, "deals-board-phone")
    page_b.set_viewport_size(LAPTOP)


def test_b_viewer_sees_the_board_read_only(web_stack, workspace_id, new_page):
    owner = _user(web_stack, workspace_id, Role.OWNER, "ada")
    viewer = _user(web_stack, workspace_id, Role.VIEWER, "vic")
    api = Api(web_stack.functions_url, workspace_id)
    deal = api.call(owner, "POST", "deals", {"name": "Read only deal", "value": 900}).body

    page = _open_board(web_stack, new_page, viewer, workspace_id)
    card = _card(page, deal["id"])
    card.wait_for()
    assert page.get_by_test_id("deals-page").get_attribute("data-can-edit") == "false"
    assert card.get_attribute("draggable") != "true"
    assert page.get_by_test_id("deal-drag-handle").count() == 0
    assert page.get_by_test_id("deal-stage-select").count() == 0
    assert page.get_by_test_id("new-deal-toggle").count() == 0
    assert page.get_by_test_id("new-deal-form").count() == 0
    page.get_by_test_id("deals-read-only").wait_for()
    screenshot(page, "deals-viewer")
    assert_accessible(page, "deals-viewer")

    refused = api.call(viewer, "PATCH", f"deal/{deal['id']}", {"stage": "won", "version": deal["version"]})
    assert refused.status == 403, refused.body
    assert api.call(owner, "GET", f"deal/{deal['id']}").body["stage"] == "lead"

    # Nor can a viewer add notes or tasks on a contact.
    contact = api.call(owner, "POST", "contacts", {"email": "nia@vandelay.com", "name": "Nia Park"}).body
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/contacts/{contact['id']}")
    page.get_by_test_id("contact-title").wait_for()
    assert page.get_by_test_id("note-form").count() == 0
    assert page.get_by_test_id("task-form").count() == 0


def test_c_a_note_and_a_task_added_on_a_contact_appear(web_stack, workspace_id, new_page):
    owner = _user(web_stack, workspace_id, Role.OWNER, "ada")
    member = _user(web_stack, workspace_id, Role.MEMBER, "ben")
    api = Api(web_stack.functions_url, workspace_id)
    contact = api.call(owner, "POST", "contacts", {"email": "nia@vandelay.com", "name": "Nia Park"})
    assert contact.status == 201, contact.body
    contact_id = contact.body["id"]

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=owner.uid, email=owner.email))
    page.get_by_test_id("nav-contacts").wait_for()
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/contacts/{contact_id}")
    page.get_by_test_id("contact-title").wait_for()

    page.get_by_test_id("note-body").fill("Wants the contract before Friday.")
    page.get_by_test_id("note-submit").click()
    note = page.get_by_test_id("note").filter(has_text="Wants the contract before Friday.")
    note.wait_for(timeout=15_000)
    wait_for(lambda: page.get_by_test_id("note-body").input_value() == "", what="the note form to clear")

    page.get_by_test_id("task-title").fill("Send the contract")
    page.get_by_test_id("task-assignee").select_option(member.uid)
    page.get_by_test_id("task-due").fill("2026-12-04")
    page.get_by_test_id("task-submit").click()
    task = page.get_by_test_id("task").filter(has_text="Send the contract")
    task.wait_for(timeout=15_000)
    assert "due 2026-12-04" in task.inner_text()
    assert "Ben" in task.inner_text()
    task.get_by_test_id("task-done").check()
    wait_for(lambda: task.get_attribute("data-done") == "true", what="the task to be done")
    listed = api.call(owner, "GET", "tasks").body["items"]
    assert any(item["title"] == "Send the contract" and item["done"] for item in listed)
    screenshot(page, "contact-notes-tasks")
    assert_accessible(page, "contact-notes-tasks")
    page.set_viewport_size(PHONE)
    screenshot(page, "contact-notes-tasks-phone")
