"""Gmail sync: from a push notification to fetched mail handed on to extraction, exactly once in effect.

- A notification is collapsed against the cursor and any sync already queued, then becomes a task.
- A sync pass holds the mailbox's lease, renewed while it works (a long listing keeps it); notifications
  during the pass make the holder run again.
- Incremental passes read history from the cursor; an expired cursor (404) falls back to a full sync.
- The cursor advances only after every message it covers was published to the durable topic.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.crm.followup import WAIT_SECONDS, follow_up_task
from shared.crm.ingest import Ingestor
from shared.crm.preview import preview_progressed
from shared.errors import MailboxDisconnected, NotFound
from shared.gmail.api import GmailMailbox, HistoryExpired
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.gmail.notifications import GmailNotification
from shared.gmail.quota import QuotaSchedule
from shared.log import get_logger
from shared.messaging import pubsub, tasks
from shared.pipeline.fetched import FetchedBatch, FetchedMessage, batches_for
from shared.settings import Settings, get_settings

log = get_logger("sync")
SYNC_QUEUE = "mailbox_sync"
FETCH_QUEUE = "mailbox_fetch"
MESSAGE_GET_UNITS = 5  # Gmail's quota cost of one messages.get, inside a batch or not
# An incremental pass this small (one Gmail batch) stores its mail itself instead of handing it to
# Pub/Sub: new mail reaches the CRM a hop sooner (decision 10). Larger passes fan out as before.
INLINE_INGEST_MAX = 50

# Gmail search terms that leave a system label or category out of a full sync.
LABEL_QUERY_TERMS = {
    "SPAM": "-in:spam",
    "TRASH": "-in:trash",
    "DRAFT": "-in:drafts",
    "CHAT": "-in:chats",
    "CATEGORY_PROMOTIONS": "-category:promotions",
    "CATEGORY_SOCIAL": "-category:social",
    "CATEGORY_FORUMS": "-category:forums",
    "CATEGORY_UPDATES": "-category:updates",
}


class SyncRequest(BaseModel):
    """The body of a sync task."""

    model_config = ConfigDict(populate_by_name=True)
    workspace_id: str = Field(alias="workspaceId", min_length=1)
    mailbox_id: str = Field(alias="mailboxId", min_length=1)

    @property
    def ref(self) -> MailboxRef:
        return MailboxRef(self.workspace_id, self.mailbox_id)


class FetchRequest(BaseModel):
    """The body of a backfill fetch task: one chunk of a full sync's message ids."""

    model_config = ConfigDict(populate_by_name=True)
    workspace_id: str = Field(alias="workspaceId", min_length=1)
    mailbox_id: str = Field(alias="mailboxId", min_length=1)
    sync_run_id: str = Field(alias="syncRunId", min_length=1)
    owner_email: str = Field(alias="ownerEmail", min_length=3)
    chunk: int = Field(ge=0)
    message_ids: list[str] = Field(alias="messageIds", max_length=1000)

    @property
    def ref(self) -> MailboxRef:
        return MailboxRef(self.workspace_id, self.mailbox_id)


class NotificationOutcome(StrEnum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"
    UNKNOWN_MAILBOX = "unknown_mailbox"


class SyncOutcome(StrEnum):
    SYNCED = "synced"
    BUSY = "busy"
    DISCONNECTED = "disconnected"
    GONE = "gone"  # the mailbox was deleted (purged, or its workspace removed) while its task waited


def full_sync_query(excluded_labels: Sequence[str]) -> str:
    return " ".join(LABEL_QUERY_TERMS[label] for label in excluded_labels if label in LABEL_QUERY_TERMS)


def publish_batch(batch: FetchedBatch) -> None:
    """Publishes and waits for Pub/Sub's acknowledgement: after this the mail is durable."""
    pubsub.publish("mail_fetched", [batch.encode()])


def gmail_for(store: MailboxStore, ref: MailboxRef) -> GmailMailbox:
    return GmailMailbox.for_refresh_token(store.refresh_token(ref))


class SyncService:
    def __init__(
        self,
        *,
        store: MailboxStore | None = None,
        settings: Settings | None = None,
        open_gmail: Callable[[MailboxStore, MailboxRef], GmailMailbox] = gmail_for,
        publish: Callable[[FetchedBatch], None] = publish_batch,
        ingest: Callable[[FetchedBatch], object] | None = None,
        enqueue: Callable[..., str] = tasks.enqueue,
    ) -> None:
        self._store = store or MailboxStore()
        self._settings = settings or get_settings()
        self._open_gmail = open_gmail
        self._publish = publish
        self._ingest = ingest
        self._enqueue = enqueue
        self._excluded = frozenset(self._settings.sync_excluded_labels)

    # -- notifications ---------------------------------------------------------------------------
    def on_notification(self, notification: GmailNotification) -> NotificationOutcome:
        """Every workspace that connected the address syncs it: the notification names only the address."""
        refs = self._store.mailboxes_for_address(notification.email_address)
        outcomes = [self._notify(ref, notification) for ref in refs]
        for outcome in (NotificationOutcome.QUEUED, NotificationOutcome.DUPLICATE):
            if outcome in outcomes:
                return outcome
        return NotificationOutcome.UNKNOWN_MAILBOX

    def _notify(self, ref: MailboxRef, notification: GmailNotification) -> NotificationOutcome:
        window = timedelta(seconds=self._settings.sync_lease_seconds)
        try:
            needed = self._store.claim_notification(ref, notification.history_id, window=window)
        except NotFound:
            return NotificationOutcome.UNKNOWN_MAILBOX
        if not needed:
            return NotificationOutcome.DUPLICATE
        self.request_sync(ref)
        # Marked only after the task exists: if enqueueing fails, the redelivered notification retries it.
        self._store.mark_sync_queued(ref, notification.history_id)
        return NotificationOutcome.QUEUED

    def request_sync(self, ref: MailboxRef) -> None:
        self._enqueue(SYNC_QUEUE, {"workspaceId": ref.workspace_id, "mailboxId": ref.mailbox_id})

    def _enqueue_fetch(self, payload: dict[str, object], delay_seconds: float) -> None:
        self._enqueue(FETCH_QUEUE, payload, delay_seconds=delay_seconds)

    # -- sync ------------------------------------------------------------------------------------
    def sync(self, ref: MailboxRef) -> SyncOutcome:
        """One sync task. A task for a mailbox that no longer exists is done, not failed: retrying it
        could never succeed, and Cloud Tasks would keep at it for days."""
        try:
            return self._sync_holding_lease(ref)
        except Exception:
            if self._store.exists(ref):
                raise
            log.warning("sync task for a mailbox that no longer exists", extra={"mailboxId": ref.mailbox_id})
            return SyncOutcome.GONE

    def _sync_holding_lease(self, ref: MailboxRef) -> SyncOutcome:
        holder = uuid.uuid4().hex
        seconds = self._settings.sync_lease_seconds
        if not self._store.acquire_lease(ref, holder, seconds=seconds):
            return SyncOutcome.BUSY
        try:
            with LeaseKeeper(self._store, ref, holder, seconds=seconds) as lease:
                while True:
                    self._sync_pass(ref, lease)
                    if not self._store.release_or_continue(ref, holder):
                        return SyncOutcome.SYNCED
        except LeaseLost:
            log.warning("sync lease lost mid-pass; its new holder syncs", extra={"mailboxId": ref.mailbox_id})
            return SyncOutcome.BUSY
        except MailboxDisconnected as error:
            log.warning("mailbox disconnected", extra={"mailboxId": ref.mailbox_id, "reason": error.message})
            self._store.mark_disconnected(ref, error.message)
            return SyncOutcome.DISCONNECTED
        except Exception as error:
            self._store.release_lease(ref, holder)
            self._store.update_sync(ref, stage="retrying", lastError=_plain_words(error))
            raise

    def _sync_pass(self, ref: MailboxRef, lease: LeaseKeeper) -> None:
        mailbox = self._store.get(ref)
        if mailbox.get("status") != "connected":
            return
        gmail = self._open_gmail(self._store, ref)
        cursor = int(mailbox.get("historyId") or 0)
        if cursor:
            try:
                self._incremental(ref, mailbox["email"], gmail, cursor, lease)
                return
            except HistoryExpired:
                log.info("history expired; running a full sync", extra={"mailboxId": ref.mailbox_id, "cursor": cursor})
                self._store.reset_cursor(ref)
        self._full(ref, mailbox["email"], gmail, lease)

    def _full(self, ref: MailboxRef, owner_email: str, gmail: GmailMailbox, lease: LeaseKeeper) -> None:
        """Lists the mailbox and fans the ids out as fetch tasks. The cursor moves to the profile's
        historyId right away: the ids are durable in Cloud Tasks, and new mail flows while old mail fills."""
        # Taken before listing: whatever arrives meanwhile shows up in history after it (and a
        # message met by both passes is dropped by ingestion).
        _, start_history_id = gmail.profile()
        run_id = self._store.start_run(ref, kind="full")
        self._store.update_sync(ref, stage="listing", lastError=None)
        message_ids: list[str] = []
        for page in gmail.message_id_pages(self.backfill_query()):
            lease.check()  # a worker that lost the lease stops listing: its new holder lists
            message_ids.extend(page)
            self._store.count_sync(ref, listed=len(page))
        lease.check()
        chunk_size = self._settings.backfill_chunk_size
        chunks = [message_ids[i : i + chunk_size] for i in range(0, len(message_ids), chunk_size)]
        spacing = self._quota_seconds(chunk_size)
        for number, chunk in enumerate(chunks):
            request = FetchRequest(
                workspaceId=ref.workspace_id,
                mailboxId=ref.mailbox_id,
                syncRunId=run_id,
                ownerEmail=owner_email,
                chunk=number,
                messageIds=chunk,
            )
            # Spaced so that one mailbox's chunks stay under Gmail's per-user quota even when they run at once.
            self._enqueue_fetch(request.model_dump(by_alias=True), number * spacing)
        self._store.plan_backfill(ref, run_id, chunks=len(chunks), listed=len(message_ids))
        self._store.advance_cursor(ref, start_history_id, lastSuccessAt=datetime.now(UTC))

    def backfill_query(self) -> str:
        """The Gmail search a full sync lists: the excluded labels out, and only the backfill window."""
        terms = [full_sync_query(self._settings.sync_excluded_labels)]
        if self._settings.backfill_days:
            since = datetime.now(UTC) - timedelta(days=self._settings.backfill_days)
            terms.append(f"after:{since:%Y/%m/%d}")
        return " ".join(term for term in terms if term)

    def _quota_seconds(self, messages: int) -> float:
        rate = self._settings.gmail_units_per_second
        return messages * MESSAGE_GET_UNITS / rate if rate else 0.0

    def _incremental(
        self, ref: MailboxRef, owner_email: str, gmail: GmailMailbox, cursor: int, lease: LeaseKeeper
    ) -> None:
        message_ids, latest = gmail.added_since(cursor, self._excluded)
        lease.check()
        if message_ids:
            run_id = self._store.start_run(ref, kind="incremental")
            self._store.count_sync(ref, listed=len(message_ids))
            hand_over = self._store_inline if len(message_ids) <= INLINE_INGEST_MAX else self._publish
            fetched = self._fetch_and_publish(ref, owner_email, run_id, gmail, message_ids, hand_over=hand_over)
            self._store.finish_run(ref, run_id, listed=len(message_ids), fetched=fetched)
        self._store.advance_cursor(ref, latest, lastSuccessAt=datetime.now(UTC))

    # -- backfill chunks -------------------------------------------------------------------------
    def fetch_chunk(self, request: FetchRequest) -> int:
        """One fan-out task of a full sync: fetch, publish, then count the chunk once. Like a sync
        task, a chunk whose mailbox was deleted meanwhile is done, with nothing fetched."""
        try:
            return self._fetch_chunk(request)
        except Exception:
            if self._store.exists(request.ref):
                raise
            log.warning("fetch task for a mailbox that no longer exists", extra={"mailboxId": request.mailbox_id})
            return 0

    def _fetch_chunk(self, request: FetchRequest) -> int:
        ref = request.ref
        if self._store.get(ref).get("status") != "connected":
            return 0  # disconnected mid-backfill: reconnecting lists the mailbox afresh
        try:
            gmail = self._open_gmail(self._store, ref)
            fetched = self._fetch_and_publish(
                ref, request.owner_email, request.sync_run_id, gmail, request.message_ids, backfill=True
            )
        except MailboxDisconnected as error:
            # Not retried: the grant is gone until the user reconnects, and no retry brings it back.
            log.warning("mailbox disconnected", extra={"mailboxId": ref.mailbox_id, "reason": error.message})
            self._store.mark_disconnected(ref, error.message)
            return 0
        if self._store.complete_chunk(ref, request.sync_run_id, request.chunk, fetched=fetched):
            # Its mail may still be on its way to ingestion: the follow-up waits for it (decision 11).
            follow_up = follow_up_task(ref.workspace_id, mailbox_id=ref.mailbox_id, run_id=request.sync_run_id)
            self._enqueue(tasks.MAINTENANCE_QUEUE, follow_up, delay_seconds=WAIT_SECONDS)
        # The last chunk may finish after its mail was ingested: a staged first sync's preview is ready then.
        preview_progressed(ref.workspace_id, mailbox_id=ref.mailbox_id)
        return fetched

    def _store_inline(self, batch: FetchedBatch) -> None:
        if self._ingest is None:  # built on first use: most sync passes hand everything to Pub/Sub
            self._ingest = Ingestor().ingest_batch
        self._ingest(batch)

    def _fetch_and_publish(
        self,
        ref: MailboxRef,
        owner_email: str,
        run_id: str,
        gmail: GmailMailbox,
        message_ids: Sequence[str],
        *,
        hand_over: Callable[[FetchedBatch], object] | None = None,
        backfill: bool = False,
    ) -> int:
        """Fetches in HTTP batches, a few at once, then publishes the lot in as few Pub/Sub messages as
        it fits: each one ingestion handles aggregates more mail per Firestore write (decision 9).
        `hand_over` replaces publishing (a small pass stores its mail itself). Returns how many
        messages were handed over."""
        hand_over = hand_over or self._publish
        fetched = [m for m in self._fetch_all(ref, gmail, message_ids) if self._wanted(m)]
        for batch in batches_for(
            fetched,
            workspace_id=ref.workspace_id,
            mailbox_id=ref.mailbox_id,
            owner_email=owner_email,
            sync_run_id=run_id,
            backfill=backfill,
        ):
            hand_over(batch)
        return len(fetched)

    def _fetch_all(self, ref: MailboxRef, gmail: GmailMailbox, message_ids: Sequence[str]) -> list[FetchedMessage]:
        size = self._settings.gmail_batch_size
        batches = [message_ids[i : i + size] for i in range(0, len(message_ids), size)]
        quota = QuotaSchedule(ref, self._settings.gmail_units_per_second)

        def fetch_with(client: GmailMailbox, ids: Sequence[str]) -> list[FetchedMessage]:
            quota.spend(len(ids) * MESSAGE_GET_UNITS)
            return client.fetch_raw(ids)

        # Under a quota schedule one batch goes out at a time: parallel requests would reach Gmail
        # closer together than they were booked. Unpaced, several batches stay in flight.
        concurrency = 1 if self._settings.gmail_units_per_second else self._settings.gmail_fetch_concurrency
        workers = min(concurrency, len(batches))
        if workers <= 1:
            return [message for batch in batches for message in fetch_with(gmail, batch)]
        per_thread = threading.local()

        def fetch(ids: Sequence[str]) -> list[FetchedMessage]:
            # The Gmail client's HTTP transport is not thread-safe: each worker thread opens its own.
            if not hasattr(per_thread, "gmail"):
                per_thread.gmail = self._open_gmail(self._store, ref)
            return fetch_with(per_thread.gmail, ids)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gmail-fetch") as pool:
            return [message for batch in pool.map(fetch, batches) for message in batch]

    def _wanted(self, message: FetchedMessage) -> bool:
        return not self._excluded.intersection(message.label_ids)


class LeaseLost(Exception):
    """The lease lapsed while its holder worked and another worker took it."""


class LeaseKeeper:
    """Renews a sync lease every third of its length while its holder works, so a listing longer than
    the lease keeps it and a second worker finds the mailbox busy. `check()` stops a holder whose
    renewal found the lease gone (it stalled past the lease, and another worker took over)."""

    def __init__(self, store: MailboxStore, ref: MailboxRef, holder: str, *, seconds: int) -> None:
        self._store, self._ref, self._holder, self._seconds = store, ref, holder, seconds
        self._stopped = threading.Event()
        self._lost = threading.Event()
        self._thread = threading.Thread(target=self._renew_until_stopped, name="sync-lease", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped.set()
        self._thread.join()

    def check(self) -> None:
        if self._lost.is_set():
            raise LeaseLost(self._ref.mailbox_id)

    def _renew_until_stopped(self) -> None:
        while not self._stopped.wait(self._seconds / 3):
            try:
                if not self._store.renew_lease(self._ref, self._holder, seconds=self._seconds):
                    self._lost.set()
                    return
            except Exception:  # a renewal that failed is tried again at the next beat, well before expiry
                log.warning("sync lease renewal failed", extra={"mailboxId": self._ref.mailbox_id}, exc_info=True)


def _plain_words(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return f"Sync failed and will be retried: {message}"
