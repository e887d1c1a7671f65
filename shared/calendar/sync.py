"""Calendar sync: a first full sync bounded to a window, then incremental syncs from the stored sync token;
a token Google no longer honours (410) starts a full sync again. Each page of events goes to
shared/calendar/meetings.py as it arrives, so no sync holds a whole calendar (decision 37)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from shared.calendar.api import CalendarAccessLost, PrimaryCalendar, SyncTokenExpired
from shared.calendar.channels import ensure_channel
from shared.calendar.state import CalendarStatus, CalendarStore
from shared.errors import MailboxDisconnected
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.log import get_logger
from shared.messaging import tasks

log = get_logger("calendar.sync")
CALENDAR_SYNC_QUEUE = "calendar_sync"
# A first sync reads half a year back (what relationship strength still weighs) and a month ahead.
WINDOW_BACK = timedelta(days=180)
WINDOW_AHEAD = timedelta(days=30)


class ApplyEvents(Protocol):
    def __call__(
        self, workspace_id: str, mailbox_id: str, events: Sequence[Mapping[str, Any]], *, time_zone: str | None
    ) -> object: ...


CalendarFor = Callable[[str], PrimaryCalendar]


def _forget_meetings(workspace_id: str, mailbox_id: str, **listing: Any) -> object:
    """Meetings.forget_unlisted, loaded when a full sync has listed its window."""
    from shared.calendar.meetings import Meetings

    return Meetings().forget_unlisted(workspace_id, mailbox_id, **listing)


class CalendarSyncOutcome(StrEnum):
    FULL = "full"
    INCREMENTAL = "incremental"
    RESYNCED = "resynced"  # the sync token had expired: a full sync ran instead
    DISCONNECTED = "disconnected"
    NOT_CONNECTED = "not_connected"


class CalendarSyncRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: str = Field(alias="workspaceId", min_length=1, max_length=128)
    mailbox_id: str = Field(alias="mailboxId", min_length=1, max_length=128)

    @property
    def ref(self) -> MailboxRef:
        return MailboxRef(self.workspace_id, self.mailbox_id)


def _apply_meetings(
    workspace_id: str, mailbox_id: str, events: Sequence[Mapping[str, Any]], *, time_zone: str | None
) -> object:
    from shared.calendar.meetings import apply_calendar_events  # the meetings half, loaded when a page arrives

    return apply_calendar_events(workspace_id, mailbox_id, events, time_zone=time_zone)


def request_calendar_sync(ref: MailboxRef, *, enqueue: Callable[..., str] = tasks.enqueue) -> None:
    enqueue(CALENDAR_SYNC_QUEUE, {"workspaceId": ref.workspace_id, "mailboxId": ref.mailbox_id})


def connect_calendar(
    ref: MailboxRef, *, store: CalendarStore | None = None, enqueue: Callable[..., str] = tasks.enqueue
) -> None:
    """The mailbox's grant now covers its calendar: the first sync (which also opens the push channel) is queued."""
    (store or CalendarStore()).mark_connecting(ref)
    request_calendar_sync(ref, enqueue=enqueue)


class CalendarSync:
    def __init__(
        self,
        *,
        store: CalendarStore | None = None,
        mailboxes: MailboxStore | None = None,
        apply: ApplyEvents = _apply_meetings,
        calendar_for: CalendarFor = PrimaryCalendar.for_refresh_token,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        forget: Callable[..., object] = _forget_meetings,
    ) -> None:
        self._store = store or CalendarStore()
        self._mailboxes = mailboxes or MailboxStore()
        self._apply = apply
        self._calendar_for = calendar_for
        self._now = now
        self._forget = forget

    def sync(self, ref: MailboxRef) -> CalendarSyncOutcome:
        """One pass. Google's refusals end in a disconnected calendar (Gmail untouched); transient failures
        raise RetryLater for the task to be tried again, and a page applied twice changes nothing."""
        if self._store.status(ref) not in (CalendarStatus.CONNECTING, CalendarStatus.CONNECTED):
            return CalendarSyncOutcome.NOT_CONNECTED
        try:
            calendar = self._calendar_for(self._mailboxes.refresh_token(ref))
            outcome = self._pass(ref, calendar)
            ensure_channel(ref, calendar, store=self._store, now=self._now())
        except (CalendarAccessLost, MailboxDisconnected) as error:
            reason = getattr(error, "message", str(error))
            log.warning("calendar disconnected", extra={"mailboxId": ref.mailbox_id, "reason": reason})
            self._store.mark_disconnected(
                ref,
                f"Google refused access to the calendar: {reason}. "
                "Nothing synced so far is lost; connect the calendar again to resume.",
            )
            return CalendarSyncOutcome.DISCONNECTED
        return outcome

    def _pass(self, ref: MailboxRef, calendar: PrimaryCalendar) -> CalendarSyncOutcome:
        sync_token = self._store.sync_state(ref).get("syncToken")
        if sync_token:
            try:
                self._read(ref, calendar.pages(sync_token=sync_token), full=False)
                return CalendarSyncOutcome.INCREMENTAL
            except SyncTokenExpired:
                log.info("calendar sync token expired; full sync", extra={"mailboxId": ref.mailbox_id})
                self._store.drop_sync_token(ref)
                self._full(ref, calendar)
                return CalendarSyncOutcome.RESYNCED
        self._full(ref, calendar)
        return CalendarSyncOutcome.FULL

    def _full(self, ref: MailboxRef, calendar: PrimaryCalendar) -> None:
        """Every event in the window; then the meetings stored in it that the listing no longer holds (deleted
        so long ago that even their stubs are gone) are taken back."""
        listed_at, window = self._now(), self.window()
        listed = self._read(ref, calendar.pages(window=window), full=True)
        self._forget(ref.workspace_id, ref.mailbox_id, listed=listed, window=window, listed_at=listed_at)

    def window(self) -> tuple[datetime, datetime]:
        now = self._now()
        return now - WINDOW_BACK, now + WINDOW_AHEAD

    def _read(self, ref: MailboxRef, pages: Any, *, full: bool) -> set[str]:
        """Applies page after page; the new sync token is stored only after the last, so a pass cut short
        starts again from the old token and applies the same changes again (which changes nothing).
        Returns the ids of the events listed."""
        applied = 0
        listed: set[str] = set()
        for page in pages:
            listed.update(str(item.get("id")) for item in page.items if item.get("id"))
            if page.items:
                self._apply(ref.workspace_id, ref.mailbox_id, page.items, time_zone=page.time_zone)
                applied += len(page.items)
            if page.next_sync_token:
                self._store.save_sync_token(ref, page.next_sync_token)
        self._store.mark_synced(ref, events=applied, full=full)
        return listed
