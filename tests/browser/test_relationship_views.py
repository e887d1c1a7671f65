"""Who knows them and warm introductions on the contact and company pages, and the team map, from per-member
strength and co-occurrence the Ingestor kept (tests/intro_world.py), checked with axe."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from devstack import demo
from shared import ids
from shared.crm.relationships import RelationshipStats
from shared.workspaces import Role, add_member
from tests import intro_world
from tests.browser.conftest import assert_accessible, new_owner, screenshot
from tests.intro_world import DANA, FRANK, address
from tests.support import wait_for

pytestmark = pytest.mark.browser


def test_contact_and_company_pages_show_who_knows_them_and_the_paths_to_them(
    web_stack, firestore_db, workspace_id, new_page
):
    uid, email = new_owner(firestore_db, workspace_id, "Deal team")
    member = (f"u-{uuid.uuid4().hex[:8]}", f"ann.{uuid.uuid4().hex[:6]}@lumenway.io")
    add_member(workspace_id, uid=member[0], email=member[1], role=Role.MEMBER, display_name="Ann")
    evidence = intro_world.build(firestore_db, workspace_id, owner=(uid, email), member=member)
    deal = {"name": "Initech rollout", "stage": "lead", "value": 1000, "currency": "USD", "version": 1}
    firestore_db.document("workspaces", workspace_id, "deals", "d-initech").set(
        deal | {"contactIds": [ids.contact_id(address(DANA))]}
    )
    now = datetime.now(UTC)
    for days_ago in (2, 1, 0):  # three nights of the daily refresh: three snapshots of relationship health
        RelationshipStats(now=lambda days_ago=days_ago: now - timedelta(days=days_ago)).refresh_workspace(workspace_id)

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=uid, email=email))
    page.get_by_test_id("nav-settings").wait_for()
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/contacts/{ids.contact_id(address(FRANK))}")

    routes = page.get_by_test_id("intro-path")
    wait_for(lambda: routes.count() >= 3, what="Frank's introduction paths")
    kinds = [routes.nth(n).get_attribute("data-kind") for n in range(routes.count())]
    assert {"direct", "via_contact", "colleague"} <= set(kinds)
    via_dana = page.locator('[data-testid="intro-path"][data-kind="via_contact"]').first
    assert address(DANA) in via_dana.inner_text() or "Dana Wu" in via_dana.inner_text()
    shared_mail = via_dana.locator(f'[data-testid="intro-evidence"][data-interaction-id="{evidence["dana_frank"]}"]')
    assert shared_mail.count() == 1
    colleague = page.locator('[data-testid="intro-path"][data-kind="colleague"]').first
    assert member[1] in colleague.inner_text()
    assert "Gina Park" in colleague.inner_text()
    rows = page.get_by_test_id("who-knows-row")
    assert rows.count() == 1  # only the owner's mailbox ever had Frank on its mail
    assert email in rows.first.inner_text()
    screenshot(page, "contact-who-knows")
    assert_accessible(page, "contact-who-knows")

    # The company: each teammate's people there, strongest first, and a way in through Dana.
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/companies/globex.com")
    rows = page.get_by_test_id("who-knows-row")
    wait_for(lambda: rows.count() == 2, what="who knows Globex")
    assert member[1] in rows.first.inner_text()
    assert "Gina Park" in rows.first.inner_text()
    first = page.get_by_test_id("intro-path").first
    assert first.get_attribute("data-kind") == "direct"
    assert "Gina Park" in first.inner_text()
    assert page.locator('[data-testid="intro-path"][data-kind="via_contact"]').count() >= 1
    screenshot(page, "company-who-knows")
    assert_accessible(page, "company-who-knows")

    # The team map: each teammate's strongest relationships, then only those at Globex.
    page.get_by_test_id("nav-relationships").click()
    members = page.get_by_test_id("team-map-member")
    wait_for(lambda: members.count() == 2, what="both teammates on the team map")
    owner_card = page.locator(f'[data-testid="team-map-member"][aria-label="{email}"]')
    assert owner_card.get_by_test_id("team-map-row").first.inner_text().startswith("Dana Wu")
    assert_accessible(page, "team-map")
    page.get_by_test_id("team-map-company").fill("globex.com")
    page.get_by_test_id("team-map-apply").click()
    wait_for(lambda: owner_card.get_by_test_id("team-map-row").count() == 1, what="the owner's people at Globex")
    assert owner_card.get_by_test_id("team-map-row").first.inner_text().startswith("Frank Ode")
    member_card = page.locator(f'[data-testid="team-map-member"][aria-label="{member[1]}"]')
    assert member_card.get_by_test_id("team-map-row").first.inner_text().startswith("Gina Park")
    screenshot(page, "team-map")
    # Within a deal: only its people (Dana), whoever knows them.
    page.get_by_test_id("team-map-filter-by").select_option("deal")
    page.get_by_test_id("team-map-deal").select_option(label="Initech rollout")
    page.get_by_test_id("team-map-apply").click()
    wait_for(
        lambda: owner_card.get_by_test_id("team-map-row").first.inner_text().startswith("Dana Wu"),
        what="the owner's people in the deal",
    )
    assert owner_card.get_by_test_id("team-map-row").count() == 1
    assert member_card.get_by_test_id("team-map-row").count() == 0

    # The dashboard charts relationship health, day by day, for the team and for each teammate.
    page.get_by_test_id("nav-dashboard").click()
    chart = page.get_by_test_id("health-chart")
    chart.wait_for()
    assert chart.get_attribute("data-days") == "3"
    today = firestore_db.document("workspaces", workspace_id, "relationshipHealth", now.date().isoformat()).get()
    counts = today.to_dict()
    bands = ", ".join(f"{counts[band]} {band}" for band in ("strong", "warm", "cooling", "cold"))
    summary = page.get_by_test_id("health-summary")
    assert bands in summary.text_content()
    assert chart.locator('svg[role="img"]').get_attribute("aria-labelledby") == "health-title health-desc"
    assert chart.locator('[data-testid="health-line"][data-band="warm"]').get_attribute("data-points") == "3"
    assert page.get_by_test_id("health-row").count() == 3
    mine = counts["members"][ids.mailbox_id(email)]
    page.get_by_test_id("health-who").select_option(label=email)
    wait_for(lambda: email in summary.text_content(), what="the owner's own relationship health")
    assert f"{mine['strong']} strong, {mine['warm']} warm" in summary.text_content()
    screenshot(page, "dashboard-health")
    assert_accessible(page, "dashboard-health")
