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
from shared.settings import get_settings

log = get_logger("http")
Body = TypeVar("Body", bound=BaseModel)
Entry = TypeVar("Entry", bound=Callable[[flask.Request], WerkzeugResponse])
# Firebase Hosting passes on to functions only the cookie with this name and strips every other
# (decision 18), so it is the one cookie Rapport sets.
BROWSER_COOKIE = "__session"


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


def set_browser_cookie(response: WerkzeugResponse, value: str, *, max_age_seconds: int) -> None:
    """An HttpOnly, SameSite=Lax cookie for the whole site: scripts never read it, other sites' requests
    never carry it, and Google's redirect back to us (a top-level GET) does. Secure except on plain-http
    loopback (the local stack)."""
    response.set_cookie(
        BROWSER_COOKIE,
        value,
        max_age=max_age_seconds,
        path="/",
        secure=get_settings().cookies_secure,
        httponly=True,
        samesite="Lax",
    )
    response.headers["Cache-Control"] = "private, no-store"


def clear_browser_cookie(response: WerkzeugResponse) -> None:
    response.delete_cookie(
        BROWSER_COOKIE, path="/", secure=get_settings().cookies_secure, httponly=True, samesite="Lax"
    )
    response.headers["Cache-Control"] = "private, no-store"
