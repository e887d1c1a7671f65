"""Cloud Scheduler, daily → meetings that have ended count, every contact's strength decays and going-cold flags
follow the calendar; records stored before search asked `searchKeys` get theirs (once per workspace)."""

from __future__ import annotations

import flask

from functions._lib.callers import internal_http
from functions._lib.http import answers_errors
from functions._lib.responses import json_response
from shared.calendar.meetings import Meetings
from shared.crm.relationships import RelationshipStats
from shared.crm.search_backfill import SearchKeysBackfill
from shared.log import get_logger

log = get_logger("refresh_all_relationships")


@internal_http
@answers_errors
def refresh_all_relationships(request: flask.Request) -> flask.Response:
    meetings = Meetings().count_ended_everywhere()
    report = RelationshipStats().refresh_all()
    summary = report.summary() | {"meetingsCounted": meetings, "searchKeysFilled": SearchKeysBackfill().fill_all()}
    log.info("all relationships refreshed", extra=summary)
    return json_response(summary)
