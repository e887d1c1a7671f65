"""What the Gmail add-on's three functions share: Google's POSTed event in, Card v1 JSON out.

The add-on is not part of the web app's API (Google calls it, not Hosting), so it has no route table
entry; every answer is a card, a malformed event and an unexpected failure included: Gmail shows the
card, never a stack trace.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

import flask
import functions_framework
from pydantic import ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from shared.addon import cards
from shared.addon.events import AddonEvent
from shared.addon.service import AddonService, Answer
from shared.log import get_logger

log = get_logger("addon")
Handle = Callable[[AddonService, AddonEvent], Answer]
HttpEntry = Callable[[flask.Request], WerkzeugResponse]


@functools.cache
def _service() -> AddonService:
    return AddonService()


def addon_function(name: str, handle: Handle) -> HttpEntry:
    """An HTTP entry point named `name` that answers Google's add-on events with `handle`."""

    def entry(request: flask.Request) -> WerkzeugResponse:
        status, body = _answer(request, handle)
        response = flask.jsonify(body)
        response.status_code = status
        response.headers["Cache-Control"] = "private, no-store"
        return response

    entry.__name__ = entry.__qualname__ = name
    return cast(HttpEntry, functions_framework.http(entry))


def _answer(request: flask.Request, handle: Handle) -> tuple[int, dict[str, Any]]:
    if request.method != "POST":
        return 405, cards.push(cards.notice_card("Rapport", "The Gmail add-on is called with POST."))
    try:
        event = AddonEvent.model_validate_json(request.get_data() or b"{}")
    except ValidationError:
        return 400, cards.push(cards.notice_card("Rapport", "Gmail sent an event Rapport cannot read."))
    try:
        return handle(_service(), event)
    except Exception:
        log.exception("the add-on failed", extra={"path": request.path})
        return 200, cards.push(
            cards.notice_card("Something went wrong", "Rapport could not build this card; it has been logged.")
        )
