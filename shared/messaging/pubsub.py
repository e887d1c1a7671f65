"""Pub/Sub: publishing to a topic of resources.json, and reading a delivered message's data."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable

from shared import clients
from shared.errors import InvalidInput
from shared.resources import resources

PUBLISH_TIMEOUT_SECONDS = 60


def publish(topic_key: str, payloads: Iterable[bytes]) -> None:
    """Publishes every payload, then waits until Pub/Sub accepted them all."""
    topic = clients.topic_path(resources().topic(topic_key))
    futures = [clients.publisher().publish(topic, payload) for payload in payloads]
    for future in futures:
        future.result(timeout=PUBLISH_TIMEOUT_SECONDS)


def pubsub_data(envelope_data: str | bytes | None) -> bytes:
    """The `data` of a Pub/Sub message as delivered in a push or a CloudEvent: base64 text."""
    if not envelope_data:
        raise InvalidInput("the Pub/Sub message has no data")
    try:
        return base64.b64decode(envelope_data, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidInput("the Pub/Sub message data is not valid base64") from error
