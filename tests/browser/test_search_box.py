"""The search box finds contacts, companies and deals by word prefixes (the keys of their
searchKeys map, every word in one query per kind) and is used from the keyboard alone."""

from __future__ import annotations

import pytest

from shared.crm.search import indexed, search_tokens
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_contact_lists import signed_in, team

pytestmark = pytest.mark.browser

OPTIONS = '[data-testid="global-search-option"]'


def seed(db, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    workspace = db.document("workspaces", workspace_id)
    people = {
        "c_nia": {"name": "Nia Park", "email": "nia@vandelay.com", "companyName": "Vandelay"},
        "c_nik": {"name": "Nikolai Berg", "email": "nikolai@globex.com", "companyName": "Globex"},
        "c_ann": {"name": "Ann Lee", "email": "ann@acme.com", "companyName": "Acme"},
    }
    # Sixteen more people named Nikolai, listed before Nikolai Berg: a search that read the first page
    # of one word's matches and checked the other words afterwards would never reach him.
    for n in range(16):
        people[f"c_a{n:02}"] = {"name": f"Nikolai Aalto{n}", "email": f"nikolai{n}@initech.com"}
    for contact_id, fields in people.items():
        tokens = search_tokens(fields.values())
        workspace.collection("contacts").document(contact_id).set(fields | indexed(tokens) | {"lastInteractionMs": 1})
    workspace.collection("companies").document("vandelay.com").set(
        {"name": "Vandelay", "domain": "vandelay.com", **indexed(search_tokens(["Vandelay", "vandelay.com"]))}
    )
    workspace.collection("deals").document("d_import").set(
        {
            "name": "Vandelay import deal",
            "stage": "lead",
            "value": 1,
            **indexed(search_tokens(["Vandelay import deal"])),
        }
    )


def hits(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(OPTIONS).evaluate_all("items => items.map(i => `${i.dataset.kind}:${i.dataset.id}`)")


def test_search_finds_every_kind_by_prefix_and_works_from_the_keyboard(web_stack, firestore_db, workspace_id, new_page):
    owner, _ = team(workspace_id)
    seed(firestore_db, workspace_id)
    page, _ = signed_in(new_page, web_stack, owner)
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/contacts")
    page.locator('[data-testid="contact-row"]').first.wait_for(timeout=20_000)

    page.locator("body").press("/")  # jumps to the search box
    box = page.get_by_test_id("global-search-input")
    assert page.evaluate("() => document.activeElement?.dataset.testid") == "global-search-input"
    box.press_sequentially("vand")
    page.locator(OPTIONS).nth(2).wait_for(timeout=20_000)
    assert sorted(hits(page)) == ["company:vandelay.com", "contact:c_nia", "deal:d_import"]
    assert hits(page)[0] == "contact:c_nia"  # contacts first
    assert box.get_attribute("aria-expanded") == "true"
    assert_accessible(page, "search results")
    screenshot(page, "search-results")

    # Two words: both must be tokens of the record.
    box.fill("ni berg")
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].map(o => o.dataset.id).join() === 'c_nik'",
        arg=OPTIONS,
        timeout=20_000,
    )

    # The longest word matches seventeen people and Nikolai Berg sorts last among them: still found.
    box.fill("nikolai ber")
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].map(o => o.dataset.id).join() === 'c_nik'",
        arg=OPTIONS,
        timeout=20_000,
    )

    # Arrows move the highlight (wrapping), Enter opens it.
    box.fill("vandelay")
    page.locator(OPTIONS).nth(2).wait_for(timeout=20_000)
    box.press("ArrowDown")
    box.press("ArrowDown")
    active = page.locator(f'{OPTIONS}[aria-selected="true"]')
    assert active.get_attribute("data-kind") == "company"
    assert box.get_attribute("aria-activedescendant") == active.get_attribute("id")
    box.press("ArrowUp")
    assert active.get_attribute("data-kind") == "contact"
    box.press("ArrowUp")  # wraps round to the last
    assert active.get_attribute("data-kind") == "deal"
    box.press("ArrowDown")  # and on to the first
    assert active.get_attribute("data-id") == "c_nia"
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(f"**/w/{workspace_id}/companies/vandelay.com", timeout=20_000)
    assert box.input_value() == ""

    # Escape closes the list, a second Escape clears the box.
    box.focus()
    box.fill("ann")
    page.locator(OPTIONS).first.wait_for(timeout=20_000)
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "ann"
    box.press("Escape")
    assert box.input_value() == ""

    box.fill("zzzz")
    page.get_by_test_id("global-search-status").filter(has_text="Nothing found").wait_for(timeout=20_000)
