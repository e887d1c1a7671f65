"""Cloud Tasks → one backfill chunk: fetch its messages from Gmail and hand them to extraction."""

from __future__ import annotations

import functools

import flask

from functions._lib.callers import internal_http
from functions._lib.http import answers_errors, json_body
from functions._lib.responses import json_response
from shared.gmail.sync import FetchRequest, SyncService
from shared.log import get_logger

log = get_logger("fetch_messages")


@functools.cache
def _sync() -> SyncService:
    return SyncService()


@internal_http
@answers_errors  # RetryLater (quota, Gmail 5xx) → 503, so Cloud Tasks tries the chunk again
def fetch_messages(request: flask.Request) -> flask.Response:
    chunk = json_body(request, FetchRequest)
    fetched = _sync().fetch_chunk(chunk)
    log.info("chunk fetched", extra={"mailboxId": chunk.mailbox_id, "chunk": chunk.chunk, "fetched": fetched})
    return json_response({"fetched": fetched})
