"""What every authenticated HTTP function shares: the caller from the ID token, JSON bodies, error answers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar, cast

import flask
from pydantic import BaseModel, ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from functions._lib.responses import error_response, invalid_body
from shared.auth import principal_from_id_token
from shared.errors import DomainError, Unauthenticated
from shared.log import get_logger
from shared.principals import Principal

log = get_logger("http")
Body = TypeVar("Body", bound=BaseModel)
Entry = TypeVar("Entry", bound=Callable[[flask.Request], WerkzeugResponse])


def caller(request: flask.Request) -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send a Firebase ID token: Authorization: Bearer <token>")
    return principal_from_id_token(token)


def json_body(request: flask.Request, model: type[Body]) -> Body:
    try:
        return model.model_validate_json(request.get_data() or b"{}")
    except ValidationError as error:
        raise invalid_body(error) from error


def answers_errors(handler: Entry) -> Entry:
    """Rapport's errors become their HTTP answers; anything else is a logged 500 that hides internals."""

    @functools.wraps(handler)
    def wrapper(request: flask.Request) -> WerkzeugResponse:
        try:
            return handler(request)
        except DomainError as error:
            return error_response(error)
        except Exception:
            log.exception("unexpected failure", extra={"path": request.path})
            return error_response(_Internal("something went wrong on our side; it has been logged"))

    return cast(Entry, wrapper)


class _Internal(DomainError):
    code = "internal"
