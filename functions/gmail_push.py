"""Gmail push: Pub/Sub (topic gmail-notifications) → a sync task for the mailbox."""

from __future__ import annotations

import functools

from functions._lib.handlers import pubsub_handler
from shared.gmail.notifications import GmailNotification, decode_notification
from shared.gmail.sync import NotificationOutcome, SyncService
from shared.log import get_logger

log = get_logger("gmail_push")


@functools.cache
def _sync() -> SyncService:
    return SyncService()


# A malformed notification is dropped: Gmail's next one (or the periodic catch-up) covers its change.
@pubsub_handler(decode_notification, describes="Gmail notification")
def gmail_push(notification: GmailNotification) -> None:
    outcome = _sync().on_notification(notification)
    if outcome is NotificationOutcome.UNKNOWN_MAILBOX:
        log.warning(
            "notification for a mailbox Rapport does not know", extra={"emailAddress": notification.email_address}
        )
    else:
        log.info("notification", extra={"outcome": outcome.value, "historyId": notification.history_id})
