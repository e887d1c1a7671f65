"""Workspace settings edited in the browser (name, deal stages with a removed stage's deals moved, AI
budget and spend, notification choices), and a notification arriving live for a teammate, with its
unread count, mark read and mark all read."""

from __future__ import annotations

import re
import uuid

import pytest

from devstack import demo
from shared.enrichment.budget import AiBudget
from shared.enrichment.model import AiUsage
from shared.principals import Role
from shared.workspaces import add_member, create_workspace
from tests.browser.conftest import assert_accessible, screenshot
from tests.integration.api import Api, User
from tests.support import id_token_for, wait_for

pytestmark = pytest.mark.browser


def _user(stack, workspace_id: str, role: Role, name: str) -> User:
    uid, email = f"u-{uuid.uuid4().hex[:8]}", f"{name}.{uuid.uuid4().hex[:6]}@lumenway.io"
    if role is Role.OWNER:
        create_workspace(workspace_id, name="Settings team", owner_uid=uid, owner_email=email)
    else:
        add_member(workspace_id, uid=uid, email=email, role=role, display_name=name.title())
    return User(uid, email, id_token_for(f"http://127.0.0.1:{stack.ports.auth}", uid, email))


def _signed_in(stack, new_page, user: User, workspace_id: str, tab: str):
    page = new_page()
    page.goto(demo.sign_in_link(stack.web_url, uid=user.uid, email=user.email))
    page.get_by_test_id(f"nav-{tab}").click()
    page.wait_for_url(f"**/w/{workspace_id}/{tab}")
    return page


def test_an_admin_edits_the_workspace_settings(web_stack, workspace_id, new_page, firestore_db):
    owner = _user(web_stack, workspace_id, Role.OWNER, "ada")
    api = Api(web_stack.functions_url, workspace_id)
    deal = api.call(owner, "POST", "deals", {"name": "Vandelay import", "stage": "proposal"}).body
    budget = AiBudget(db=firestore_db, default_monthly_usd=20.0)
    reservation = budget.reserve(workspace_id, 10_000, feature="contact_insights")
    budget.settle(
        reservation, AiUsage(model="gemini-2.5-flash", prompt_tokens=900, candidate_tokens=80, cost_micros=4_200)
    )

    page = _signed_in(web_stack, new_page, owner, workspace_id, "settings")
    page.get_by_test_id("stage-row").first.wait_for()
    page.get_by_test_id("ai-spend-models").wait_for()
    assert_accessible(page, "settings")

    # The name.
    page.get_by_test_id("workspace-name-input").fill("Lumenway sales")
    page.get_by_test_id("workspace-rename").click()
    page.get_by_test_id("workspace-rename-done").wait_for()
    assert firestore_db.document("workspaces", workspace_id).get().get("name") == "Lumenway sales"
    assert page.get_by_test_id("workspace-name").inner_text() == "Lumenway sales"  # the header too

    # The stages: rename one, add one, move it up, remove "Proposal" sending its deal to the new stage.
    page.locator('[data-testid="stage-row"][data-stage="lead"] [data-testid="stage-name"]').fill("Inbound")
    page.get_by_test_id("stage-new-name").fill("Demo booked")
    page.get_by_test_id("stage-add").click()
    page.locator('[data-testid="stage-row"][data-stage="demo-booked"]').wait_for()
    page.locator('[data-testid="stage-row"][data-stage="proposal"] [data-testid="stage-remove"]').click()
    target = page.locator('[data-testid="stage-move-target"][data-stage="proposal"]')
    target.select_option("demo-booked")
    assert_accessible(page, "settings, stages being edited")
    page.get_by_test_id("stages-save").click()
    page.get_by_test_id("stages-done").wait_for()
    stages = api.call(owner, "GET", "pipeline").body["stages"]
    assert [s["id"] for s in stages] == ["lead", "qualified", "negotiation", "won", "lost", "demo-booked"]
    assert stages[0]["name"] == "Inbound"
    assert api.call(owner, "GET", f"deal/{deal['id']}").body["stage"] == "demo-booked"
    assert page.locator('[data-testid="stage-row"][data-stage="proposal"]').count() == 0

    # The AI spend and budget.
    models = page.get_by_test_id("ai-spend-models")
    assert "gemini-2.5-flash" in models.inner_text()
    assert "Contact insights" in page.get_by_test_id("ai-spend-features").inner_text()
    page.get_by_test_id("ai-budget-input").fill("12.5")
    page.get_by_test_id("ai-budget-save").click()
    page.get_by_test_id("ai-budget-done").wait_for()
    assert firestore_db.document("workspaces", workspace_id).get().get("aiMonthlyBudgetUsd") == 12.5
    assert "$12.50" in page.get_by_test_id("ai-spent").inner_text()

    # My notification choices.
    mention = page.get_by_test_id("notify-mention")
    mention.uncheck()
    settings = firestore_db.document("workspaces", workspace_id, "members", owner.uid, "settings", "notifications")
    wait_for(lambda: (settings.get().to_dict() or {}).get("enabled", {}).get("mention") is False, what="choice saved")
    assert not mention.is_checked()
    screenshot(page, "settings-workspace")


def test_a_notification_appears_live_for_a_teammate_who_marks_it_read(web_stack, workspace_id, new_page):
    owner = _user(web_stack, workspace_id, Role.OWNER, "ada")
    member = _user(web_stack, workspace_id, Role.MEMBER, "ben")
    api = Api(web_stack.functions_url, workspace_id)
    page = _signed_in(web_stack, new_page, member, workspace_id, "deals")
    bell = page.get_by_test_id("notifications-bell")
    bell.wait_for()
    assert page.get_by_test_id("notifications-unread").count() == 0

    assigned = api.call(owner, "POST", "deals", {"name": "Kramerica", "ownerUid": member.uid})
    assert assigned.status == 201, assigned.body
    page.get_by_test_id("notifications-unread").wait_for()
    assert page.get_by_test_id("notifications-unread").inner_text() == "1"
    assert bell.get_attribute("aria-label") == "Notifications, 1 unread"

    note = {"parentType": "deal", "parentId": assigned.body["id"], "body": f"@{member.email} can you call them?"}
    assert api.call(owner, "POST", "notes", note).status == 201
    page.wait_for_function(
        "() => document.querySelector('[data-testid=notifications-unread]')?.textContent === '2'", timeout=15_000
    )

    bell.click()
    items = page.get_by_test_id("notification")
    items.nth(1).wait_for()
    assert_accessible(page, "notifications panel")
    titles = items.all_inner_texts()
    assert any("mentioned you in a note" in title for title in titles)
    assert any("assigned you the deal Kramerica" in title for title in titles)
    screenshot(page, "notifications-panel")

    page.locator('[data-testid="notification"][data-kind="mention"] [data-testid="notification-mark-read"]').click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=notifications-unread]')?.textContent === '1'", timeout=15_000
    )
    page.locator('[data-testid="notification"][data-kind="mention"][data-read="true"]').wait_for()
    # On a phone the open panel stays within the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    box = page.get_by_test_id("notifications-panel").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_test_id("notifications-mark-all").click()
    page.get_by_test_id("notifications-unread").wait_for(state="detached")
    assert bell.get_attribute("aria-label") == "Notifications"

    # Escape closes the panel and gives focus back to the bell; opening a notice goes where it points.
    page.keyboard.press("Escape")
    page.get_by_test_id("notifications-panel").wait_for(state="detached")
    assert page.evaluate("document.activeElement?.dataset.testid") == "notifications-bell"
    bell.click()
    page.locator('[data-testid="notification"][data-kind="deal_assigned"] .notifications__open').click()
    page.wait_for_url(re.compile(rf".*/w/{workspace_id}/deals$"))
