"""Fetched mail (Pub/Sub topic mail-fetched) → interactions, contacts and companies in Firestore."""

from __future__ import annotations

import functools

import functions_framework
from cloudevents.http.event import CloudEvent

from shared.crm.ingest import Ingestor
from shared.deadletters import record_dead_letter
from shared.errors import InvalidInput
from shared.log import get_logger
from shared.messaging.pubsub import pubsub_data
from shared.pipeline.fetched import decode_batch

log = get_logger("extract_messages")


@functools.cache
def _ingestor() -> Ingestor:
    return Ingestor()


@functions_framework.cloud_event
def extract_messages(event: CloudEvent) -> None:
    message = (event.data or {}).get("message") or {}
    try:
        batch = decode_batch(pubsub_data(message.get("data")))
    except InvalidInput as error:
        # Kept for a person to look at, then acknowledged: retrying bad input never helps.
        raw = str(message.get("data") or "").encode()
        letter = record_dead_letter(source="mail-fetched", reason=error.message, payload=raw)
        log.warning("unreadable fetched-mail batch kept as a dead letter", extra={"deadLetterId": letter})
        return
    _ingestor().ingest_batch(batch)
