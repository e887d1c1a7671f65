"""The web app under its production security headers: the Content-Security-Policy holds on every page (the
`new_page` fixture fails a test on any violation), mail and URLs are shown as text, never run, and the
custom-token sign-in of development builds is absent from the production bundle."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from devstack import demo, demo_hostile
from devstack.stack import LOCAL_WEB_DIST, PRODUCTION_WEB_DIST, WEB_DIR, build_web, web_build_is_current
from shared import ids
from shared.gmail.connect import connect_mailbox
from tests.browser.conftest import new_owner, screenshot
from tests.support import wait_for

pytestmark = pytest.mark.browser

CUSTOM_TOKEN_PARAM = "customToken"


def _signed_in_page(web_stack, new_page, uid: str, email: str):
    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=uid, email=email))
    page.get_by_test_id("signed-in-as").wait_for(timeout=20_000)
    return page


def test_pages_carry_the_policy_and_a_breach_of_it_is_caught(web_stack, new_page, policy_violations):
    page = new_page()
    response = page.goto(web_stack.web_url)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    page.get_by_role("button", name="Sign in with Google").wait_for()
    assert policy_violations == []  # the app itself runs within the policy

    # Script put into the page the way an injection would is refused, and the refusal is reported.
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__inlineRan = true";
        document.body.append(script);
    }""")
    wait_for(lambda: policy_violations, what="the violation report")
    assert page.evaluate("() => window.__inlineRan") is None
    assert "script-src" in policy_violations[0]
    policy_violations.clear()  # seen and expected: the fixture must not fail this test for it


def test_a_failure_reason_in_the_address_bar_is_never_shown_as_given(web_stack, firestore_db, workspace_id, new_page):
    uid, owner = new_owner(firestore_db, workspace_id, "Security team")
    page = _signed_in_page(web_stack, new_page, uid, owner)
    settings = f"{web_stack.web_url}/w/{workspace_id}/settings"

    # Both ends: the callback refuses a state it never issued, and the app words the code it was sent.
    page.goto(f"{web_stack.web_url}/api/oauth-callback?state=forged&code=anything")
    banner = page.get_by_test_id("gmail-result")
    banner.wait_for()
    assert "already used or never issued" in banner.inner_text()
    assert page.url == settings  # the workspace's settings, the result read and taken out of the address bar
    forged = "Your account is suspended: call +1 555 0100 <img src=x onerror=window.__pwned=1>"

    page.goto(f"{settings}?gmail=error&reason={quote(forged)}")
    banner.wait_for()
    assert "Please try again." in banner.inner_text()
    assert "suspended" not in page.content()
    assert "555 0100" not in banner.inner_text()

    page.goto(f"{settings}?gmail=error&reason=link_expired")
    assert "took too long" in page.get_by_test_id("gmail-result").inner_text()

    page.goto(f"{settings}?gmail=constructor")  # a name every object has is not a result either
    page.get_by_test_id("no-mailboxes").wait_for()
    assert page.get_by_test_id("gmail-result").count() == 0
    assert page.evaluate(f"() => window.{demo_hostile.PWNED_FLAG}") is None


def test_hostile_mail_shows_as_text_and_runs_nothing(web_stack, firestore_db, workspace_id, new_page):
    uid, owner = new_owner(firestore_db, workspace_id, "Security team")
    refresh_token = demo.load_mailbox(web_stack.gmail_url, owner)
    for raw in demo_hostile.hostile_messages(owner, dt.datetime.now(dt.UTC).date()):
        demo.deliver(web_stack.gmail_url, owner, raw)
    ref = connect_mailbox(workspace_id=workspace_id, owner_uid=uid, refresh_token=refresh_token)
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync", timeout=60)
    contact = firestore_db.document("workspaces", workspace_id, "contacts", ids.contact_id(demo_hostile.SENDER))
    wait_for(lambda: ((contact.get().to_dict() or {}).get("enrichment") or {}).get("fields"), what="enrichment")
    stored_name = contact.get().to_dict()["name"]
    assert "<img" in stored_name  # stored as sent: showing it safely is the app's job
    # Whatever writes a website (an AI answer, a CSV, a teammate) may hand the app a javascript: URL.
    contact.update(
        {
            "enrichment.fields.website": {"value": demo_hostile.JAVASCRIPT_LINK, "source": "ai"},
            "enrichment.fields.linkedin": {"value": "https://www.linkedin.com/in/mallory", "source": "signature"},
        }
    )

    page = _signed_in_page(web_stack, new_page, uid, owner)
    row = page.locator(f'[data-testid="contact-row"][data-email="{demo_hostile.SENDER}"]')
    assert stored_name in row.inner_text()
    row.click()
    assert page.get_by_test_id("contact-title").inner_text() == stored_name
    subjects = page.locator(".timeline__subject")
    # Subjects arrive after the timeline's metadata (they are a separate read), so wait for the text.
    wait_for(
        lambda: subjects.count() == 2 and "…" not in {subjects.nth(i).inner_text() for i in range(2)},
        what="the timeline's subjects",
    )
    assert {subjects.nth(i).inner_text() for i in range(2)} == {
        demo_hostile.SUBJECT,
        demo_hostile.SECOND_SUBJECT,
    }
    website = page.locator('[data-testid="insight"][data-name="website"]')
    wait_for(lambda: demo_hostile.JAVASCRIPT_LINK in website.inner_text(), what="the website insight")
    assert website.locator("a").count() == 0  # shown, never clickable
    linkedin = page.locator('[data-testid="insight"][data-name="linkedin"] a')
    assert linkedin.get_attribute("href") == "https://www.linkedin.com/in/mallory"
    assert linkedin.get_attribute("rel") == "noopener noreferrer nofollow"

    assert page.locator("main img, main script, main svg[onload], [onerror], [onload], [onmouseover]").count() == 0
    assert page.locator('a[href^="javascript:" i]').count() == 0
    assert page.evaluate(f"() => window.{demo_hostile.PWNED_FLAG}") is None
    screenshot(page, "hostile-contact")


def _script_text(dist: Path) -> str:
    return "\n".join(path.read_text() for path in (dist / "assets").glob("*.js"))


def test_the_production_bundle_has_no_custom_token_sign_in(tmp_path):
    # `./rapport test` has just made the production build (web/dist): that bundle is checked when it is
    # newer than every source, and one is built here, as `npm run build` builds it, when it is not.
    out = PRODUCTION_WEB_DIST
    if not web_build_is_current(out):
        out = tmp_path / "dist"
        built = subprocess.run(
            ["npx", "--no-install", "vite", "build", "--outDir", str(out), "--emptyOutDir"],
            cwd=WEB_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    assert CUSTOM_TOKEN_PARAM not in _script_text(out)
    # No inline script in the page either: the policy would refuse it.
    assert all(re.search(r"\bsrc=", tag) for tag in re.findall(r"<script\b[^>]*>", (out / "index.html").read_text()))

    build_web()  # the local stack's development build keeps it: the check above can see it when present
    assert CUSTOM_TOKEN_PARAM in _script_text(LOCAL_WEB_DIST)
