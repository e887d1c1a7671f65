"""Test tiers: unit tests need nothing; integration tests get the real emulators, started once per session.

A missing emulator fails the integration tests with the install hint; it never skips them.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.stack import PROJECT_ID, LocalStack
from tests.session_stack import SESSION_STACK, tier_rank

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Unit tests first, then end-to-end, integration and browser tests (each tier in its own order): the
    stack the later tiers share starts while the unit tests run (tests/session_stack.py)."""
    items.sort(key=tier_rank)
    _give_each_test_its_own_node_id(items)


def _give_each_test_its_own_node_id(items: list[pytest.Item]) -> None:
    """schemathesis gives every operation's test the function's node id, told apart only by its name
    ("...[GET /contacts]"); pytest-xdist knows tests by node id, and would run one of them and drop the
    rest without a word. Each such test takes its name into its id; any id still shared stops the run."""
    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and item.parent is not None and not item.nodeid.endswith(f"::{item.name}"):
            item._id = item.parent.id.child(item.name)  # type: ignore[attr-defined]  # as pytest names any other item
    shared = [node_id for node_id, count in Counter(item.nodeid for item in items).items() if count > 1]
    if shared:
        raise pytest.UsageError(f"tests share a node id, so a worker would run only one of each: {shared[:5]}")


def pytest_collection_finish(session: pytest.Session) -> None:
    if not session.config.option.collectonly:
        SESSION_STACK.launch_for(session.items)


def pytest_sessionfinish(session: pytest.Session) -> None:
    SESSION_STACK.stop()


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    """Firestore, Pub/Sub and Cloud Tasks emulators, local Gmail and every function, for the whole session.
    Their logs stay in test-artifacts/ for a failed run to be read."""
    local = SESSION_STACK.take()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture
def firestore_db(stack: LocalStack) -> object:
    """Starts each test from an empty database."""
    wipe_firestore(stack)
    from shared.clients import firestore_client

    return firestore_client()


def wipe_firestore(stack: LocalStack, attempts: int = 50) -> None:
    """The emulator refuses (409) while a transaction is open; an earlier test's pipeline may still be
    finishing one, so try again briefly. On a busy machine a wipe can also outlast one request's
    timeout (the emulator still finishes it), so a timed-out wipe is tried again too."""
    url = f"{stack.firestore_url}/emulator/v1/projects/{PROJECT_ID}/databases/(default)/documents"
    for attempt in range(attempts):
        try:
            urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=10).close()
            return
        except urllib.error.HTTPError as error:
            if error.code != 409 or attempt == attempts - 1:
                raise
        except TimeoutError:
            if attempt == attempts - 1:
                raise
        time.sleep(0.2)


@pytest.fixture
def workspace_id() -> str:
    """A fresh workspace per test, so late deliveries from an earlier test can never count here."""
    return f"ws-{uuid.uuid4().hex[:10]}"
