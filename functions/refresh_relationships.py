"""Pub/Sub (contacts-to-enrich, its own subscription) → relationship stats of the contacts ingestion touched."""

from __future__ import annotations

import functools

import functions_framework
from cloudevents.http.event import CloudEvent

from shared.crm.relationships import RelationshipStats
from shared.enrichment.touched import decode_enrichment_request
from shared.errors import InvalidInput
from shared.log import get_logger
from shared.messaging.pubsub import pubsub_data

log = get_logger("refresh_relationships")


@functools.cache
def _service() -> RelationshipStats:
    return RelationshipStats()


@functions_framework.cloud_event
def refresh_relationships(event: CloudEvent) -> None:
    message = (event.data or {}).get("message") or {}
    try:
        request = decode_enrichment_request(pubsub_data(message.get("data")))
    except InvalidInput as error:
        log.warning("dropped a malformed contacts message", extra={"reason": error.message})
        return
    # Recomputing from interactions is idempotent: a redelivery writes the same stats again.
    report = _service().refresh_contacts(request.workspace_id, contact_ids=request.contact_ids)
    log.info("relationships refreshed", extra={"workspaceId": request.workspace_id, **report.summary()})
