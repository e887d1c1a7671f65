"""A brand-new user signs in, creates a workspace, follows the checklist and invites a teammate; the
teammate signs in through the invitation link, accepts, and both see each other on the team page live;
the owner changes the teammate's role, and the last owner can neither leave nor step down."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import pytest

from devstack import demo
from tests.browser.conftest import assert_accessible, screenshot
from tests.support import wait_for

pytestmark = pytest.mark.browser


def _sign_in(web_stack, new_page, *, uid: str, email: str, path: str = ""):
    page = new_page()
    page.goto(demo.sign_in_link(f"{web_stack.web_url}{path}", uid=uid, email=email))
    page.get_by_test_id("signed-in-as").wait_for(timeout=20_000)
    return page


def _member(page, email: str):
    return page.locator(f'[data-testid="member-row"][data-email="{email}"]')


def _audit_actions(firestore_db, workspace_id: str) -> list[str]:
    entries = [entry.to_dict() for entry in firestore_db.collection("workspaces", workspace_id, "audit").stream()]
    return [entry["action"] for entry in sorted(entries, key=lambda entry: entry["at"])]


def test_a_newcomer_starts_a_workspace_and_brings_in_a_teammate(web_stack, firestore_db, new_page):
    suffix = uuid.uuid4().hex[:6]
    owner_uid, owner = f"u-owner-{suffix}", f"founder.{suffix}@lumenway.io"
    mate_uid, mate = f"u-mate-{suffix}", f"mate.{suffix}@lumenway.io"

    # First sign-in: no workspace and no invitation yet, so the screen offers to start one.
    page = _sign_in(web_stack, new_page, uid=owner_uid, email=owner)
    page.get_by_test_id("first-sign-in").wait_for(timeout=20_000)
    page.get_by_test_id("no-invitations").wait_for(timeout=20_000)
    screenshot(page, "onboarding-first-sign-in")
    assert_accessible(page, "onboarding-first-sign-in")
    page.get_by_label("Workspace name").fill("Lumenway sales")
    page.get_by_label("Workspace name").press("Enter")  # the keyboard is enough
    page.wait_for_url("**/welcome", timeout=20_000)
    workspace_id = urlparse(page.url).path.split("/")[2]

    checklist = page.get_by_test_id("setup-checklist")
    checklist.wait_for(timeout=20_000)
    assert page.get_by_test_id("checklist-workspace").get_attribute("data-done") == "true"
    for step in ("gmail", "sync", "invite"):
        assert page.get_by_test_id(f"checklist-{step}").get_attribute("data-done") == "false"
    assert page.get_by_test_id("workspace-name").inner_text() == "Lumenway sales"
    screenshot(page, "onboarding-checklist")
    assert_accessible(page, "onboarding-checklist")

    # Invite a teammate from the checklist; the invitation is a link to send.
    page.get_by_role("link", name="Invite a teammate").click()
    page.wait_for_url(f"**/w/{workspace_id}/team")
    _member(page, owner).wait_for(timeout=20_000)
    page.get_by_label("Email address").fill(mate.upper())
    page.get_by_test_id("send-invitation").click()
    link = page.get_by_test_id("new-invitation-link")
    link.wait_for(timeout=20_000)
    invitation_path = urlparse(link.input_value()).path
    assert invitation_path.startswith(f"/join/{workspace_id}/")
    page.locator(f'[data-testid="pending-invitation"][data-email="{mate}"]').wait_for(timeout=20_000)
    screenshot(page, "team-invited")
    assert_accessible(page, "team-invited")
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("checklist-invite").wait_for(timeout=20_000)
    wait_for(lambda: page.get_by_test_id("checklist-invite").get_attribute("data-done") == "true", what="invite ticked")
    page.get_by_test_id("nav-team").click()

    # The teammate follows the link: their first sign-in shows the invitation, and they accept it.
    mate_page = _sign_in(web_stack, new_page, uid=mate_uid, email=mate, path=invitation_path)
    offer = mate_page.locator(f'[data-testid="invitation-offer"][data-workspace-id="{workspace_id}"]')
    offer.wait_for(timeout=20_000)
    assert "Lumenway sales" in offer.inner_text()
    assert owner in offer.inner_text()
    screenshot(mate_page, "onboarding-invitation")
    assert_accessible(mate_page, "onboarding-invitation")
    offer.get_by_test_id("accept-invitation").click()
    mate_page.wait_for_url(f"**/w/{workspace_id}/team", timeout=20_000)

    # Both see each other, live: the owner's page was never reloaded.
    _member(mate_page, owner).wait_for(timeout=20_000)
    _member(page, mate).wait_for(timeout=20_000)
    assert page.locator('[data-testid="pending-invitation"]').count() == 0
    page.get_by_test_id("no-pending-invitations").wait_for(timeout=20_000)
    assert _member(mate_page, mate).get_attribute("data-role") == "member"

    # The owner makes the teammate an admin; the teammate's page follows.
    members = firestore_db.collection("workspaces", workspace_id, "members")
    _member(page, mate).get_by_label(f"Role of {mate}").select_option("admin")
    assert members.document(mate_uid).get().to_dict()["role"] == "member"  # nothing changes until confirmed
    _member(page, mate).get_by_role("button", name=f"Change role of {mate}").click()
    mate_page.locator(f'[data-testid="member-row"][data-email="{mate}"][data-role="admin"]').wait_for(timeout=20_000)
    assert members.document(mate_uid).get().to_dict()["role"] == "admin"
    screenshot(mate_page, "team-teammate-view")
    assert_accessible(mate_page, "team-teammate-view")

    # The last owner can neither step down nor leave, and is told why.
    _member(page, owner).get_by_label(f"Role of {owner}").select_option("admin")
    _member(page, owner).get_by_test_id("save-role").press("Enter")
    refused = _member(page, owner).get_by_test_id("member-action-result")
    refused.wait_for(timeout=20_000)
    assert "needs an owner" in refused.inner_text()
    assert _member(page, owner).get_by_label(f"Role of {owner}").input_value() == "owner"  # back to what holds
    _member(page, owner).get_by_test_id("leave-workspace").click()
    _member(page, owner).get_by_test_id("confirm-remove-member").click()
    wait_for(lambda: "needs an owner" in refused.inner_text(), what="leaving refused")
    assert members.document(owner_uid).get().to_dict()["role"] == "owner"
    assert _member(page, owner).get_attribute("data-role") == "owner"
    screenshot(page, "team-last-owner")
    assert_accessible(page, "team-last-owner")

    assert _audit_actions(firestore_db, workspace_id) == ["create", "invite", "accept", "role"]
