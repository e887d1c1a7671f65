"""Cloud Scheduler, daily → renew every Gmail watch and queue a catch-up sync for each mailbox, and replace
every calendar push channel that would lapse before the next run."""

from __future__ import annotations

import dataclasses

import flask

from functions._lib.callers import internal_http
from functions._lib.http import answers_errors
from functions._lib.responses import json_response
from shared.calendar.channels import renew_channels
from shared.gmail.connect import renew_watches as renew_all_watches
from shared.log import get_logger

log = get_logger("renew_watches")


@internal_http
@answers_errors
def renew_watches(request: flask.Request) -> flask.Response:
    report = dataclasses.asdict(renew_all_watches())
    report["calendarChannels"] = dataclasses.asdict(renew_channels())
    log.info("watches renewed", extra=report)
    return json_response(report)
