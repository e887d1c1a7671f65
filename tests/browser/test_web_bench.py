"""`./rapport bench web` measures what it says, on a small scale: reads a page delivers, first render,
and axe's verdict, per page."""

from __future__ import annotations

import pytest

from bench import web
from bench.realtime import seed_contacts, team

pytestmark = pytest.mark.browser


def test_each_page_is_measured_and_the_contacts_page_reads_one_page(web_stack, browser, workspace_id):
    person, _ = team(workspace_id)
    seed_contacts(workspace_id, 300)
    web.seed_companies_and_deals(workspace_id, companies=80, deals=6)
    paths = {"contacts": "contacts", "companies": "companies", "contact": "contacts/c_bench_00000"}
    found = web.measure_reads(web_stack, browser, person, workspace_id, paths)
    # A page of 50 and its look-ahead, plus a few small listeners: not the 300 contacts nor 80 companies.
    assert 51 <= found["contacts"]["reads"] < 100, found
    assert 51 <= found["companies"]["reads"] < 100, found
    assert 1 <= found["contact"]["reads"] < 30, found
    assert all(page["axe_serious"] == 0 for page in found.values()), found
    renders = web.measure_first_render(web_stack, browser, person, workspace_id, loads=1)
    assert all(ms > 0 for ms in renders.values()), renders
