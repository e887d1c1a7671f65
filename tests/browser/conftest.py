"""Browser tests: Playwright (from PyPI) driving Debian's chromium against the web app on the local stack."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devstack.stack import LocalStack
from tests.support import ARTIFACTS

CHROMIUM = "/usr/bin/chromium"
# Flags that keep headless Chromium off the network and quiet on this kind of machine.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Nothing leaves loopback: names other than the local ones resolve to nothing (the Firestore SDK
    # probes www.google.com when a stream errors).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
SCREENSHOTS = ARTIFACTS / "screenshots"


@pytest.fixture(scope="session")
def web_stack(stack: LocalStack) -> LocalStack:
    stack.enable_web()
    return stack


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
