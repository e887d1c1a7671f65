"""Gmail API resources (the JSON shapes of gmail.v1.json) built from mailbox state."""

from __future__ import annotations

from typing import Any

from devstack.gmail_server.mailbox import HistoryRecord, Mailbox, StoredMessage
from devstack.gmail_server.rfc822 import b64url, snippet_of

FORMATS = ("minimal", "full", "raw", "metadata")
_HISTORY_FIELDS = {
    "messageAdded": "messagesAdded",
    "messageDeleted": "messagesDeleted",
    "labelAdded": "labelsAdded",
    "labelRemoved": "labelsRemoved",
}


def message_ref(message: StoredMessage) -> dict[str, Any]:
    return {"id": message.id, "threadId": message.thread_id}


def message_resource(
    mailbox: Mailbox, message: StoredMessage, message_format: str, metadata_headers: list[str]
) -> dict[str, Any]:
    parsed = mailbox.parsed(message) if message_format in ("full", "metadata") else None
    resource: dict[str, Any] = message_ref(message)
    if message.label_ids:
        resource["labelIds"] = sorted(message.label_ids)
    resource["snippet"] = snippet_of(message.search_text())
    if parsed is not None and message_format == "full":
        resource["payload"] = parsed.payload
    elif parsed is not None:
        resource["payload"] = _metadata_payload(parsed.payload, metadata_headers)
    resource["sizeEstimate"] = message.size
    resource["historyId"] = str(message.history_id)
    resource["internalDate"] = str(message.internal_ms)
    if message_format == "raw":
        resource["raw"] = b64url(message.raw)
    return resource


def _metadata_payload(payload: dict[str, Any], wanted_headers: list[str]) -> dict[str, Any]:
    headers = payload["headers"]
    if wanted_headers:
        wanted = {name.lower() for name in wanted_headers}
        headers = [header for header in headers if header["name"].lower() in wanted]
    return {"partId": payload["partId"], "mimeType": payload["mimeType"], "filename": "", "headers": headers}


def history_resource(record: HistoryRecord) -> dict[str, Any]:
    message = {"id": record.message_id, "threadId": record.thread_id}
    detailed: dict[str, Any] = dict(message)
    if record.label_ids:
        detailed["labelIds"] = list(record.label_ids)
    change: dict[str, Any] = {"message": detailed}
    if record.changed_labels:
        change["labelIds"] = list(record.changed_labels)
    return {"id": str(record.id), "messages": [message], _HISTORY_FIELDS[record.kind]: [change]}
