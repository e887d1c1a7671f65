"""Who sent an add-on request, and for whom.

Google signs every call to an add-on endpoint: `authorizationEventObject.systemIdToken` is an ID token of
the project's Workspace add-ons service agent whose audience is the endpoint's URL, and `userIdToken` is
the Gmail user's own ID token, for the add-on's OAuth client. Both are checked with google-auth against
Google's certificates (cached as their Cache-Control allows); anything else is refused as Unauthenticated.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import cachecontrol
import google.auth.exceptions
import requests
from google.auth.transport.requests import Request as GoogleRequest
from google.oauth2 import id_token

from shared.errors import RetryLater, Unauthenticated
from shared.identity import CLOCK_SKEW_SECONDS, GOOGLE_ISSUERS, refusal_reason
from shared.settings import Settings, get_settings


@functools.cache
def _certs_request() -> GoogleRequest:
    # A caching session: Google's certificates are fetched again only when their max-age runs out.
    return GoogleRequest(session=cachecontrol.CacheControl(requests.Session()))


def _verified(token: str | None, *, audience: str, settings: Settings, what: str) -> Mapping[str, Any]:
    if not token:
        raise Unauthenticated(f"the add-on request carries no {what}")
    try:
        claims = id_token.verify_token(
            token,
            _certs_request(),
            audience=audience,
            certs_url=settings.google_certs_url,
            clock_skew_in_seconds=CLOCK_SKEW_SECONDS,
        )
    except google.auth.exceptions.TransportError as error:
        raise RetryLater("Google's signing certificates could not be fetched") from error
    except (ValueError, google.auth.exceptions.GoogleAuthError) as error:
        raise Unauthenticated(f"the {what} was refused: {refusal_reason(ValueError(str(error)))}") from None
    if claims.get("iss") not in GOOGLE_ISSUERS:
        raise Unauthenticated(f"the {what} was not issued by Google")
    return claims


def _configured(settings: Settings) -> tuple[str, str]:
    if not settings.addon_service_agent or not settings.addon_oauth_client_id:
        raise Unauthenticated(
            "the Gmail add-on is not set up: RAPPORT_ADDON_SERVICE_AGENT and RAPPORT_ADDON_OAUTH_CLIENT_ID are unset"
        )
    return settings.addon_service_agent, settings.addon_oauth_client_id


def verify_system_token(token: str | None, *, function: str, settings: Settings | None = None) -> None:
    """The call comes from Google's add-ons service agent, for this very endpoint."""
    settings = settings or get_settings()
    service_agent, _ = _configured(settings)
    claims = _verified(token, audience=settings.function_url(function), settings=settings, what="system ID token")
    if claims.get("email") != service_agent or claims.get("email_verified") is not True:
        raise Unauthenticated("the system ID token is not the Workspace add-ons service agent's")


def verify_user_token(token: str | None, *, settings: Settings | None = None) -> str:
    """The Gmail user's verified address, from their ID token for the add-on's OAuth client."""
    settings = settings or get_settings()
    _, client_id = _configured(settings)
    claims = _verified(token, audience=client_id, settings=settings, what="user ID token")
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or claims.get("email_verified") is not True:
        raise Unauthenticated("the user ID token carries no verified address")
    return email.strip().lower()
