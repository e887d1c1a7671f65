"""Every page of the web app, as a populated workspace shows it, passes axe-core's serious and critical rules
in light and dark mode, fits a 375 px phone without sideways scrolling, and is usable from the keyboard."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from devstack import demo
from shared import ids
from shared.gmail.connect import connect_mailbox
from tests.browser.conftest import (
    accessibility_violations,
    assert_accessible,
    describe_violations,
    new_owner,
    screenshot,
)
from tests.integration.api import Api, User
from tests.support import id_token_for, mail, wait_for

pytestmark = pytest.mark.browser

NIA = "nia@vandelay.com"
PHONE = {"width": 375, "height": 740}


@dataclass
class Workspace:
    id: str
    uid: str
    email: str


@dataclass
class Screen:
    name: str
    path: str  # under /w/{workspace}
    ready: str  # a data-testid shown once the page has its data


SCREENS = [
    Screen("dashboard", "dashboard", "week-bar"),
    Screen("contacts", "contacts", "contact-row"),
    Screen("contact", f"contacts/{ids.contact_id(NIA)}", "timeline-item"),
    Screen("companies", "companies", "company-row"),
    Screen("company", "companies/vandelay.com", "company-people"),
    Screen("deals", "deals", "deal-card"),
    Screen("team", "team", "member-row"),
    Screen("settings", "settings", "mailbox-card"),
    Screen("welcome", "welcome", "setup-checklist"),
]


@pytest.fixture
def populated(web_stack, firestore_db, workspace_id) -> Workspace:
    """A workspace whose owner's mailbox has synced (contacts, a company, a timeline) and that has deals."""
    uid, email = new_owner(firestore_db, workspace_id, "Quality team")
    refresh_token = demo.load_mailbox(web_stack.gmail_url, email)
    for subject in ("Import contract", "Shipping schedule"):
        demo.deliver(web_stack.gmail_url, email, mail(f"Nia Park <{NIA}>", email, subject))
    demo.deliver(web_stack.gmail_url, email, mail("Art Vandelay <art@vandelay.com>", email, "Latex samples"))
    ref = connect_mailbox(workspace_id=workspace_id, owner_uid=uid, refresh_token=refresh_token)
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync", timeout=60)
    owner = User(uid, email, id_token_for(f"http://127.0.0.1:{web_stack.ports.auth}", uid, email))
    api = Api(web_stack.functions_url, workspace_id)
    for deal in ({"name": "Latex import", "value": 12000, "currency": "USD", "stage": "proposal"},):
        assert api.call(owner, "POST", "deals", deal).status == 201
    return Workspace(workspace_id, uid, email)


def _open(web_stack, new_page, workspace: Workspace, **context_options):
    page = new_page(**context_options)
    page.goto(demo.sign_in_link(web_stack.web_url, uid=workspace.uid, email=workspace.email))
    page.get_by_test_id("nav-settings").wait_for(timeout=20_000)
    return page


def _visit(page, web_url: str, workspace: Workspace, screen: Screen) -> None:
    page.goto(f"{web_url}/w/{workspace.id}/{screen.path}")
    page.get_by_test_id(screen.ready).first.wait_for(timeout=20_000)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe_in_light_and_dark_mode(web_stack, populated, new_page, scheme):
    page = _open(web_stack, new_page, populated, color_scheme=scheme)
    found: list[str] = []  # every page's findings in one failure, not only the first page's
    for screen in SCREENS:
        _visit(page, web_stack.web_url, populated, screen)
        screenshot(page, f"quality-{screen.name}-{scheme}")
        if violations := accessibility_violations(page):
            found.append(f"{screen.name} ({scheme}):\n{describe_violations(violations)}")
    assert not found, "accessibility violations:\n" + "\n".join(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_sign_in_and_first_sign_in_screens_pass_axe(web_stack, new_page, scheme):
    page = new_page(color_scheme=scheme)
    page.goto(web_stack.web_url)
    page.get_by_role("heading", name="Rapport").wait_for(timeout=20_000)
    screenshot(page, f"quality-sign-in-{scheme}")
    assert_accessible(page, f"sign-in ({scheme})")

    suffix = uuid.uuid4().hex[:6]
    page.goto(demo.sign_in_link(web_stack.web_url, uid=f"u-new-{suffix}", email=f"new.{suffix}@lumenway.io"))
    page.get_by_test_id("no-invitations").wait_for(timeout=20_000)
    screenshot(page, f"quality-first-sign-in-{scheme}")
    assert_accessible(page, f"first sign-in ({scheme})")


def _horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window, counting scroll boxes inside it."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          let widest = document.documentElement.scrollWidth;
          for (const element of document.querySelectorAll(".workspace-body, .shell")) {
            widest = Math.max(widest, element.scrollWidth);
          }
          return widest - width;
        }"""
    )


def test_every_page_fits_a_phone_without_sideways_scrolling(web_stack, populated, new_page):
    page = _open(web_stack, new_page, populated, viewport=PHONE, color_scheme="dark")
    too_wide: dict[str, int] = {}
    for screen in SCREENS:
        _visit(page, web_stack.web_url, populated, screen)
        screenshot(page, f"quality-{screen.name}-phone")
        if (overflow := _horizontal_overflow(page)) > 0:
            too_wide[screen.name] = overflow
        # Every tab of the navigation can be reached: the bar scrolls sideways inside itself.
        nav = page.get_by_role("navigation", name="Workspace")
        assert page.evaluate(
            "(nav) => nav.scrollWidth <= nav.clientWidth || getComputedStyle(nav).overflowX !== 'visible'",
            nav.element_handle(),
        )
    assert too_wide == {}, f"wider than a 375 px phone (px too wide): {too_wide}"
    assert_accessible(page, "settings (phone)")


def _focused(page) -> dict:
    """The focused element: its test id, whether it sits in an open dialog, and whether focus shows on it."""
    return page.evaluate(
        """() => {
          const element = document.activeElement;
          const style = getComputedStyle(element);
          const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
          const ring = outline || style.boxShadow !== "none";
          return {
            testId: element.getAttribute("data-testid"),
            tag: element.tagName,
            inDialog: Boolean(element.closest("dialog[open]")),
            visible: ring,
          };
        }"""
    )


def test_the_keyboard_reaches_every_tab_shows_focus_and_a_dialog_holds_and_returns_it(web_stack, populated, new_page):
    page = _open(web_stack, new_page, populated)
    _visit(page, web_stack.web_url, populated, SCREENS[7])  # settings
    # From the top of the page, Tab reaches each tab of the navigation, and focus always shows.
    page.locator("body").focus()
    reached: list[str] = []
    for _ in range(15):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["visible"], f"focus does not show on {focused}"
        reached.append(focused["testId"] or focused["tag"])
    for tab in ("nav-dashboard", "nav-contacts", "nav-companies", "nav-deals", "nav-team", "nav-settings"):
        assert tab in reached, f"{tab} not reached by Tab: {reached}"

    # The disconnect dialog: opened from the keyboard, Tab stays inside it, Escape closes it, focus returns.
    disconnect = page.get_by_test_id("disconnect").first
    disconnect.focus()
    page.keyboard.press("Enter")
    page.get_by_test_id("disconnect-dialog").wait_for()
    assert_accessible(page, "disconnect dialog")
    for _ in range(6):
        page.keyboard.press("Tab")
        assert _focused(page)["inDialog"], "Tab left the open dialog"
    page.keyboard.press("Escape")
    page.get_by_test_id("disconnect-dialog").wait_for(state="detached")
    wait_for(lambda: _focused(page)["testId"] == "disconnect", what="focus back on the button that opened the dialog")


def test_every_page_says_so_when_its_data_cannot_be_read(web_stack, populated, new_page):
    """Someone who is not a member opens each page of the workspace: Firestore refuses every read, and
    each page shows an error state (never an empty list that looks like no data, nor a blank page)."""
    suffix = uuid.uuid4().hex[:6]
    outsider = Workspace(populated.id, f"u-out-{suffix}", f"outsider.{suffix}@lumenway.io")
    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=outsider.uid, email=outsider.email))
    page.get_by_test_id("signed-in-as").wait_for(timeout=20_000)
    silent: list[str] = []
    for screen in SCREENS:
        page.goto(f"{web_stack.web_url}/w/{outsider.id}/{screen.path}")
        try:
            page.locator('[role="alert"]').first.wait_for(timeout=15_000)
        except PlaywrightTimeout:
            silent.append(screen.name)
            screenshot(page, f"quality-{screen.name}-refused")
    assert silent == [], f"pages showing no error when their data cannot be read: {silent}"
