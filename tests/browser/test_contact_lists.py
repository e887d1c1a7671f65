"""The contacts list is queried, sorted, filtered and paged by Firestore: a view reads one page of
contacts whatever the workspace holds, pages move by cursor, and sorts and filters are saved as views."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from devstack import demo
from devstack.firestore_reads import ReadMeter
from shared.principals import Role
from shared.workspaces import add_member, create_workspace
from tests.browser.conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser

PAGE_SIZE = 50  # web/src/components/ContactsPage.tsx
ROWS = '[data-testid="contact-row"]'
NOW_MS = int(time.time() * 1000)


def seed(db: Any, workspace_id: str, count: int, *, owner_uid: str | None = None) -> None:
    """`count` contacts: contact n was last in touch n minutes ago; every seventh is going cold,
    every third is at acme.com and owned by `owner_uid`; strength rises with n."""
    contacts = db.collection("workspaces", workspace_id, "contacts")
    for start in range(0, count, 500):
        batch = db.batch()
        for n in range(start, min(start + 500, count)):
            company = "acme.com" if n % 3 == 0 else "globex.com"
            fields: dict[str, Any] = {
                "email": f"person{n:04d}@{company}",
                "name": f"Person {n:04d}",
                "companyId": company,
                "companyName": company.split(".")[0].title(),
                "sentCount": n % 5,
                "receivedCount": n % 7,
                "lastInteractionMs": NOW_MS - n * 60_000,
                "strength": {"score": (n * 37) % 101, "raw": 1.0, "asOfMs": NOW_MS, "halfLifeDays": 45, "scale": 10},
                "goingCold": n % 7 == 0,
            }
            if owner_uid and n % 3 == 0:
                fields["ownerUid"] = owner_uid
            batch.set(contacts.document(f"c_{n:04d}"), fields)
        batch.commit()


def team(workspace_id: str) -> tuple[tuple[str, str], tuple[str, str]]:
    suffix = uuid.uuid4().hex[:6]
    owner = (f"u-own-{suffix}", f"own.{suffix}@lumenway.io")
    mate = (f"u-mate-{suffix}", f"mate.{suffix}@lumenway.io")
    create_workspace(workspace_id, name="Lists team", owner_uid=owner[0], owner_email=owner[1])
    add_member(workspace_id, uid=mate[0], email=mate[1], role=Role.MEMBER, display_name="Mate")
    return owner, mate


def signed_in(
    new_page: Any, web_stack: Any, person: tuple[str, str], meter: bool = False
) -> tuple[Any, ReadMeter | None]:
    page = new_page()
    reads = ReadMeter(page.context) if meter else None
    page.goto(demo.sign_in_link(web_stack.web_url, uid=person[0], email=person[1]))
    page.get_by_test_id("signed-in-as").wait_for(timeout=20_000)
    return page, reads


def open_contacts(page: Any, web_stack: Any, workspace_id: str) -> None:
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/contacts")
    page.locator(ROWS).first.wait_for(timeout=20_000)


def wait_for_ids(page: Any, expected_first: str, count: int | None = None) -> list[str]:
    # The ids come from the same evaluation that saw the expected first row: a list that re-renders
    # right after (a filter typed and then submitted queries twice) cannot empty the answer.
    handle = page.wait_for_function(
        "([selector, first, count]) => { const rows = [...document.querySelectorAll(selector)];"
        " const ok = rows[0]?.dataset.id === first && (count === null || rows.length === count);"
        " return ok ? rows.map(r => r.dataset.id) : false; }",
        arg=[ROWS, expected_first, count],
        timeout=20_000,
    )
    return list(handle.json_value())


def test_a_contacts_view_reads_the_same_at_60_and_600_contacts(web_stack, firestore_db, new_page):
    reads = {}
    for count in (60, 600):
        workspace_id = f"ws-{uuid.uuid4().hex[:10]}"
        owner, _ = team(workspace_id)
        seed(firestore_db, workspace_id, count)
        page, meter = signed_in(new_page, web_stack, owner, meter=True)
        assert meter is not None
        meter.settle(page)  # the landing page's own reads
        open_contacts(page, web_stack, workspace_id)
        reads[count] = meter.settle(page)
        assert page.locator(ROWS).count() == PAGE_SIZE
    # One page and its look-ahead document, plus the page's few other listeners; not the collection.
    assert reads[60] == reads[600], reads
    assert PAGE_SIZE < reads[600] < 120, reads


def test_pages_sorts_and_filters_come_from_firestore(web_stack, firestore_db, workspace_id, new_page):
    owner, _ = team(workspace_id)
    seed(firestore_db, workspace_id, 120, owner_uid=owner[0])
    page, _ = signed_in(new_page, web_stack, owner)
    open_contacts(page, web_stack, workspace_id)

    # Last contact first, 50 to a page, by cursor: 0–49, 50–99, 100–119.
    assert wait_for_ids(page, "c_0000", PAGE_SIZE) == [f"c_{n:04d}" for n in range(50)]
    page.get_by_test_id("contacts-pager-next").click()
    assert wait_for_ids(page, "c_0050", PAGE_SIZE)[-1] == "c_0099"
    page.get_by_test_id("contacts-pager-next").click()
    assert wait_for_ids(page, "c_0100", 20)[-1] == "c_0119"
    assert page.get_by_test_id("contacts-pager-next").is_disabled()
    assert page.get_by_test_id("contacts-pager-number").inner_text() == "Page 3"
    page.get_by_test_id("contacts-pager-previous").click()
    wait_for_ids(page, "c_0050", PAGE_SIZE)

    # Live on the visible page: a contact in touch just now joins the top of the first page.
    page.get_by_test_id("contacts-pager-previous").click()
    wait_for_ids(page, "c_0000", PAGE_SIZE)
    firestore_db.document("workspaces", workspace_id, "contacts", "c_0119").update({"lastInteractionMs": NOW_MS + 1})
    assert wait_for_ids(page, "c_0119", PAGE_SIZE)[1] == "c_0000"

    # Strongest first: a new sort starts again from page one.
    page.get_by_test_id("contact-sort").select_option("strength")
    strongest = sorted(range(120), key=lambda n: (-((n * 37) % 101), f"c_{n:04d}"))[0]
    wait_for_ids(page, f"c_{strongest:04d}")
    strengths = [int(s) for s in page.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.strength)")]
    assert strengths == sorted(strengths, reverse=True)
    assert page.get_by_test_id("contacts-pager-number").inner_text() == "Page 1"

    # Going cold, owned by the owner, at acme.com: every seventh and every third contact, so n % 21 == 0.
    page.get_by_test_id("contact-sort").select_option("recent")
    page.get_by_test_id("contact-going-cold").check()
    page.get_by_test_id("contact-owner").select_option(owner[0])
    page.get_by_test_id("contact-company-filter").fill("acme.com")
    page.get_by_test_id("contact-company-filter").press("Enter")
    expected = [f"c_{n:04d}" for n in range(120) if n % 21 == 0 and n != 119]
    assert wait_for_ids(page, "c_0000", len(expected)) == expected
    assert page.get_by_test_id("contacts-pager").count() == 0  # one page: no pager
    assert_accessible(page, "contacts, filtered")
    screenshot(page, "contacts-filtered")

    page.get_by_test_id("contact-company-filter").fill("nowhere.com")
    page.get_by_test_id("contact-company-filter").press("Enter")
    page.get_by_test_id("contacts-no-match").wait_for(timeout=20_000)
    page.get_by_test_id("contact-reset").click()
    wait_for_ids(page, "c_0119", PAGE_SIZE)


def test_a_saved_view_is_the_owners_until_shared_with_the_team(web_stack, firestore_db, workspace_id, new_page):
    owner, mate = team(workspace_id)
    seed(firestore_db, workspace_id, 30)
    page, _ = signed_in(new_page, web_stack, owner)
    open_contacts(page, web_stack, workspace_id)

    def save(name: str, shared: bool) -> None:
        page.get_by_test_id("saved-view-new").click()
        page.get_by_test_id("saved-view-name").fill(name)
        if shared:
            page.get_by_test_id("saved-view-shared").check()
        page.get_by_test_id("saved-view-save").click()
        page.locator('[data-testid="saved-view-select"] option', has_text=name).wait_for(
            state="attached", timeout=20_000
        )

    assert_accessible(page, "contacts, first page")
    page.get_by_test_id("contact-sort").select_option("strength")
    page.get_by_test_id("contact-going-cold").check()
    page.get_by_test_id("saved-view-new").click()
    assert_accessible(page, "contacts, saving a view")
    page.get_by_role("button", name="Cancel").click()
    save("Cold but strong", shared=True)
    page.get_by_test_id("contact-reset").click()
    page.get_by_test_id("contact-sort").select_option("name")
    save("My A to Z", shared=False)

    teammate, _ = signed_in(new_page, web_stack, mate)
    open_contacts(teammate, web_stack, workspace_id)
    options = teammate.locator('[data-testid="saved-view-select"] option')
    options.filter(has_text="Cold but strong").wait_for(state="attached", timeout=20_000)
    assert options.filter(has_text="My A to Z").count() == 0  # the owner's own view stays theirs
    assert teammate.get_by_test_id("saved-view-delete").count() == 0

    view_id = options.filter(has_text="Cold but strong").get_attribute("value")
    teammate.get_by_test_id("saved-view-select").select_option(view_id)
    cold = sorted((n for n in range(30) if n % 7 == 0), key=lambda n: (-((n * 37) % 101), f"c_{n:04d}"))
    assert wait_for_ids(teammate, f"c_{cold[0]:04d}", len(cold)) == [f"c_{n:04d}" for n in cold]
    assert teammate.get_by_test_id("contact-sort").input_value() == "strength"
    assert teammate.get_by_test_id("contact-going-cold").is_checked()
    screenshot(teammate, "contacts-saved-view")

    # Only its author deletes a view; it then goes from the teammate's list, live.
    own_id = page.locator('[data-testid="saved-view-select"] option', has_text="Cold but strong").get_attribute("value")
    page.get_by_test_id("saved-view-select").select_option(own_id)
    page.get_by_test_id("saved-view-delete").click()
    options.filter(has_text="Cold but strong").wait_for(state="detached", timeout=20_000)
