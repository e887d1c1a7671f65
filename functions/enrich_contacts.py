"""Pub/Sub (contacts-to-enrich) → signature, domain and AI enrichment of each contact named."""

from __future__ import annotations

import functools

import functions_framework
from cloudevents.http.event import CloudEvent

from shared.enrichment.service import EnrichmentService
from shared.enrichment.touched import decode_enrichment_request
from shared.errors import InvalidInput
from shared.log import get_logger
from shared.messaging.pubsub import pubsub_data

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
    _service().enrich_request(request.workspace_id, request.contact_ids)
