"""The session's stack starts while the unit tests run.

The collected tests run tier by tier, unit tests first: they need no stack. As soon as the collection holds
a test that needs one, the stack's processes start in a thread (LocalStack.launch), so the emulators'
start-up overlaps the unit tests instead of holding up the first integration or browser test. The
end-to-end tests (each its own `./rapport up`) come next: with two workers (decision 41) the one long file
runs beside the integration tests rather than alone at the end. The `stack`
fixture then waits for that launch and points this process at the stack (environment, provisioning):
only the fixture does that, so no unit test ever sees the stack's environment half set.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from devstack.stack import LocalStack
from tests.support import ARTIFACTS

TESTS = Path(__file__).resolve().parent
TIERS = ("unit", "e2e", "integration", "browser")  # the order they run in
LAUNCH_WAIT_SECONDS = 300.0  # at the session's end, for a launch still under way before it is stopped


def tier_rank(item: pytest.Item) -> int:
    """Where an item's tier runs: unit tests first, then end-to-end, integration and browser tests."""
    try:
        tier = item.path.resolve().relative_to(TESTS).parts[0]
    except ValueError:
        return len(TIERS)
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


def _needs(items: list[pytest.Item], fixture: str) -> bool:
    return any(fixture in getattr(item, "fixturenames", ()) for item in items)


class SessionStack:
    """One stack per test process (each xdist worker has its own), launched early, handed over once."""

    def __init__(self) -> None:
        self._local: LocalStack | None = None
        self._launch: Future[None] | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stack-launch")

    def _new(self, *, web: bool) -> LocalStack:
        # Cloud Tasks retries with backoff for hours; the emulator retries every 0.1 s, so allow it many tries.
        return LocalStack(ARTIFACTS / f"stack-{os.getpid()}", with_web=web, task_max_retries=1000)

    def launch_for(self, items: list[pytest.Item]) -> None:
        """Starts the stack's processes in the background when any of `items` needs the stack."""
        if self._launch is not None or not _needs(items, "stack"):
            return
        self._local = self._new(web=_needs(items, "web_stack"))
        self._launch = self._pool.submit(self._local.launch)

    def take(self) -> LocalStack:
        """The running stack, this process pointed at it; launched here and now if it was not launched early."""
        if self._local is None or self._launch is None:
            self._local = self._new(web=False)
            self._launch = self._pool.submit(self._local.launch)
        self._launch.result()  # a StackError here names what is missing and fails every test that needs it
        return self._local.start()

    def stop(self) -> None:
        if self._launch is not None:
            with contextlib.suppress(TimeoutError):  # a launch under way finishes before it is stopped
                self._launch.exception(timeout=LAUNCH_WAIT_SECONDS)
        if self._local is not None:
            self._local.stop()
        self._pool.shutdown(wait=False)


SESSION_STACK = SessionStack()
