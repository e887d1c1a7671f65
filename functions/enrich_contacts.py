"""Pub/Sub (contacts-to-enrich) → signature, domain and AI enrichment of each contact named."""

from __future__ import annotations

import functools

from functions._lib.handlers import pubsub_handler
from shared.enrichment.service import EnrichmentService
from shared.enrichment.touched import EnrichmentRequest, decode_enrichment_request


@functools.cache
def _service() -> EnrichmentService:
    return EnrichmentService()


@pubsub_handler(decode_enrichment_request, describes="enrichment request")
def enrich_contacts(request: EnrichmentRequest) -> None:
    _service().enrich_request(request.workspace_id, request.contact_ids)
