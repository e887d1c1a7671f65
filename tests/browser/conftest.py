"""Browser tests: Playwright (from PyPI) driving Debian's chromium against the web app on the local stack."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

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


@pytest.fixture
def new_page(browser: object) -> Iterator[Callable[[], object]]:
    """Pages in their own browser contexts (separate sign-ins), closed after the test."""
    contexts: list[object] = []

    def open_page() -> object:
        context = browser.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
