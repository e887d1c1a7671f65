"""Cloud Tasks → one sync pass over a mailbox (history since the cursor, or a full sync)."""

from __future__ import annotations

import functools

import flask
from pydantic import ValidationError

from functions._lib.callers import internal_http
from functions._lib.responses import error_response, invalid_body, json_response
from shared.errors import DomainError
from shared.gmail.sync import SyncRequest, SyncService
from shared.log import get_logger

log = get_logger("sync_mailbox")


@functools.cache
def _sync() -> SyncService:
    return SyncService()


@internal_http
def sync_mailbox(request: flask.Request) -> flask.Response:
    try:
        body = SyncRequest.model_validate_json(request.get_data())
    except ValidationError as error:
        return error_response(invalid_body(error))
    try:
        outcome = _sync().sync(body.ref)
    except DomainError as error:  # RetryLater → 503, so Cloud Tasks tries again after its backoff
        log.warning("sync did not finish", extra={"mailboxId": body.mailbox_id, "error": error.code})
        return error_response(error)
    log.info("sync", extra={"mailboxId": body.mailbox_id, "outcome": outcome.value})
    return json_response({"outcome": outcome.value})
