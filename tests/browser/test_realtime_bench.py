"""`./rapport bench realtime` measures what it says, on a small scale: live moves between two people's
boards, and a contact list that stays virtualised however long it is."""

from __future__ import annotations

import pytest

from bench import realtime

pytestmark = pytest.mark.browser


def test_a_move_on_a_board_is_timed_until_the_teammate_sees_it(web_stack, browser, workspace_id):
    result = realtime.measure_live_moves(web_stack, browser, workspace_id, writes=4)
    assert result["writes"] == 4
    assert 0 < result["p50_ms"] <= result["p95_ms"]
    assert 0 < result["baseline"]["p50_ms"] <= result["baseline"]["p95_ms"]


def test_the_contact_list_renders_early_and_keeps_few_rows_in_the_dom(web_stack, browser, workspace_id):
    result = realtime.measure_contact_list(web_stack, browser, workspace_id, contacts=700, loads=1)
    assert result["contacts"] == 700  # every contact arrived (the page's own count), across pages
    assert 0 < result["first_render_10k_ms"] <= result["all_loaded_10k_ms"]
    assert result["scroll_frames"] > 3  # the scroll reached the end step by step
    assert 0 < result["rows_in_dom_max"] < 60  # a screenful and its overscan, never all 700
