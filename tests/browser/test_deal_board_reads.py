"""The deal board and the dashboard's pipeline chart cost the same at 100 and 2,000 deals: each column
reads one page of deals by cursor and the totals are Firestore's counts and sums (decision 31)."""

from __future__ import annotations

import uuid

import pytest

from bench.web import SETTLED, seed_deals
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_contact_lists import signed_in, team

pytestmark = pytest.mark.browser

COLUMN_PAGE = 15  # web/src/components/deals/DealsPage.tsx
STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
CARDS = '[data-testid="deal-card"]'


def _column(page, stage: str):
    return page.locator(f'[data-testid="deal-column"][data-stage="{stage}"]')


def _expected(count: int, stage_index: int) -> tuple[int, int]:
    """How many of bench.web.seed_deals' `count` deals sit in a stage, and their value (deal n is 1000 + n)."""
    values = [1000 + n for n in range(count) if n % 6 == stage_index]
    return len(values), sum(values)


def test_the_board_and_dashboard_read_the_same_at_100_and_2000_deals(web_stack, new_page):
    board_reads, dashboard_reads = {}, {}
    for count in (100, 2000):
        workspace_id = f"ws-{uuid.uuid4().hex[:10]}"
        owner, _ = team(workspace_id)
        seed_deals(workspace_id, count)
        page, meter = signed_in(new_page, web_stack, owner, meter=True)
        assert meter is not None
        meter.settle(page)  # the landing page's own reads

        page.goto(f"{web_stack.web_url}/w/{workspace_id}/deals")
        page.locator(CARDS).first.wait_for(timeout=30_000)
        page.wait_for_function(SETTLED["deals"], timeout=30_000)  # the counts too, which come after the cards
        board_reads[count] = meter.settle(page, 1.5)
        for index, stage in enumerate(STAGES):
            held, value = _expected(count, index)
            column = _column(page, stage)
            assert column.locator(CARDS).count() == COLUMN_PAGE
            assert column.get_by_test_id("deal-column-count").inner_text() == f"· {held}"
            assert f"{value:,}" in column.get_by_test_id("deal-column-total").inner_text()
        # The largest first: deal values rise with n, so the lead column opens with the last lead deal.
        top = max(n for n in range(count) if n % 6 == 0)
        assert _column(page, "lead").locator(CARDS).first.get_attribute("data-deal-id") == f"d_bench_{top:05d}"

        page.goto(f"{web_stack.web_url}/w/{workspace_id}/dashboard")
        page.get_by_test_id("pipeline-stage").first.wait_for(timeout=30_000)
        dashboard_reads[count] = meter.settle(page, 1.5)
        held, value = _expected(count, 1)
        qualified = page.locator('[data-testid="pipeline-stage"][data-stage="qualified"]')
        assert qualified.get_attribute("data-value") == str(value)
        assert f"· {held}" in qualified.inner_text()

    assert board_reads[100] == board_reads[2000], board_reads
    # Six columns of a page and a look-ahead each, plus the totals and the pipeline: not the deals.
    assert 6 * COLUMN_PAGE < board_reads[2000] < 6 * (COLUMN_PAGE + 1) + 20, board_reads
    assert dashboard_reads[100] == dashboard_reads[2000], dashboard_reads
    assert dashboard_reads[2000] < 60, dashboard_reads


def test_a_column_shows_more_by_cursor_and_totals_follow_a_move(web_stack, firestore_db, new_page):
    workspace_id = f"ws-{uuid.uuid4().hex[:10]}"
    owner, _ = team(workspace_id)
    seed_deals(workspace_id, 200)
    page, meter = signed_in(new_page, web_stack, owner, meter=True)
    assert meter is not None
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/deals")
    lead = _column(page, "lead")
    lead.locator(CARDS).first.wait_for(timeout=30_000)
    meter.settle(page)
    held, _ = _expected(200, 0)  # 34 lead deals

    # "Show more" asks for the next page after the last card shown; the page before becomes the range
    # up to that card, read again once: two pages of reads at most, whatever the stage holds.
    lead.get_by_test_id("deal-column-more").click()
    page.wait_for_function(
        '(n) => document.querySelectorAll(\'[data-stage="lead"] [data-testid="deal-card"]\').length === n',
        arg=2 * COLUMN_PAGE,
    )
    assert meter.settle(page) <= 2 * COLUMN_PAGE + 1
    lead.get_by_test_id("deal-column-more").click()
    page.wait_for_function(
        '(n) => document.querySelectorAll(\'[data-stage="lead"] [data-testid="deal-card"]\').length === n',
        arg=held,
    )
    ids = [card.get_attribute("data-deal-id") for card in lead.locator(CARDS).all()]
    assert len(set(ids)) == held
    assert lead.get_by_test_id("deal-column-more").count() == 0
    screenshot(page, "deals-board-paged")
    assert_accessible(page, "deals-board-paged")

    # A move on the board: the card changes column and both columns' counts follow from Firestore.
    lead.locator(CARDS).first.get_by_test_id("deal-stage-select").select_option("won")
    won_count = _column(page, "won").get_by_test_id("deal-column-count")
    page.wait_for_function(
        '() => document.querySelector(\'[data-testid="deal-column-count"][data-stage="lead"]\')'
        f"?.textContent === '· {held - 1}'",
        timeout=15_000,
    )
    won_held, _ = _expected(200, 4)
    assert won_count.inner_text() == f"· {won_held + 1}"
    assert lead.locator(CARDS).count() == held - 1
