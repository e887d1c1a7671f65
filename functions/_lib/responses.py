"""The one table from Rapport's errors to HTTP answers, shared by every HTTP function."""

from __future__ import annotations

from typing import Any

import flask
from pydantic import ValidationError

from shared.errors import (
    AiCallRejected,
    BudgetExceeded,
    Conflict,
    DomainError,
    InvalidInput,
    MailboxDisconnected,
    MethodNotAllowed,
    NotFound,
    PermissionDenied,
    RetryLater,
    Unauthenticated,
)

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    InvalidInput: 400,
    Unauthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    MailboxDisconnected: 409,
    RetryLater: 503,
    BudgetExceeded: 402,
    AiCallRejected: 422,
    MethodNotAllowed: 405,
}


def json_response(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> flask.Response:
    response = flask.jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def error_response(error: DomainError) -> flask.Response:
    status = next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(error, kind)), 500)
    headers = {}
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="rapport"'
    if isinstance(error, RetryLater) and error.retry_after_seconds:
        headers["Retry-After"] = str(max(1, round(error.retry_after_seconds)))
    return json_response(error.to_dict(), status, headers)


def invalid_body(error: ValidationError) -> InvalidInput:
    """A pydantic failure as a 400 that names the field."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "body"
    # A validator's own ValueError reads as its message, without pydantic's "Value error, " before it.
    return InvalidInput(f"{field}: {first['msg'].removeprefix('Value error, ')}", field=field)
