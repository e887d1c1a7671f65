"""Push channels (events.watch): one live channel per connected calendar, each with its own secret token,
which Google echoes in X-Goog-Channel-Token and Rapport keeps only as a SHA-256 (decision 37). Channels
are renewed before they expire by the daily watch renewal, and stopped when the mailbox is disconnected."""

from __future__ import annotations

import contextlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from googleapiclient.errors import HttpError

from shared.calendar.api import CalendarAccessLost, PrimaryCalendar
from shared.calendar.state import CalendarStore, ChannelRecord, PushVerdict
from shared.errors import DomainError, MailboxDisconnected
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.log import get_logger
from shared.settings import get_settings

log = get_logger("calendar.channels")
CHANNEL_TTL = timedelta(days=7)
# The renewal runs daily: a channel with less than this left is replaced on the run before it lapses.
RENEW_WITHIN = timedelta(days=2)
PUSH_FUNCTION = "calendar-push"


def push_address() -> str:
    return get_settings().function_url(PUSH_FUNCTION)


def ensure_channel(ref: MailboxRef, calendar: PrimaryCalendar, *, store: CalendarStore, now: datetime) -> None:
    """Opens a channel when the calendar has none, or one that lapses within RENEW_WITHIN."""
    current = store.current_channel(ref)
    if current is None or current.expiration < now + RENEW_WITHIN:
        open_channel(ref, calendar, store=store, previous=current)


def open_channel(
    ref: MailboxRef, calendar: PrimaryCalendar, *, store: CalendarStore, previous: ChannelRecord | None
) -> ChannelRecord:
    """A new channel, then the previous one stopped: for a moment both push, and duplicates collapse."""
    channel_id, token = uuid.uuid4().hex, secrets.token_urlsafe(32)
    # Google's first message (state "sync") may arrive before this is stored: it announces no change.
    opened = calendar.watch(
        channel_id=channel_id,
        token=token,
        address=push_address(),
        ttl_seconds=int(CHANNEL_TTL.total_seconds()),
    )
    record = ChannelRecord(channel_id, opened.resource_id, datetime.fromtimestamp(opened.expiration_ms / 1000, UTC))
    store.save_channel(ref, record, token)
    if previous is not None:
        _stop(calendar, store, previous)
    log.info("calendar channel opened", extra={"mailboxId": ref.mailbox_id, "channelId": channel_id})
    return record


def _stop(calendar: PrimaryCalendar, store: CalendarStore, channel: ChannelRecord) -> None:
    # Best effort at Google: a channel left running lapses by itself, and its pushes no longer verify.
    with contextlib.suppress(DomainError, CalendarAccessLost, HttpError):
        calendar.stop(channel_id=channel.channel_id, resource_id=channel.resource_id)
    store.drop_channel(channel.channel_id)


def stop_calendar(ref: MailboxRef, refresh_token: str | None, *, store: CalendarStore | None = None) -> None:
    """The mailbox is being disconnected: its channel is stopped at Google (while its grant still works)
    and its calendar state forgotten. Its meetings stay, as its mail does, unless its data is deleted."""
    store = store or CalendarStore()
    channel = store.current_channel(ref)
    if channel is not None:
        if refresh_token:
            _stop(PrimaryCalendar.for_refresh_token(refresh_token), store, channel)
        else:
            store.drop_channel(channel.channel_id)
    if store.status(ref) is not None or store.sync_state(ref):
        store.forget(ref)


@dataclass
class ChannelRenewal:
    renewed: int = 0
    disconnected: int = 0
    failed: int = 0


def renew_channels(
    *, store: CalendarStore | None = None, mailboxes: MailboxStore | None = None, now: datetime | None = None
) -> ChannelRenewal:
    """Daily, with the Gmail watch renewal: replaces every channel that would lapse before the next run."""
    store, mailboxes = store or CalendarStore(), mailboxes or MailboxStore()
    moment = now or datetime.now(UTC)
    report = ChannelRenewal()
    for ref in store.channels_expiring_before(moment + RENEW_WITHIN):
        try:
            calendar = PrimaryCalendar.for_refresh_token(mailboxes.refresh_token(ref))
            open_channel(ref, calendar, store=store, previous=store.current_channel(ref))
            report.renewed += 1
        except (CalendarAccessLost, MailboxDisconnected) as error:
            store.mark_disconnected(ref, f"Google refused access to the calendar: {error}")
            report.disconnected += 1
        except DomainError as error:
            log.warning(
                "calendar channel renewal failed; tomorrow's run retries",
                extra={"mailboxId": ref.mailbox_id, "error": error.message},
            )
            report.failed += 1
    return report


@dataclass(frozen=True)
class Push:
    """A notification's headers as Google sends them."""

    channel_id: str
    token: str | None
    resource_id: str
    resource_state: str
    message_number: int


def accept_push(push: Push, *, store: CalendarStore | None = None) -> tuple[PushVerdict, MailboxRef | None]:
    """Verifies the channel's token and counts the message once; the caller queues a sync on SYNC."""
    return (store or CalendarStore()).judge_push(
        channel_id=push.channel_id,
        token=push.token,
        resource_id=push.resource_id,
        state=push.resource_state,
        message_number=push.message_number,
    )
