"""Browser tests: Playwright (from PyPI) driving Debian's chromium against the web app on the local stack."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.browser import launch_chromium
from devstack.processes import StackError
from devstack.stack import LocalStack
from tests.support import ARTIFACTS

SCREENSHOTS = ARTIFACTS / "screenshots"


@pytest.fixture(scope="session")
def web_stack(stack: LocalStack) -> LocalStack:
    stack.enable_web()
    return stack


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = launch_chromium(playwright)
        except StackError as error:
            pytest.fail(str(error))
        yield browser
        browser.close()


# Runs in every frame before the page's own scripts (Playwright injects it, so the policy does not
# apply to it): each Content-Security-Policy violation is reported on the console, where it is collected.
_REPORT_POLICY_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`${VIOLATION_PREFIX} ${event.effectiveDirective} blocked ${event.blockedURI || "inline code"}`
    + ` on ${event.documentURI}${event.sourceFile ? ` (${event.sourceFile}:${event.lineNumber})` : ""}`);
});
"""
VIOLATION_PREFIX = "Content-Security-Policy violation:"
# Chrome's own console words for a blocked load or a policy header it could not read.
_POLICY_CONSOLE_MARKS = (VIOLATION_PREFIX, "Content Security Policy", "Permissions-Policy", "Permissions policy")


@pytest.fixture
def policy_violations() -> list[str]:
    """Every security-policy complaint from the pages `new_page` opened in this test, in order."""
    return []


@pytest.fixture
def new_page(browser: object, policy_violations: list[str]) -> Iterator[Callable[..., object]]:
    """Pages in their own browser contexts (separate sign-ins), closed after the test. A test whose pages
    break the Content-Security-Policy (or any security header) fails, whatever it asserted itself."""
    contexts: list[object] = []

    def collect(message: Any) -> None:
        if message.type in ("error", "warning") and any(mark in message.text for mark in _POLICY_CONSOLE_MARKS):
            policy_violations.append(f"{message.text} [{message.page.url if message.page else 'worker'}]")

    def open_page(**context_options: Any) -> object:
        """`context_options` go to Playwright's new_context (color_scheme="dark", another viewport...)."""
        options = {"viewport": {"width": 1280, "height": 800}, **context_options}
        context: Any = browser.new_context(**options)  # type: ignore[attr-defined]
        context.add_init_script(_REPORT_POLICY_VIOLATIONS.replace("${VIOLATION_PREFIX}", VIOLATION_PREFIX))
        context.on("console", collect)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()
    if policy_violations:
        pytest.fail("the pages broke the security policy:\n" + "\n".join(policy_violations), pytrace=False)


# axe-core's impact levels that fail a test; "moderate" and "minor" findings are left to review.
BLOCKING_IMPACTS = ("serious", "critical")


def accessibility_violations(page: object) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules and
    axe's best practices), each as axe reports it: id, impact, help, helpUrl and the offending nodes."""
    from axe_playwright_python.sync_playwright import Axe

    # Colours part-way through a CSS transition (a hover or a press fading) are not what anyone reads:
    # let running transitions and animations finish before measuring contrast.
    page.evaluate(  # type: ignore[attr-defined]
        "() => Promise.all(document.getAnimations()"
        " .filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)"
        " .map((animation) => animation.finished.catch(() => null)))"
    )
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One paragraph per violated rule: impact, rule, what it asks, then each offending element."""
    lines: list[str] = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {' '.join(node.get('html', '').split())[:200]}")
            if node.get("failureSummary"):
                lines.extend(f"      {line.strip()}" for line in node["failureSummary"].splitlines() if line.strip())
    return "\n".join(lines)


def assert_accessible(page: object, name: str | None = None) -> None:
    """Fails when axe-core finds a serious or critical accessibility violation on the page, listing each
    rule and element; `name` says which screen (the page's URL otherwise)."""
    violations = accessibility_violations(page)
    if violations:
        where = name or page.url  # type: ignore[attr-defined]
        pytest.fail(f"accessibility violations on {where}:\n{describe_violations(violations)}", pytrace=False)


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def new_owner(firestore_db: Any, workspace_id: str, team_name: str) -> tuple[str, str]:
    """A fresh user owning a new workspace where everyone who writes in becomes a contact and the first
    sync fills the CRM without a preview; returns (uid, email)."""
    from shared.workspaces import create_workspace

    uid, email = f"u-{uuid.uuid4().hex[:8]}", f"owner.{uuid.uuid4().hex[:6]}@lumenway.io"
    create_workspace(workspace_id, name=team_name, owner_uid=uid, owner_email=email)
    firestore_db.document("workspaces", workspace_id).update(
        {"settings": {"contactCreation": "sent_and_received", "requirePreview": False}}
    )
    return uid, email


def team_user(stack: LocalStack, workspace_id: str, role: Any, name: str, team_name: str = "Team") -> Any:
    """A user of the workspace with `role` (the owner creates it), with an ID token for the API."""
    from shared.principals import Role
    from shared.workspaces import add_member, create_workspace
    from tests.integration.api import User
    from tests.support import id_token_for

    uid, email = f"u-{uuid.uuid4().hex[:8]}", f"{name}.{uuid.uuid4().hex[:6]}@lumenway.io"
    if role is Role.OWNER:
        create_workspace(workspace_id, name=team_name, owner_uid=uid, owner_email=email)
    else:
        add_member(workspace_id, uid=uid, email=email, role=role, display_name=name.title())
    return User(uid, email, id_token_for(f"http://127.0.0.1:{stack.ports.auth}", uid, email))
