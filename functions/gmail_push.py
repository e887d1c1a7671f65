"""Gmail push: Pub/Sub (topic gmail-notifications) → a sync task for the mailbox."""

from __future__ import annotations

import functools

import functions_framework
from cloudevents.http.event import CloudEvent

from shared.errors import InvalidInput
from shared.gmail.notifications import decode_notification
from shared.gmail.sync import NotificationOutcome, SyncService
from shared.log import get_logger
from shared.messaging.pubsub import pubsub_data

log = get_logger("gmail_push")


@functools.cache
def _sync() -> SyncService:
    return SyncService()


@functions_framework.cloud_event
def gmail_push(event: CloudEvent) -> None:
    message = (event.data or {}).get("message") or {}
    try:
        notification = decode_notification(pubsub_data(message.get("data")))
    except InvalidInput as error:
        # Acknowledged, not retried: a malformed notification never becomes valid. Gmail's next
        # notification (or the periodic catch-up) covers whatever change it announced.
        log.warning(
            "dropped a malformed Gmail notification",
            extra={"reason": error.message, "pubsubId": message.get("messageId")},
        )
        return
    outcome = _sync().on_notification(notification)
    if outcome is NotificationOutcome.UNKNOWN_MAILBOX:
        log.warning(
            "notification for a mailbox Rapport does not know", extra={"emailAddress": notification.email_address}
        )
    else:
        log.info("notification", extra={"outcome": outcome.value, "historyId": notification.history_id})
