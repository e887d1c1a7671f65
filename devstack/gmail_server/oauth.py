"""Google's OAuth token endpoint for local mailboxes: refresh tokens, access tokens, codes and revocation."""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass

from devstack.gmail_server import errors, ids

ACCESS_TOKEN_SECONDS = 3599
DEFAULT_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
_CODE_SECONDS = 600


@dataclass
class _RefreshGrant:
    email: str
    scope: str
    revoked: bool = False


@dataclass(frozen=True)
class _AccessGrant:
    email: str
    refresh_token: str
    expires_at: float


@dataclass(frozen=True)
class _Code:
    email: str
    scope: str
    redirect_uri: str | None
    expires_at: float


@dataclass(frozen=True)
class TokenAnswer:
    access_token: str
    scope: str
    refresh_token: str | None = None

    def body(self) -> dict[str, object]:
        answer: dict[str, object] = {
            "access_token": self.access_token,
            "expires_in": ACCESS_TOKEN_SECONDS,
            "token_type": "Bearer",
            "scope": self.scope,
        }
        if self.refresh_token:
            answer["refresh_token"] = self.refresh_token
        return answer


class TokenStore:
    def __init__(self, *, client_id: str, client_secret: str) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._lock = threading.Lock()
        self._refresh: dict[str, _RefreshGrant] = {}
        self._access: dict[str, _AccessGrant] = {}
        self._codes: dict[str, _Code] = {}

    @property
    def client_id(self) -> str:
        return self._client_id

    def issue_refresh_token(self, email: str, scope: str = DEFAULT_SCOPE) -> str:
        token = ids.refresh_token()
        with self._lock:
            self._refresh[token] = _RefreshGrant(email.lower(), scope)
        return token

    def issue_code(self, email: str, *, scope: str = DEFAULT_SCOPE, redirect_uri: str | None = None) -> str:
        code = ids.authorization_code()
        with self._lock:
            self._codes[code] = _Code(email.lower(), scope, redirect_uri, time.time() + _CODE_SECONDS)
        return code

    def grant(self, form: dict[str, str]) -> TokenAnswer:
        """Answer a POST /token form, raising OAuthError exactly where Google's endpoint would."""
        self._check_client(form.get("client_id"), form.get("client_secret"))
        grant_type = form.get("grant_type")
        if not grant_type:
            raise errors.invalid_request("Missing required parameter: grant_type")
        if grant_type == "refresh_token":
            return self._refresh_grant(_required(form, "refresh_token"))
        if grant_type == "authorization_code":
            return self._code_grant(_required(form, "code"), form.get("redirect_uri"))
        raise errors.OAuthError(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _check_client(self, client_id: str | None, client_secret: str | None) -> None:
        if not client_id:
            raise errors.invalid_request("Could not determine client ID from request.")
        if not hmac.compare_digest(client_id, self._client_id):
            raise errors.invalid_client("The OAuth client was not found.")
        if not client_secret or not hmac.compare_digest(client_secret, self._client_secret):
            raise errors.invalid_client("Unauthorized")

    def _refresh_grant(self, refresh_token: str) -> TokenAnswer:
        with self._lock:
            grant = self._refresh.get(refresh_token)
            if grant is None:
                raise errors.invalid_grant("Bad Request")
            if grant.revoked:
                raise errors.invalid_grant("Token has been expired or revoked.")
            return TokenAnswer(self._issue_access(grant.email, refresh_token), grant.scope)

    def _code_grant(self, code: str, redirect_uri: str | None) -> TokenAnswer:
        with self._lock:
            issued = self._codes.pop(code, None)  # codes are single use
        if issued is None or issued.expires_at < time.time():
            raise errors.invalid_grant("Malformed auth code.")
        if issued.redirect_uri and issued.redirect_uri != redirect_uri:
            raise errors.invalid_grant("Bad Request")
        refresh_token = self.issue_refresh_token(issued.email, issued.scope)
        with self._lock:
            access_token = self._issue_access(issued.email, refresh_token)
        return TokenAnswer(access_token, issued.scope, refresh_token)

    def _issue_access(self, email: str, refresh_token: str) -> str:
        token = ids.access_token()
        self._access[token] = _AccessGrant(email, refresh_token, time.time() + ACCESS_TOKEN_SECONDS)
        return token

    def revoke(self, token: str) -> None:
        """Revoke a refresh token, or an access token together with its refresh token, as Google does."""
        with self._lock:
            access = self._access.get(token)
            refresh_token = access.refresh_token if access else token
            grant = self._refresh.get(refresh_token)
            if grant is None or grant.revoked:
                raise errors.OAuthError(400, "invalid_token", "Token expired or revoked")
            grant.revoked = True
            for key in [key for key, value in self._access.items() if value.refresh_token == refresh_token]:
                del self._access[key]

    def revoke_all(self, email: str) -> None:
        """Revoke every grant of a mailbox, as when the user removes the app's access."""
        with self._lock:
            for grant in self._refresh.values():
                if grant.email == email.lower():
                    grant.revoked = True
            for key in [key for key, value in self._access.items() if value.email == email.lower()]:
                del self._access[key]

    def email_for(self, access_token: str) -> str | None:
        with self._lock:
            grant = self._access.get(access_token)
        if grant is None or grant.expires_at < time.time():
            return None
        return grant.email


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise errors.invalid_request(f"Missing required parameter: {name}")
    return value
