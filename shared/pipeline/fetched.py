"""Fetched mail as it travels from the fetcher to ingestion: one Pub/Sub message per batch."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from shared.errors import InvalidInput

MAX_BATCH_BYTES = 8 * 1024 * 1024  # Pub/Sub takes 10 MB per message; leave room for the envelope
HEADER_ONLY_LIMIT = 6 * 1024 * 1024  # a larger single message travels with its headers only


@dataclass(frozen=True)
class FetchedMessage:
    id: str
    thread_id: str
    label_ids: tuple[str, ...]
    history_id: int
    internal_date_ms: int
    raw: bytes


class FetchedItem(BaseModel):
    id: str
    thread_id: str
    label_ids: list[str]
    history_id: int
    internal_date_ms: int
    raw: str  # base64url of the RFC 822 bytes

    def to_message(self) -> FetchedMessage:
        return FetchedMessage(
            id=self.id,
            thread_id=self.thread_id,
            label_ids=tuple(self.label_ids),
            history_id=self.history_id,
            internal_date_ms=self.internal_date_ms,
            raw=base64.urlsafe_b64decode(self.raw),
        )


class FetchedBatch(BaseModel):
    workspace_id: str
    mailbox_id: str
    owner_email: str
    sync_run_id: str
    messages: list[FetchedItem]
    # Part of a backfill: enrichment waits until the whole backfill is stored (decision 11).
    backfill: bool = False

    def encode(self) -> bytes:
        return self.model_dump_json().encode()


def decode_batch(data: bytes) -> FetchedBatch:
    try:
        return FetchedBatch.model_validate_json(data)
    except ValidationError as error:
        raise InvalidInput(f"not a fetched-mail batch: {error.errors()[0]['msg']}") from error


def _item(message: FetchedMessage) -> FetchedItem:
    raw = message.raw
    if len(raw) > HEADER_ONLY_LIMIT:
        # Huge mail (attachments): people and dates live in the headers, which is what the CRM needs.
        raw = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0] + b"\r\n\r\n"
    return FetchedItem(
        id=message.id,
        thread_id=message.thread_id,
        label_ids=list(message.label_ids),
        history_id=message.history_id,
        internal_date_ms=message.internal_date_ms,
        raw=base64.urlsafe_b64encode(raw).decode(),
    )


def batches_for(
    messages: Iterable[FetchedMessage],
    *,
    workspace_id: str,
    mailbox_id: str,
    owner_email: str,
    sync_run_id: str,
    backfill: bool = False,
) -> Iterator[FetchedBatch]:
    """Packs messages into batches that each fit one Pub/Sub message."""
    envelope = {
        "workspace_id": workspace_id,
        "mailbox_id": mailbox_id,
        "owner_email": owner_email,
        "sync_run_id": sync_run_id,
        "backfill": backfill,
    }
    items: list[FetchedItem] = []
    size = 0
    for message in messages:
        item = _item(message)
        if items and size + len(item.raw) > MAX_BATCH_BYTES:
            yield FetchedBatch.model_validate({**envelope, "messages": items})
            items, size = [], 0
        items.append(item)
        size += len(item.raw)
    if items:
        yield FetchedBatch.model_validate({**envelope, "messages": items})
