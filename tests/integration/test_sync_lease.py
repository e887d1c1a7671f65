"""The sync lease on the emulators: a listing longer than the lease keeps it, and a second worker
meanwhile finds the mailbox busy instead of listing it too."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from shared.gmail.api import GmailMailbox
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.gmail.sync import SyncOutcome, SyncService, gmail_for
from shared.settings import get_settings
from tests.support import connected_without_watch

pytestmark = pytest.mark.integration

LEASE_SECONDS = 2
SLOW_PAGES = 4  # a second each: the listing takes twice the lease


class SlowListing:
    """The real Gmail client, whose full listing keeps turning up (empty) pages for a while."""

    def __init__(self, gmail: GmailMailbox, listings: list[str]) -> None:
        self._gmail, self._listings = gmail, listings

    def __getattr__(self, name: str) -> object:
        return getattr(self._gmail, name)

    def message_id_pages(self, query: str) -> Iterator[list[str]]:
        self._listings.append(threading.current_thread().name)
        yield from self._gmail.message_id_pages(query)
        for _ in range(SLOW_PAGES):
            time.sleep(1.0)
            yield []


def test_a_listing_longer_than_the_lease_keeps_it_and_no_second_worker_lists(stack, firestore_db, workspace_id):
    owner = f"owner.{uuid.uuid4().hex[:8]}@lumenway.io"
    ref = connected_without_watch(stack.gmail_url, workspace_id, owner)
    store = MailboxStore()
    listings: list[str] = []

    def worker() -> SyncService:
        def open_gmail(store: MailboxStore, ref: MailboxRef) -> GmailMailbox:
            return SlowListing(gmail_for(store, ref), listings)  # type: ignore[return-value]

        settings = get_settings().model_copy(update={"sync_lease_seconds": LEASE_SECONDS})
        return SyncService(
            store=store, settings=settings, open_gmail=open_gmail, publish=lambda batch: None, enqueue=_no_tasks
        )

    outcomes: dict[str, SyncOutcome] = {}
    first = threading.Thread(target=lambda: outcomes.update(first=worker().sync(ref)), name="first")
    first.start()
    time.sleep(LEASE_SECONDS + 1.0)  # the first worker is still listing, past its lease's first expiry
    outcomes["second"] = worker().sync(ref)
    first.join(timeout=60)

    assert outcomes == {"first": SyncOutcome.SYNCED, "second": SyncOutcome.BUSY}
    assert listings == ["first"]
    mailbox = store.get(ref)
    assert "lease" not in mailbox
    assert mailbox["historyId"]


def _no_tasks(*_: object, **__: object) -> str:
    return "task"
