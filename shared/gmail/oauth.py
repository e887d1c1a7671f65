"""Connecting Gmail with Google's OAuth 2.0 web-server flow: offline access, `state` and PKCE checked.

The state document is single use and holds the PKCE verifier sealed, so neither a replayed
callback nor a leaked state value can complete someone else's connection. It is bound to the browser
that started it (a nonce in an HttpOnly cookie, its digest in the state) and to the signed-in user
(their verified email): a consent link sent to someone else, or consent given as another Google
account, connects nothing (decision 18).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import google.auth.exceptions
import google.auth.transport.requests
import requests
from google.cloud import firestore
from google.oauth2 import id_token as google_id_token

from shared.clients import firestore_client
from shared.crypto import EncryptedSecret, SecretBox, secret_box
from shared.errors import DomainError, InvalidInput, PermissionDenied, RetryLater
from shared.gmail.api import CALENDAR_READONLY_SCOPE, GMAIL_COMPOSE_SCOPE, GMAIL_READONLY_SCOPE, GMAIL_SEND_SCOPE
from shared.gmail.connect import connect_mailbox, revoke_grant
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.log import get_logger
from shared.principals import Principal
from shared.settings import Settings, get_settings
from shared.transactions import transactional

log = get_logger("oauth")
OAUTH_STATES = "oauthStates"
STATE_LIFETIME = timedelta(minutes=10)
IDENTITY_SCOPES = ("openid", "email")  # Google's ID token names the account that consented
SCOPES = (GMAIL_READONLY_SCOPE, *IDENTITY_SCOPES)
GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
# A member's own addresses besides their sign-in one, approved by an admin (decision 18).
GMAIL_ALIASES_FIELD = "gmailAliases"


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
    CALENDAR_NOT_ALLOWED = "calendar_not_allowed"  # asked to connect the calendar, its box was left unticked
    NO_OFFLINE_ACCESS = "no_offline_access"
    OTHER_BROWSER = "other_browser"  # the callback came without the starting browser's cookie
    WRONG_ACCOUNT = "wrong_account"  # consent was given as a Google account that is not the user's
    UNVERIFIED_ACCOUNT = "unverified_account"  # Google's ID token was missing, invalid or unverified
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, error: DomainError) -> ConnectFailure:
        reason = error.details.get("reason")
        return cls(reason) if isinstance(reason, str) and reason in cls._value2member_map_ else cls.UNKNOWN


class ConnectRefused(InvalidInput):
    """Connecting was refused for a `ConnectFailure`; nothing was stored."""

    def __init__(self, message: str, *, reason: ConnectFailure, return_to: str = "/settings") -> None:
        super().__init__(message, reason=reason.value)
        self.reason = reason
        self.return_to = return_to


@dataclass(frozen=True)
class ConsentStart:
    """Where to send the browser, and the nonce it must carry back (as an HttpOnly cookie) to finish."""

    authorization_url: str
    browser_nonce: str


@dataclass(frozen=True)
class Connected:
    ref: MailboxRef
    return_to: str
    uid: str = ""
    email: str = ""
    # The assistant's draft whose confirmation asked for this consent: confirmed now that drafts are allowed.
    draft_proposal_id: str | None = None
    # The consent was asked to add the calendar (calendar.readonly, incrementally): connect it now.
    calendar: bool = False


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

    def start(
        self,
        principal: Principal,
        workspace_id: str,
        *,
        return_to: str = "/settings",
        send_mail: bool = False,
        draft_proposal_id: str | None = None,
        calendar: bool = False,
    ) -> ConsentStart:
        """A consent URL for the caller's own Gmail, bound to them and to the browser that carries the nonce;
        `send_mail` also asks to send mail as them (invitations from their Gmail), besides reading it.
        `draft_proposal_id` asks for gmail.compose alone (the read grant is kept by include_granted_scopes)
        and confirms that draft of the assistant's once Google consents (decision 30). `calendar` asks for
        calendar.readonly alone, the same way: the grant that reads Gmail then reads the calendar too (decision 37)."""
        if not principal.email or not principal.email_verified:
            raise PermissionDenied("verify your email address first: Rapport connects only your own Gmail")
        state, verifier, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(64), secrets.token_urlsafe(32)
        key = _digest(state)
        self._db.document(OAUTH_STATES, key).set(
            {
                "uid": principal.uid,
                "email": principal.email.strip().lower(),
                "workspaceId": workspace_id,
                "browser": _digest(nonce),
                "verifier": self._box.seal(verifier, context=key).model_dump(),
                "returnTo": return_to if return_to.startswith("/") else "/settings",
                "expiresAt": datetime.now(UTC) + STATE_LIFETIME,
                "draftProposalId": draft_proposal_id,
                "calendar": calendar,
            }
        )
        if draft_proposal_id:
            scopes: tuple[str, ...] = (*IDENTITY_SCOPES, GMAIL_COMPOSE_SCOPE)
        elif calendar:
            scopes = (*IDENTITY_SCOPES, CALENDAR_READONLY_SCOPE)
        else:
            scopes = (*SCOPES, GMAIL_SEND_SCOPE) if send_mail else SCOPES
        query = {
            "client_id": self._settings.oauth_client_id,
            "redirect_uri": self._settings.oauth_redirect_uri,
            "response_type": "code",
            "scope": " ".join(scopes),
            "access_type": "offline",  # a refresh token, so sync runs while the user is away
            "prompt": "consent",  # Google only returns a refresh token on consent
            "include_granted_scopes": "true",
            "state": state,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
            "login_hint": principal.email,
        }
        return ConsentStart(f"{self._settings.oauth_auth_uri}?{urllib.parse.urlencode(query)}", nonce)

    def complete(self, *, code: str, state: str, browser_nonce: str | None) -> Connected:
        """Google redirected back with `code`: check `state` and the browser that carries it, redeem the code
        with the PKCE verifier, check whose Gmail it grants, connect."""
        key = _digest(state)
        pending = self._take_state(key)
        if not browser_nonce or not hmac.compare_digest(_digest(browser_nonce), str(pending.get("browser", ""))):
            # Not redeemed: whoever opened this link did not start it (a link passed on), or started another since.
            raise ConnectRefused(
                "this Gmail connection was started in another browser; nothing was connected",
                reason=ConnectFailure.OTHER_BROWSER,
            )
        verifier = self._box.open(EncryptedSecret.model_validate(pending["verifier"]), context=key)
        refresh_token, id_token = self._redeem(code, verifier, calendar=bool(pending.get("calendar")))
        address = self._granted_address(pending, refresh_token, id_token)
        ref = connect_mailbox(
            workspace_id=pending["workspaceId"], owner_uid=pending["uid"], refresh_token=refresh_token, address=address
        )
        return Connected(
            ref=ref,
            return_to=pending["returnTo"],
            uid=pending["uid"],
            email=address,
            draft_proposal_id=pending.get("draftProposalId"),
            calendar=bool(pending.get("calendar")),
        )

    def _granted_address(self, pending: dict[str, Any], refresh_token: str, id_token: str | None) -> str:
        """The Gmail address Google's signed ID token names, when it is the user's own; otherwise the grant
        just issued is dropped and nothing is connected."""
        return_to = str(pending["returnTo"])
        try:
            claims = self._verified_claims(id_token)
        except ConnectRefused as refused:
            self._drop_grant(refresh_token, address=None)
            raise ConnectRefused(refused.message, reason=refused.reason, return_to=return_to) from refused
        address = str(claims["email"]).strip().lower()
        if address not in self._own_addresses(pending):
            self._drop_grant(refresh_token, address=address)
            log.warning(
                "consent given as another Google account; nothing connected",
                extra={"uid": pending["uid"], "workspaceId": pending["workspaceId"]},
            )
            raise ConnectRefused(
                "the Google account that granted access is not yours; nothing was connected",
                reason=ConnectFailure.WRONG_ACCOUNT,
                return_to=return_to,
            )
        return address

    def _verified_claims(self, id_token: str | None) -> dict[str, Any]:
        unverified = ConnectRefused(
            "Google did not confirm which account granted access; nothing was connected",
            reason=ConnectFailure.UNVERIFIED_ACCOUNT,
        )
        if not id_token:
            raise unverified
        try:
            claims = dict(
                google_id_token.verify_token(
                    id_token,
                    google.auth.transport.requests.Request(self._http),
                    audience=self._settings.oauth_client_id,
                    certs_url=self._settings.google_certs_url,
                    clock_skew_in_seconds=10,
                )
            )
        except google.auth.exceptions.TransportError as error:
            raise RetryLater(
                "Google's keys could not be fetched; try again", reason=ConnectFailure.GOOGLE_UNAVAILABLE
            ) from error
        except (ValueError, google.auth.exceptions.GoogleAuthError) as error:
            log.warning("ID token rejected", extra={"error": str(error)})
            raise unverified from error
        verified_email = bool(claims.get("email")) and claims.get("email_verified") is True
        if claims.get("iss") not in GOOGLE_ISSUERS or not verified_email:
            raise unverified
        return claims

    def _own_addresses(self, pending: dict[str, Any]) -> set[str]:
        """The user's verified sign-in address and the aliases an admin approved on their membership."""
        member = self._db.document("workspaces", pending["workspaceId"], "members", pending["uid"]).get()
        aliases = (member.to_dict() or {}).get(GMAIL_ALIASES_FIELD) or []
        return {str(pending["email"]).lower()} | {str(alias).strip().lower() for alias in aliases}

    def _drop_grant(self, refresh_token: str, *, address: str | None) -> None:
        """Revokes a grant Rapport will not use. Google keeps one grant per account and app, so when the
        address is connected in some workspace, revoking would cut that connection off: forget it instead."""
        if address is not None and MailboxStore(db=self._db, box=self._box).mailboxes_for_address(address):
            return
        try:
            revoke_grant(refresh_token, settings=self._settings)
        except requests.RequestException:
            log.warning("could not revoke a refused grant; it stays unused")

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

    def _redeem(self, code: str, verifier: str, *, calendar: bool = False) -> tuple[str, str | None]:
        """The refresh token and the ID token Google answers for `code`."""
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
        if calendar and CALENDAR_READONLY_SCOPE not in str(answer.get("scope", "")).split():
            raise InvalidInput(
                "Rapport needs permission to read your calendar; tick that box when Google asks",
                reason=ConnectFailure.CALENDAR_NOT_ALLOWED,
            )
        if not answer.get("refresh_token"):
            raise InvalidInput(
                "Google granted no offline access; remove Rapport in your Google account and connect again",
                reason=ConnectFailure.NO_OFFLINE_ACCESS,
            )
        return str(answer["refresh_token"]), answer.get("id_token")
