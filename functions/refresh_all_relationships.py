"""Cloud Scheduler, daily → every contact's strength decays and going-cold flags follow the calendar."""

from __future__ import annotations

import flask

from functions._lib.callers import internal_http
from functions._lib.http import answers_errors
from functions._lib.responses import json_response
from shared.crm.relationships import RelationshipStats
from shared.log import get_logger

log = get_logger("refresh_all_relationships")


@internal_http
@answers_errors
def refresh_all_relationships(request: flask.Request) -> flask.Response:
    report = RelationshipStats().refresh_all()
    log.info("all relationships refreshed", extra=report.summary())
    return json_response(report.summary())
