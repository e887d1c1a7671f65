"""Cloud Scheduler, daily → renew every Gmail watch and queue a catch-up sync for each mailbox."""

from __future__ import annotations

import dataclasses

import flask

from functions._lib.callers import internal_http
from functions._lib.http import answers_errors
from functions._lib.responses import json_response
from shared.gmail.connect import renew_watches as renew_all_watches
from shared.log import get_logger

log = get_logger("renew_watches")


@internal_http
@answers_errors
def renew_watches(request: flask.Request) -> flask.Response:
    report = renew_all_watches()
    log.info("watches renewed", extra=dataclasses.asdict(report))
    return json_response(dataclasses.asdict(report))
