"""Cloud Tasks → one calendar sync pass for a mailbox's primary calendar (full, or from its sync token)."""

from __future__ import annotations

import functools

import flask
from pydantic import ValidationError

from functions._lib.callers import internal_http
from functions._lib.responses import error_response, invalid_body, json_response
from shared.calendar.sync import CalendarSync, CalendarSyncRequest
from shared.errors import DomainError
from shared.log import get_logger

log = get_logger("sync_calendar")


@functools.cache
def _sync() -> CalendarSync:
    return CalendarSync()


@internal_http
def sync_calendar(request: flask.Request) -> flask.Response:
    try:
        body = CalendarSyncRequest.model_validate_json(request.get_data())
    except ValidationError as error:
        return error_response(invalid_body(error))
    try:
        outcome = _sync().sync(body.ref)
    except DomainError as error:  # RetryLater → 503, so Cloud Tasks tries again after its backoff
        log.warning("calendar sync did not finish", extra={"mailboxId": body.mailbox_id, "error": error.code})
        return error_response(error)
    log.info("calendar sync", extra={"mailboxId": body.mailbox_id, "outcome": outcome.value})
    return json_response({"outcome": outcome.value})
