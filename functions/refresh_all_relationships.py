"""Cloud Scheduler, daily → every contact's strength decays and going-cold flags follow the calendar."""

from __future__ import annotations

import flask
import functions_framework

from functions._lib.http import answers_errors
from functions._lib.responses import json_response
from shared.crm.relationships import RelationshipStats
from shared.log import get_logger

log = get_logger("refresh_all_relationships")


@functions_framework.http
@answers_errors
def refresh_all_relationships(request: flask.Request) -> flask.Response:
    report = RelationshipStats().refresh_all()
    log.info("all relationships refreshed", extra=report.summary())
    return json_response(report.summary())
