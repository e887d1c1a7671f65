"""Google's OAuth for local mailboxes: consent, authorization codes with PKCE, refresh and access tokens, revocation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
from dataclasses import dataclass, field

from devstack.gmail_server import errors, ids, scopes
from devstack.identity import LocalIdentity

ACCESS_TOKEN_SECONDS = 3599
DEFAULT_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
# What a Gmail add-on's user token holds (deployment.json's scopes): it opens only the message its
# per-message `gmail.accessToken` names, sent beside it as X-Goog-Gmail-Access-Token.
ADDON_SCOPES = (
    "https://www.googleapis.com/auth/gmail.addons.execute",
    "https://www.googleapis.com/auth/gmail.addons.current.message.metadata",
    "https://www.googleapis.com/auth/userinfo.email",
)
ADDON_MESSAGE_SCOPE_PREFIX = "https://www.googleapis.com/auth/gmail.addons.current.message."
CODE_SECONDS = 600
ISSUER = "https://accounts.google.com"
# RFC 7636: a verifier is 43-128 unreserved characters; an S256 challenge is its unpadded base64url SHA-256.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_S256_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


@dataclass
class _RefreshGrant:
    email: str
    scope: str
    revoked: bool = False


@dataclass(frozen=True)
class _AccessGrant:
    email: str
    scope: str
    refresh_token: str | None  # None for online access: nothing outlives the access token
    expires_at: float


@dataclass(frozen=True)
class _Code:
    email: str
    scope: str
    redirect_uri: str | None
    expires_at: float
    offline: bool = True
    code_challenge: str | None = None


@dataclass(frozen=True)
class ConsentRequest:
    """A checked `/o/oauth2/v2/auth` request."""

    email: str
    scopes: list[str]
    redirect_uri: str
    code_challenge: str
    offline: bool
    prompt: frozenset[str] = frozenset()
    include_granted_scopes: bool = False


@dataclass(frozen=True)
class Consent:
    """The consent screen's outcome: a code and the granted scope, or an OAuth error code for the redirect."""

    code: str | None = None
    scope: str = ""
    error: str | None = None


@dataclass(frozen=True)
class AccessInfo:
    email: str
    scopes: frozenset[str]
    expires_at: float
    offline: bool

    @property
    def addon_only(self) -> bool:
        """A Gmail add-on's token: its Gmail scopes reach only the currently open message."""
        gmail = {name for name in self.scopes if "/auth/gmail" in name or name.startswith("https://mail.google.com")}
        return bool(gmail) and all(
            name.startswith(ADDON_MESSAGE_SCOPE_PREFIX) or name.endswith("gmail.addons.execute") for name in gmail
        )


@dataclass(frozen=True)
class TokenAnswer:
    access_token: str
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None

    def body(self) -> dict[str, object]:
        answer: dict[str, object] = {
            "access_token": self.access_token,
            "expires_in": ACCESS_TOKEN_SECONDS,
            "token_type": "Bearer",
            "scope": self.scope,
        }
        if self.refresh_token:
            answer["refresh_token"] = self.refresh_token
        if self.id_token:
            answer["id_token"] = self.id_token
        return answer


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def is_s256_challenge(value: str) -> bool:
    return bool(_S256_CHALLENGE.match(value))


def subject_id(email: str) -> str:
    """A stable numeric `sub` per address, shaped like Google's account ids."""
    return "1" + str(int.from_bytes(hashlib.sha256(email.encode()).digest()[:8], "big")).zfill(20)


@dataclass
class TokenStore:
    client_id: str
    client_secret: str
    code_seconds: float = CODE_SECONDS  # tests shorten it to see expired codes
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _refresh: dict[str, _RefreshGrant] = field(default_factory=dict, repr=False)
    _access: dict[str, _AccessGrant] = field(default_factory=dict, repr=False)
    _codes: dict[str, _Code] = field(default_factory=dict, repr=False)
    # Scopes each user agreed to on the consent screen; Google skips the screen (and the refresh token) for them.
    _consented: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _denying: set[str] = field(default_factory=set, repr=False)
    # Who answers the consent screen for a login_hint when it is not the hinted account: at Google the
    # user may pick any account in the chooser (or sign in as another), whatever the app hinted.
    _chosen: dict[str, str] = field(default_factory=dict, repr=False)
    # Per-message add-on tokens: gmail.accessToken → (mailbox, message id), as Gmail issues one per open message.
    _message_tokens: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    # Signs ID tokens, as Google's keys do; the local stack hands in its one identity key (devstack/identity.py).
    identity: LocalIdentity = field(default_factory=LocalIdentity.generate, repr=False)

    def issue_refresh_token(self, email: str, scope: str = DEFAULT_SCOPE) -> str:
        token = ids.refresh_token()
        with self._lock:
            self._refresh[token] = _RefreshGrant(email.lower(), scope)
        return token

    def issue_code(self, email: str, *, scope: str = DEFAULT_SCOPE, redirect_uri: str | None = None) -> str:
        """A code for the dev API: offline, without PKCE, as if the user had consented."""
        return self._new_code(_Code(email.lower(), scope, redirect_uri, time.time() + self.code_seconds))

    def _new_code(self, issued: _Code) -> str:
        code = ids.authorization_code()
        with self._lock:
            self._codes[code] = issued
        return code

    def issue_addon_tokens(
        self, email: str, message_id: str, *, scope: str = " ".join(ADDON_SCOPES)
    ) -> tuple[str, str]:
        """What Gmail hands an add-on for one open message: the user's OAuth token (the add-on's scopes,
        online access) and the message's own access token."""
        message_token = ids.access_token()
        with self._lock:
            user_token = self._issue_access(email.lower(), scope, None)
            self._message_tokens[message_token] = (email.lower(), message_id)
        return user_token, message_token

    def message_token_opens(self, message_token: str | None, email: str, message_id: str) -> bool:
        with self._lock:
            return self._message_tokens.get(message_token or "") == (email.lower(), message_id)

    def set_consent(self, email: str, *, allow: bool) -> None:
        with self._lock:
            (self._denying.discard if allow else self._denying.add)(email.lower())

    def choose_account(self, login_hint: str, account: str | None) -> None:
        """From now on the consent screen hinted at `login_hint` is answered by `account` (None: the hinted one)."""
        with self._lock:
            if account is None:
                self._chosen.pop(login_hint.lower(), None)
            else:
                self._chosen[login_hint.lower()] = account.lower()

    def chosen_account(self, login_hint: str) -> str | None:
        with self._lock:
            return self._chosen.get(login_hint.lower())

    def consent(self, request: ConsentRequest) -> Consent:
        """What Google's consent screen does for `request`, the user answering as the dev API set."""
        email = request.email.lower()
        with self._lock:
            denying = email in self._denying
            earlier = list(self._consented.get(email, []))
        if denying:
            return Consent(error="access_denied")
        needs_screen = "consent" in request.prompt or not set(request.scopes) <= set(earlier)
        if needs_screen and "none" in request.prompt:
            return Consent(error="consent_required")
        granted = list(request.scopes)
        if request.include_granted_scopes:
            granted += [name for name in earlier if name not in granted]
        with self._lock:
            self._consented[email] = earlier + [name for name in granted if name not in earlier]
        scope = " ".join(granted)
        issued = _Code(
            email,
            scope,
            request.redirect_uri,
            time.time() + self.code_seconds,
            # Google returns a refresh token only when the user saw the consent screen for offline access.
            offline=request.offline and needs_screen,
            code_challenge=request.code_challenge,
        )
        return Consent(code=self._new_code(issued), scope=scope)

    def grant_subject(self, form: dict[str, str]) -> str | None:
        """The mailbox a POST /token form speaks for, if it names a known grant (used to match faults)."""
        with self._lock:
            if form.get("grant_type") == "refresh_token":
                grant = self._refresh.get(form.get("refresh_token", ""))
                return grant.email if grant else None
            code = self._codes.get(form.get("code", ""))
            return code.email if code else None

    def grant(self, form: dict[str, str]) -> TokenAnswer:
        """Answer a POST /token form, raising OAuthError exactly where Google's endpoint would."""
        self._check_client(form.get("client_id"), form.get("client_secret"))
        grant_type = form.get("grant_type")
        if not grant_type:
            raise errors.invalid_request("Missing required parameter: grant_type")
        if grant_type == "refresh_token":
            return self._refresh_grant(_required(form, "refresh_token"))
        if grant_type == "authorization_code":
            return self._code_grant(_required(form, "code"), form.get("redirect_uri"), form.get("code_verifier"))
        raise errors.OAuthError(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _check_client(self, client_id: str | None, client_secret: str | None) -> None:
        if not client_id:
            raise errors.invalid_request("Could not determine client ID from request.")
        if not hmac.compare_digest(client_id, self.client_id):
            raise errors.invalid_client("The OAuth client was not found.")
        if not client_secret or not hmac.compare_digest(client_secret, self.client_secret):
            raise errors.invalid_client("Unauthorized")

    def _refresh_grant(self, refresh_token: str) -> TokenAnswer:
        with self._lock:
            grant = self._refresh.get(refresh_token)
            if grant is None:
                raise errors.invalid_grant("Bad Request")
            if grant.revoked:
                raise errors.invalid_grant("Token has been expired or revoked.")
            access_token = self._issue_access(grant.email, grant.scope, refresh_token)
        return TokenAnswer(access_token, grant.scope, id_token=self._id_token(grant.email, grant.scope))

    def _code_grant(self, code: str, redirect_uri: str | None, verifier: str | None) -> TokenAnswer:
        with self._lock:
            issued = self._codes.pop(code, None)  # single use, whether or not this exchange succeeds
        if issued is None:
            raise errors.invalid_grant("Malformed auth code.")
        if issued.expires_at < time.time():
            raise errors.invalid_grant("Bad Request")
        if issued.redirect_uri is not None:
            if not redirect_uri:
                raise errors.invalid_request("Missing required parameter: redirect_uri")
            if redirect_uri != issued.redirect_uri:
                raise errors.redirect_uri_mismatch()
        if issued.code_challenge is not None:
            if not verifier:
                raise errors.invalid_grant("Missing code verifier.")
            if not _VERIFIER.match(verifier) or not hmac.compare_digest(s256(verifier), issued.code_challenge):
                raise errors.invalid_grant("Invalid code verifier.")
        refresh_token = self.issue_refresh_token(issued.email, issued.scope) if issued.offline else None
        with self._lock:
            access_token = self._issue_access(issued.email, issued.scope, refresh_token)
        return TokenAnswer(access_token, issued.scope, refresh_token, self._id_token(issued.email, issued.scope))

    def _issue_access(self, email: str, scope: str, refresh_token: str | None) -> str:
        token = ids.access_token()
        self._access[token] = _AccessGrant(email, scope, refresh_token, time.time() + ACCESS_TOKEN_SECONDS)
        return token

    def _id_token(self, email: str, scope: str) -> str | None:
        """An OpenID Connect ID token when `openid` was granted, signed RS256 as Google's are."""
        granted = scope.split()
        if "openid" not in granted:
            return None
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": ISSUER,
            "azp": self.client_id,
            "aud": self.client_id,
            "sub": subject_id(email),
            "iat": now,
            "exp": now + ACCESS_TOKEN_SECONDS + 1,
        }
        if scopes.USERINFO_EMAIL in granted:
            claims |= {"email": email, "email_verified": True}
        return self.identity.sign(claims)

    def revoke(self, token: str) -> None:
        """Revoke a refresh token, or an access token with its refresh token, as Google does: that ends the
        account's whole grant to this client, so every other token the account gave the client dies too."""
        with self._lock:
            access = self._access.get(token)
            if access is not None and access.refresh_token is None:
                del self._access[token]  # online access: the access token is the whole grant
                self._consented.pop(access.email, None)
                return
            refresh_token = access.refresh_token if access and access.refresh_token else token
            grant = self._refresh.get(refresh_token)
            if grant is None or grant.revoked:
                raise errors.OAuthError(400, "invalid_token", "Token expired or revoked")
        self.revoke_all(grant.email)

    def revoke_all(self, email: str) -> None:
        """Revoke every grant of a mailbox, as when the user removes the app's access."""
        address = email.lower()
        with self._lock:
            for grant in self._refresh.values():
                if grant.email == address:
                    grant.revoked = True
            for key in [key for key, value in self._access.items() if value.email == address]:
                del self._access[key]
            self._consented.pop(address, None)

    def access_info(self, access_token: str) -> AccessInfo | None:
        with self._lock:
            grant = self._access.get(access_token)
        if grant is None or grant.expires_at < time.time():
            return None
        return AccessInfo(
            grant.email, frozenset(grant.scope.split()), grant.expires_at, grant.refresh_token is not None
        )

    def email_for(self, access_token: str) -> str | None:
        info = self.access_info(access_token)
        return info.email if info else None


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise errors.invalid_request(f"Missing required parameter: {name}")
    return value
