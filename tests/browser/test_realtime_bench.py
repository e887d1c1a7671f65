"""`./rapport bench realtime` measures what it says, on a small scale: live moves between two people's
boards, and a contact list that shows one page however long it is."""

from __future__ import annotations

import pytest

from bench import realtime

pytestmark = pytest.mark.browser


def test_a_move_on_a_board_is_timed_until_the_teammate_sees_it(web_stack, browser, workspace_id):
    result = realtime.measure_live_moves(web_stack, browser, workspace_id, writes=4)
    assert result["writes"] == 4
    assert 0 < result["p50_ms"] <= result["p95_ms"]
    assert 0 < result["baseline"]["p50_ms"] <= result["baseline"]["p95_ms"]


def test_the_contact_list_renders_one_page_early(web_stack, browser, workspace_id):
    result = realtime.measure_contact_list(web_stack, browser, workspace_id, contacts=700, loads=1)
    assert result["contacts"] == 700
    assert result["contacts_shown"] == 50  # one page of the 700, queried by Firestore
    assert result["first_render_10k_ms"] > 0
    assert result["scroll_frames"] > 1  # the scroll reached the end step by step
    assert 0 < result["rows_in_dom_max"] <= 50  # that page, never all 700
