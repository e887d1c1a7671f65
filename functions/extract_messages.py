"""Fetched mail (Pub/Sub topic mail-fetched) → interactions, contacts and companies in Firestore."""

from __future__ import annotations

import functools

from functions._lib.handlers import pubsub_handler
from shared.crm.ingest import Ingestor
from shared.pipeline.fetched import FetchedBatch, decode_batch


@functools.cache
def _ingestor() -> Ingestor:
    return Ingestor()


# An unreadable batch is kept as a dead letter for a person to look at: it holds mail no later message repeats.
@pubsub_handler(decode_batch, describes="fetched-mail batch", dead_letters_from="mail-fetched")
def extract_messages(batch: FetchedBatch) -> None:
    _ingestor().ingest_batch(batch)
