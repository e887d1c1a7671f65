"""Pub/Sub (contacts-to-enrich) → signature, domain and AI enrichment of each contact named."""

from __future__ import annotations

import functools

import functions_framework
from cloudevents.http.event import CloudEvent

from shared.enrichment.requests import decode_enrichment_request
from shared.enrichment.service import EnrichmentService
from shared.errors import InvalidInput, NotFound, RetryLater
from shared.gmail.events import pubsub_data
from shared.log import get_logger

log = get_logger("enrich_contacts")


@functools.cache
def _service() -> EnrichmentService:
    return EnrichmentService()


@functions_framework.cloud_event
def enrich_contacts(event: CloudEvent) -> None:
    message = (event.data or {}).get("message") or {}
    try:
        request = decode_enrichment_request(pubsub_data(message.get("data")))
    except InvalidInput as error:
        log.warning("dropped a malformed enrichment request", extra={"reason": error.message})
        return
    postponed: RetryLater | None = None
    for contact_id in request.contact_ids:
        try:
            _service().enrich_contact(request.workspace_id, contact_id)
        except NotFound:
            continue  # merged or deleted since: nothing to enrich
        except RetryLater as error:
            postponed = error  # the others are done; a redelivery skips them as unchanged
    if postponed is not None:
        raise postponed
