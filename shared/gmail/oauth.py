"""Connecting Gmail with Google's OAuth 2.0 web-server flow: offline access, `state` and PKCE checked.

The state document is single use and holds the PKCE verifier sealed, so neither a replayed
callback nor a leaked state value can complete someone else's connection.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import requests
from google.cloud import firestore

from shared.clients import firestore_client
from shared.crypto import EncryptedSecret, SecretBox, secret_box
from shared.errors import DomainError, InvalidInput, RetryLater
from shared.gmail.api import GMAIL_READONLY_SCOPE
from shared.gmail.connect import connect_mailbox
from shared.gmail.mailboxes import MailboxRef
from shared.principals import Principal
from shared.settings import Settings, get_settings
from shared.transactions import transactional

OAUTH_STATES = "oauthStates"
STATE_LIFETIME = timedelta(minutes=10)
SCOPES = (GMAIL_READONLY_SCOPE, "openid", "email")


class ConnectFailure(StrEnum):
    """Why connecting Gmail failed: the code the callback hands the web app, which words each one from
    its own table (web/src/components/settings/OAuthResultBanner.tsx), so no text from a URL is ever shown.
    A new code needs its sentence there; an error without one is reported as UNKNOWN."""

    INCOMPLETE = "incomplete"  # Google's redirect lacked the code or the state
    LINK_UNKNOWN = "link_unknown"  # the state was already used or never issued
    LINK_EXPIRED = "link_expired"
    GOOGLE_UNAVAILABLE = "google_unavailable"
    GOOGLE_REFUSED = "google_refused"
    GMAIL_NOT_ALLOWED = "gmail_not_allowed"  # the Gmail box was left unticked on the consent screen
    NO_OFFLINE_ACCESS = "no_offline_access"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, error: DomainError) -> ConnectFailure:
        reason = error.details.get("reason")
        return cls(reason) if isinstance(reason, str) and reason in cls._value2member_map_ else cls.UNKNOWN


@dataclass(frozen=True)
class Connected:
    ref: MailboxRef
    return_to: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class GmailOAuth:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        box: SecretBox | None = None,
        settings: Settings | None = None,
        http: requests.Session | None = None,
    ) -> None:
        self._db = db or firestore_client()
        self._box = box or secret_box()
        self._settings = settings or get_settings()
        self._http = http or requests.Session()

    def authorization_url(self, principal: Principal, workspace_id: str, *, return_to: str = "/settings") -> str:
        state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(64)
        key = _digest(state)
        self._db.document(OAUTH_STATES, key).set(
            {
                "uid": principal.uid,
                "workspaceId": workspace_id,
                "verifier": self._box.seal(verifier, context=key).model_dump(),
                "returnTo": return_to if return_to.startswith("/") else "/settings",
                "expiresAt": datetime.now(UTC) + STATE_LIFETIME,
            }
        )
        query = {
            "client_id": self._settings.oauth_client_id,
            "redirect_uri": self._settings.oauth_redirect_uri,
            "response_type": "code",
            "scope": " ".join(SCOPES),
            "access_type": "offline",  # a refresh token, so sync runs while the user is away
            "prompt": "consent",  # Google only returns a refresh token on consent
            "include_granted_scopes": "true",
            "state": state,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
        if principal.email:
            query["login_hint"] = principal.email
        return f"{self._settings.oauth_auth_uri}?{urllib.parse.urlencode(query)}"

    def complete(self, *, code: str, state: str) -> Connected:
        """Google redirected back with `code`: check `state`, redeem the code with the PKCE verifier, connect."""
        key = _digest(state)
        pending = self._take_state(key)
        verifier = self._box.open(EncryptedSecret.model_validate(pending["verifier"]), context=key)
        refresh_token = self._redeem(code, verifier)
        ref = connect_mailbox(
            workspace_id=pending["workspaceId"], owner_uid=pending["uid"], refresh_token=refresh_token
        )
        return Connected(ref=ref, return_to=pending["returnTo"])

    def abandon(self, state: str) -> str:
        """The user declined: forget the state; returns where to send them."""
        try:
            return str(self._take_state(_digest(state))["returnTo"])
        except InvalidInput:
            return "/settings"

    def _take_state(self, key: str) -> dict[str, Any]:
        reference = self._db.document(OAUTH_STATES, key)

        @transactional
        def take(transaction: firestore.Transaction) -> dict[str, Any] | None:
            snapshot = reference.get(transaction=transaction)
            if not snapshot.exists:
                return None
            transaction.delete(reference)  # single use, whatever happens next
            return snapshot.to_dict()

        pending = take(self._db.transaction())
        if pending is None:
            raise InvalidInput(
                "this sign-in link was already used or never issued; start connecting Gmail again",
                reason=ConnectFailure.LINK_UNKNOWN,
            )
        expires_at = pending["expiresAt"]
        if not isinstance(expires_at, datetime) or expires_at < datetime.now(UTC):
            raise InvalidInput(
                "this sign-in took too long; start connecting Gmail again", reason=ConnectFailure.LINK_EXPIRED
            )
        return pending

    def _redeem(self, code: str, verifier: str) -> str:
        try:
            response = self._http.post(
                self._settings.oauth_token_uri,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "code_verifier": verifier,
                    "redirect_uri": self._settings.oauth_redirect_uri,
                    "client_id": self._settings.oauth_client_id,
                    "client_secret": self._settings.oauth_client_secret_value(),
                },
                timeout=15,
            )
        except requests.RequestException as error:
            raise RetryLater(
                "Google's sign-in service did not answer; try again", reason=ConnectFailure.GOOGLE_UNAVAILABLE
            ) from error
        answer = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
        if response.status_code >= 500:
            raise RetryLater("Google's sign-in service failed; try again", reason=ConnectFailure.GOOGLE_UNAVAILABLE)
        if response.status_code != 200:
            raise InvalidInput(
                f"Google refused the sign-in: {answer.get('error_description') or answer.get('error')}",
                reason=ConnectFailure.GOOGLE_REFUSED,
            )
        if GMAIL_READONLY_SCOPE not in str(answer.get("scope", "")).split():
            raise InvalidInput(
                "Rapport needs permission to read Gmail; tick that box when Google asks",
                reason=ConnectFailure.GMAIL_NOT_ALLOWED,
            )
        if not answer.get("refresh_token"):
            raise InvalidInput(
                "Google granted no offline access; remove Rapport in your Google account and connect again",
                reason=ConnectFailure.NO_OFFLINE_ACCESS,
            )
        return str(answer["refresh_token"])
