"""Pub/Sub (contacts-to-enrich, its own subscription) → relationship stats of the contacts ingestion touched."""

from __future__ import annotations

import functools

from functions._lib.handlers import pubsub_handler
from shared.crm.relationships import RelationshipStats
from shared.enrichment.touched import EnrichmentRequest, decode_enrichment_request
from shared.log import get_logger

log = get_logger("refresh_relationships")


@functools.cache
def _service() -> RelationshipStats:
    return RelationshipStats()


@pubsub_handler(decode_enrichment_request, describes="contacts message")
def refresh_relationships(request: EnrichmentRequest) -> None:
    # Recomputing from interactions is idempotent: a redelivery writes the same stats again.
    report = _service().refresh_contacts(request.workspace_id, contact_ids=request.contact_ids)
    log.info("relationships refreshed", extra={"workspaceId": request.workspace_id, **report.summary()})
