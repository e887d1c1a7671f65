"""Pub/Sub (contacts-to-enrich, its own subscription) → embeddings of the workspace's new mail, for mail search.

Ingestion publishes that message once a batch of mail is stored; the pass resumes from the workspace's
cursor, so it embeds exactly what is new (or, the first time, the whole mailbox: the backfill). A pass
that stops at its deadline with mail left hands the rest to a Cloud Task (crm-maintenance `index_mail`).
"""

from __future__ import annotations

from functions._lib.handlers import pubsub_handler
from shared.enrichment.touched import EnrichmentRequest, decode_enrichment_request
from shared.log import get_logger
from shared.mailsearch.backfill import continue_index

log = get_logger("index_mail")


@pubsub_handler(decode_enrichment_request, describes="contacts message")
def index_mail(request: EnrichmentRequest) -> None:
    continue_index(request.workspace_id)
