"""Who is calling an internal function: the Google-signed OIDC token its caller attaches.

Pub/Sub push, Cloud Tasks and Cloud Scheduler call a function with `Authorization: Bearer <ID token>`
minted for the account shared/resources.json names under `callers`, with the function's URL
(RAPPORT_FUNCTIONS_BASE_URL/NAME) as audience. Cloud Run IAM checks the caller may invoke; this checks
it again in code, so a function whose IAM or ingress is ever opened by mistake still does nothing for
a stranger. The signature is checked against Google's published certificates (cached as their
Cache-Control says), then issuer, expiry, audience, and the caller's verified email.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from google.auth import jwt

from shared.errors import PermissionDenied, RetryLater, Unauthenticated
from shared.resources import resources
from shared.settings import Settings, get_settings

GOOGLE_ISSUERS = frozenset({"https://accounts.google.com", "accounts.google.com"})
# Tolerated difference between Google's clock and ours on `iat` and `exp`.
CLOCK_SKEW_SECONDS = 30
# A token naming a key we do not hold makes us fetch the certificates again, but not more often than this:
# forged key ids must not turn every request into a request to Google.
REFETCH_INTERVAL_SECONDS = 30.0
DEFAULT_CERTS_MAX_AGE_SECONDS = 3600.0
_MAX_AGE = re.compile(r"max-age=(\d+)")


@dataclass(frozen=True)
class ExpectedCaller:
    """What a token must say to call function `function`: its URL as audience, and who signed it."""

    function: str
    audience: str
    email: str


@dataclass(frozen=True)
class Caller:
    email: str
    subject: str


def expected_caller(function: str, *, settings: Settings | None = None) -> ExpectedCaller | None:
    """The caller an internal function accepts; None for a public one (it checks its users itself)."""
    settings = settings or get_settings()
    declared = resources()
    kind = declared.functions[function].caller
    if kind is None:
        return None
    email = declared.callers[kind].email(settings.project_id)
    return ExpectedCaller(function=function, audience=settings.function_url(function), email=email)


def function_of_entry_point(entry_point: str) -> str:
    """The resources.json key of the function whose entry point is `entry_point`."""
    for name, function in resources().functions.items():
        if function.entry_point == entry_point:
            return name
    raise KeyError(f"no function in shared/resources.json has entry point {entry_point}")


class GoogleCerts:
    """Google's token-signing certificates ({key id: PEM}, the oauth2/v1/certs format), fetched once and
    kept for as long as the answer's Cache-Control allows."""

    def __init__(self, url: str, *, session: requests.Session | None = None) -> None:
        self.url = url
        self._session = session or requests.Session()
        self._lock = threading.Lock()
        self._certs: Mapping[str, str] = {}
        self._expires = 0.0
        self._fetched = float("-inf")

    def for_key(self, key_id: str | None) -> Mapping[str, str]:
        with self._lock:
            now = time.monotonic()
            stale = now >= self._expires
            unknown = key_id not in self._certs and now - self._fetched >= REFETCH_INTERVAL_SECONDS
            if stale or unknown:
                self._fetch(now)
            return self._certs

    def _fetch(self, now: float) -> None:
        try:
            response = self._session.get(self.url, timeout=10)
            response.raise_for_status()
            certs = response.json()
        except (requests.RequestException, ValueError) as error:
            if self._certs:
                return  # keep verifying with the certificates we have; Google rotates them with overlap
            raise RetryLater("Google's signing certificates could not be fetched; deliver again") from error
        self._certs = {str(key): str(value) for key, value in certs.items()}
        self._fetched = now
        match = _MAX_AGE.search(response.headers.get("Cache-Control", ""))
        self._expires = now + (float(match.group(1)) if match else DEFAULT_CERTS_MAX_AGE_SECONDS)


@functools.cache
def _certs(url: str) -> GoogleCerts:
    return GoogleCerts(url)


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("this function needs a Google-signed OIDC token (Authorization: Bearer)")
    return token.strip()


def verify_caller(
    authorization: str | None,
    expected: ExpectedCaller,
    *,
    certs: GoogleCerts | None = None,
    settings: Settings | None = None,
) -> Caller:
    """Checks the `Authorization` header against `expected`. Unauthenticated for a missing, malformed,
    forged, expired or misaddressed token; PermissionDenied for a valid token of anyone else; RetryLater
    while Google's certificates cannot be had."""
    token = bearer_token(authorization)
    certs = certs or _certs((settings or get_settings()).google_certs_url)
    try:
        key_id = jwt.decode_header(token).get("kid")
        claims: Mapping[str, Any] = jwt.decode(
            token,
            certs=certs.for_key(key_id),
            audience=expected.audience,
            clock_skew_in_seconds=CLOCK_SKEW_SECONDS,
        )
    except ValueError as error:  # google-auth raises ValueError subclasses for every bad token
        raise Unauthenticated(f"the OIDC token was refused: {refusal_reason(error)}") from None
    if claims.get("iss") not in GOOGLE_ISSUERS:
        raise Unauthenticated("the OIDC token was not issued by Google")
    email = claims.get("email")
    if email != expected.email or claims.get("email_verified") is not True:
        raise PermissionDenied(f"{expected.function} accepts calls only from {expected.email}", caller=email)
    return Caller(email=str(email), subject=str(claims.get("sub", "")))


_REASONS = (
    ("audience", "wrong audience"),
    ("expired", "expired"),
    ("too early", "issued in the future"),
    ("signature", "bad signature"),
    ("key id", "signed with an unknown key"),
    ("algorithm", "unsupported signature algorithm"),
)


def refusal_reason(error: ValueError) -> str:
    # google-auth's messages quote the token's own claims; log only which check failed.
    message = str(error).lower()
    return next((reason for marker, reason in _REASONS if marker in message), "malformed token")
