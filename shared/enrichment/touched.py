"""Contacts touched by ingestion: the message asking for them to be enriched, read by enrich-contacts."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.errors import InvalidInput
from shared.messaging import pubsub

# One message asks for at most this many contacts, so at most this many model calls run in one delivery
# (a short ack deadline, and a redelivery repeats little); more are split into further messages.
CONTACTS_PER_MESSAGE = 10
MAX_CONTACTS_ACCEPTED = 100  # what a message published before the split may still carry


class EnrichmentRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    workspace_id: str = Field(alias="workspaceId", min_length=1)
    contact_ids: list[str] = Field(alias="contactIds", min_length=1, max_length=MAX_CONTACTS_ACCEPTED)


def decode_enrichment_request(data: bytes) -> EnrichmentRequest:
    try:
        return EnrichmentRequest.model_validate_json(data)
    except ValidationError as error:
        raise InvalidInput(f"not an enrichment request: {error.errors()[0]['msg']}") from error


def request_enrichment(workspace_id: str, contact_ids: Iterable[str]) -> None:
    """Publishes and waits for Pub/Sub to accept; the enrichment itself runs elsewhere."""
    ids = sorted(set(contact_ids))
    pubsub.publish(
        "contacts_to_enrich",
        (
            EnrichmentRequest(workspaceId=workspace_id, contactIds=ids[i : i + CONTACTS_PER_MESSAGE])
            .model_dump_json(by_alias=True)
            .encode()
            for i in range(0, len(ids), CONTACTS_PER_MESSAGE)
        ),
    )
