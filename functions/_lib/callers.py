"""Internal entry points check who calls them before anything else.

Pub/Sub push, Cloud Tasks and Cloud Scheduler attach a Google-signed OIDC token; a function they call
acts only on the token of the caller shared/resources.json names for it (shared/identity.py). Cloud
Run IAM checks the same; this is the second lock (docs/decisions/0014).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import flask
import functions_framework
from werkzeug.wrappers import Response as WerkzeugResponse

from functions._lib.responses import error_response
from shared.errors import DomainError
from shared.identity import expected_caller, function_of_entry_point, verify_caller
from shared.log import get_logger
from shared.resources import resources

if TYPE_CHECKING:
    from cloudevents.http.event import CloudEvent

log = get_logger("callers")
HttpEntry = Callable[[flask.Request], WerkzeugResponse]


def internal_function(entry_point: str) -> str:
    """The resources.json key of an internal function's entry point; fails at import for a public one."""
    function = function_of_entry_point(entry_point)
    if resources().functions[function].caller is None:
        raise ValueError(f"{function} is public in shared/resources.json: no internal caller to check")
    return function


def refusal(request: flask.Request, function: str) -> WerkzeugResponse | None:
    """None when the request carries its expected caller's token; otherwise the 401 or 403 to answer
    (a 503 while Google's certificates cannot be fetched: the caller delivers again)."""
    expected = expected_caller(function)
    assert expected is not None  # internal_function() checked at import
    try:
        verify_caller(request.headers.get("Authorization"), expected)
    except DomainError as error:
        # A warning, not an error: no stack trace, and never the token itself.
        log.warning(
            "refused a call to an internal function",
            extra={"function": function, "reason": error.message, "caller": error.details.get("caller")},
        )
        return error_response(error)
    return None


def internal_http(handler: HttpEntry) -> HttpEntry:
    """An HTTP entry point that only Cloud Tasks or Cloud Scheduler calls."""
    function = internal_function(handler.__name__)

    @functools.wraps(handler)
    def entry(request: flask.Request) -> WerkzeugResponse:
        refused = refusal(request, function)
        return refused if refused is not None else handler(request)

    return cast(HttpEntry, functions_framework.http(entry))


def internal_cloud_event(handler: Callable[[CloudEvent], None]) -> Callable[[CloudEvent], None]:
    """A Pub/Sub-pushed entry point: the push's Authorization header is checked before the event is read."""
    function = internal_function(handler.__name__)

    @functools.wraps(handler)
    def entry(event: CloudEvent) -> None:
        refused = refusal(flask.request, function)
        if refused is not None:
            flask.abort(refused)  # answered with its 401 or 403: Pub/Sub delivers again, then dead-letters
        handler(event)

    return functions_framework.cloud_event(entry)
