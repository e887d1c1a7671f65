"""The OAuth web-server flow against the local Gmail server: consent, PKCE, offline access, scopes, userinfo."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import google.auth.exceptions
import google.auth.transport.requests
import pytest
import requests
from google.oauth2 import id_token as google_id_token
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from tests.unit.test_gmail_server_harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    EML_DIR,
    OWNER,
    TOKEN_SCHEMA,
    RecordingServer,
    assert_exchanges_valid,
    start_recording_server,
    validate,
)

REDIRECT_URI = "http://localhost:8080/oauth/callback"
GMAIL_READONLY = "https://www.googleapis.com/auth/gmail.readonly"
USERINFO_EMAIL = "https://www.googleapis.com/auth/userinfo.email"
OTHER = "other@rapport.test"
ISSUER = "https://accounts.google.com"


@pytest.fixture(scope="module")
def gmail() -> Iterator[RecordingServer]:
    server = start_recording_server()
    yield server
    server.server.stop()
    assert assert_exchanges_valid(server.exchanges) > 20


@pytest.fixture(autouse=True)
def mailboxes(gmail: RecordingServer) -> None:
    # Reloading replaces the mailboxes; revoking clears what earlier tests consented to.
    for email in (OWNER, OTHER):
        gmail.load_mailbox(email, eml_dir=str(EML_DIR))
        gmail.post_json(f"/_dev/mailboxes/{email}/revoke")
        gmail.post_json(f"/_dev/mailboxes/{email}/consent", {"consent": "allow"})


class Pkce:
    def __init__(self) -> None:
        self.verifier = secrets.token_urlsafe(64)
        self.challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()


def auth_params(pkce: Pkce, **overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": f"{GMAIL_READONLY} openid email",
        "state": "state-" + secrets.token_urlsafe(8),
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        "access_type": "offline",
        "prompt": "consent",
        "login_hint": OWNER,
        **overrides,
    }
    return {key: value for key, value in params.items() if value is not None}


def authorize(gmail: RecordingServer, params: dict[str, str]) -> requests.Response:
    return requests.get(f"{gmail.url}/o/oauth2/v2/auth", params=params, allow_redirects=False, timeout=10)


def consent(gmail: RecordingServer, params: dict[str, str]) -> dict[str, str]:
    """Follow the consent screen to its redirect and return the callback's query."""
    answer = authorize(gmail, params)
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert query["state"] == params["state"]
    return query


def exchange(gmail: RecordingServer, code: str, verifier: str | None, redirect_uri: str = REDIRECT_URI) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    if verifier is not None:
        form["code_verifier"] = verifier
    return requests.post(f"{gmail.url}/token", data=form, timeout=10)


def connect(gmail: RecordingServer, **overrides: str | None) -> dict[str, Any]:
    pkce = Pkce()
    query = consent(gmail, auth_params(pkce, **overrides))
    answer = exchange(gmail, query["code"], pkce.verifier)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def credentials_for(gmail: RecordingServer, token: dict[str, Any]) -> Credentials:
    return Credentials(
        token=token["access_token"],
        refresh_token=token.get("refresh_token"),
        token_uri=f"{gmail.url}/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )


def service_for(gmail: RecordingServer, token: dict[str, Any]) -> Any:
    return build(
        "gmail",
        "v1",
        credentials=credentials_for(gmail, token),
        client_options={"api_endpoint": gmail.url},
        static_discovery=True,
        cache_discovery=False,
    )


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def assert_oauth_error(answer: requests.Response, status: int, error: str, description: str | None = None) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    if description is not None:
        assert body["error_description"] == description


# The flow that works ------------------------------------------------------------------------------------


def test_pkce_offline_flow_gives_tokens_the_client_uses(gmail: RecordingServer) -> None:
    pkce = Pkce()
    params = auth_params(pkce)
    query = consent(gmail, params)
    assert query["code"].startswith("4/0")
    assert query["scope"].split() == [GMAIL_READONLY, "openid", USERINFO_EMAIL]  # Google spells out `email`

    answer = exchange(gmail, query["code"], pkce.verifier)
    assert answer.status_code == 200
    assert "no-store" in answer.headers["Cache-Control"]
    token = answer.json()
    validate(token, TOKEN_SCHEMA)
    assert token["refresh_token"].startswith("1//")
    assert token["scope"] == query["scope"]
    claims = jwt_claims(token["id_token"])
    assert claims["aud"] == CLIENT_ID
    assert claims["iss"] == "https://accounts.google.com"
    assert (claims["email"], claims["email_verified"]) == (OWNER, True)

    service = service_for(gmail, token)
    assert service.users().getProfile(userId="me").execute()["emailAddress"] == OWNER
    # The refresh token keeps working after the access token is gone, through google-auth.
    credentials = credentials_for(gmail, {**token, "access_token": None})
    credentials.refresh(google.auth.transport.requests.Request())
    assert str(credentials.token).startswith("ya29.")


def test_userinfo_and_tokeninfo(gmail: RecordingServer) -> None:
    token = connect(gmail)
    userinfo = requests.get(
        f"{gmail.url}/oauth2/v3/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10
    ).json()
    assert userinfo == {"sub": jwt_claims(token["id_token"])["sub"], "email": OWNER, "email_verified": True}
    info = requests.get(
        f"{gmail.url}/oauth2/v3/tokeninfo", params={"access_token": token["access_token"]}, timeout=10
    ).json()
    assert info["aud"] == CLIENT_ID
    assert info["email"] == OWNER
    assert info["access_type"] == "offline"
    assert set(info["scope"].split()) == {GMAIL_READONLY, "openid", USERINFO_EMAIL}
    assert_oauth_error(
        requests.get(f"{gmail.url}/oauth2/v3/tokeninfo", params={"access_token": "ya29.nope"}, timeout=10),
        400,
        "invalid_token",
    )
    assert_oauth_error(
        requests.get(f"{gmail.url}/oauth2/v3/userinfo", headers={"Authorization": "Bearer ya29.nope"}, timeout=10),
        401,
        "invalid_request",
    )


def test_without_offline_access_there_is_no_refresh_token(gmail: RecordingServer) -> None:
    token = connect(gmail, access_type=None)
    assert "refresh_token" not in token
    assert service_for(gmail, token).users().getProfile(userId="me").execute()["emailAddress"] == OWNER
    info = requests.get(
        f"{gmail.url}/oauth2/v3/tokeninfo", params={"access_token": token["access_token"]}, timeout=10
    ).json()
    assert info["access_type"] == "online"


def test_refresh_token_only_when_the_consent_screen_is_shown(gmail: RecordingServer) -> None:
    assert "refresh_token" in connect(gmail, prompt=None)  # first consent
    assert "refresh_token" not in connect(gmail, prompt=None)  # already granted: Google skips the screen
    assert "refresh_token" in connect(gmail, prompt="consent")
    # A new scope brings the screen back; include_granted_scopes keeps what was granted before.
    token = connect(
        gmail, prompt=None, scope="https://www.googleapis.com/auth/gmail.metadata", include_granted_scopes="true"
    )
    assert "refresh_token" in token
    assert set(token["scope"].split()) >= {GMAIL_READONLY, "https://www.googleapis.com/auth/gmail.metadata"}


def test_prompt_none_without_earlier_consent_is_refused(gmail: RecordingServer) -> None:
    params = auth_params(Pkce(), prompt="none")
    query = consent(gmail, params)
    assert query == {"error": "consent_required", "state": params["state"]}
    connect(gmail)
    assert "code" in consent(gmail, auth_params(Pkce(), prompt="none"))


def test_login_hint_picks_the_consenting_mailbox(gmail: RecordingServer) -> None:
    token = connect(gmail, login_hint=OTHER)
    assert service_for(gmail, token).users().getProfile(userId="me").execute()["emailAddress"] == OTHER


def test_id_tokens_verify_against_the_published_certs_as_googles_do(gmail: RecordingServer) -> None:
    token = connect(gmail)
    request = google.auth.transport.requests.Request()
    x509_certs = f"{gmail.url}/oauth2/v1/certs"
    claims = google_id_token.verify_token(token["id_token"], request, audience=CLIENT_ID, certs_url=x509_certs)
    assert (claims["iss"], claims["email"], claims["email_verified"]) == (ISSUER, OWNER, True)
    with pytest.raises(ValueError, match="audience"):
        google_id_token.verify_token(token["id_token"], request, audience="someone-else", certs_url=x509_certs)
    header, _, signature = token["id_token"].split(".")
    forged = jwt_claims(token["id_token"]) | {"email": OTHER}
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises((ValueError, google.auth.exceptions.GoogleAuthError)):
        google_id_token.verify_token(
            f"{header}.{forged_payload}.{signature}", request, audience=CLIENT_ID, certs_url=x509_certs
        )


def test_the_account_chooser_lets_another_account_answer_the_hinted_screen(gmail: RecordingServer) -> None:
    gmail.post_json("/_dev/account-chooser", {"loginHint": OWNER, "account": OTHER})
    try:
        token = connect(gmail)  # hinted at OWNER, answered by OTHER
    finally:
        gmail.post_json("/_dev/account-chooser", {"loginHint": OWNER, "account": None})
    assert jwt_claims(token["id_token"])["email"] == OTHER
    assert service_for(gmail, token).users().getProfile(userId="me").execute()["emailAddress"] == OTHER
    assert jwt_claims(connect(gmail)["id_token"])["email"] == OWNER


def test_revoking_one_token_ends_the_accounts_whole_grant(gmail: RecordingServer) -> None:
    first, second = connect(gmail), connect(gmail)
    requests.post(f"{gmail.url}/revoke", params={"token": first["refresh_token"]}, timeout=10).raise_for_status()
    with pytest.raises(google.auth.exceptions.RefreshError, match="invalid_grant"):
        credentials_for(gmail, {**second, "access_token": None}).refresh(google.auth.transport.requests.Request())


# Failures -----------------------------------------------------------------------------------------------


def test_denied_consent_redirects_with_access_denied(gmail: RecordingServer) -> None:
    gmail.post_json(f"/_dev/mailboxes/{OWNER}/consent", {"consent": "deny"})
    params = auth_params(Pkce())
    assert consent(gmail, params) == {"error": "access_denied", "state": params["state"]}
    gmail.post_json(f"/_dev/mailboxes/{OWNER}/consent", {"consent": "allow"})
    assert "refresh_token" in connect(gmail)


def test_wrong_or_missing_verifier_is_invalid_grant(gmail: RecordingServer) -> None:
    for verifier, description in ((Pkce().verifier, "Invalid code verifier."), (None, "Missing code verifier.")):
        query = consent(gmail, auth_params(Pkce()))
        assert_oauth_error(exchange(gmail, query["code"], verifier), 400, "invalid_grant", description)


def test_a_code_is_single_use(gmail: RecordingServer) -> None:
    pkce = Pkce()
    query = consent(gmail, auth_params(pkce))
    assert exchange(gmail, query["code"], pkce.verifier).status_code == 200
    assert_oauth_error(exchange(gmail, query["code"], pkce.verifier), 400, "invalid_grant")


def test_a_failed_exchange_burns_the_code(gmail: RecordingServer) -> None:
    pkce = Pkce()
    query = consent(gmail, auth_params(pkce))
    assert exchange(gmail, query["code"], Pkce().verifier).status_code == 400
    assert_oauth_error(exchange(gmail, query["code"], pkce.verifier), 400, "invalid_grant")


def test_redirect_uri_must_match(gmail: RecordingServer) -> None:
    pkce = Pkce()
    query = consent(gmail, auth_params(pkce))
    # Google names this error redirect_uri_mismatch rather than invalid_grant.
    answer = exchange(gmail, query["code"], pkce.verifier, redirect_uri="http://localhost:8080/elsewhere")
    assert_oauth_error(answer, 400, "redirect_uri_mismatch", "Bad Request")


def test_codes_expire(gmail: RecordingServer) -> None:
    tokens = gmail.server.app.store.tokens
    tokens.code_seconds = -1  # already expired when issued; stands in for the 10 minutes passing
    try:
        pkce = Pkce()
        query = consent(gmail, auth_params(pkce))
    finally:
        tokens.code_seconds = 600
    assert_oauth_error(exchange(gmail, query["code"], pkce.verifier), 400, "invalid_grant")


def test_client_credentials_are_checked_at_exchange(gmail: RecordingServer) -> None:
    pkce = Pkce()
    query = consent(gmail, auth_params(pkce))
    form = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT_URI}
    form |= {"code_verifier": pkce.verifier, "client_id": CLIENT_ID, "client_secret": "wrong"}
    assert_oauth_error(requests.post(f"{gmail.url}/token", data=form, timeout=10), 401, "invalid_client")


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_id": None}, 400, "invalid_request"),
        ({"client_id": "someone-else.apps.googleusercontent.com"}, 401, "invalid_client"),
        ({"redirect_uri": None}, 400, "invalid_request"),
        ({"redirect_uri": "not a url"}, 400, "invalid_request"),
        ({"response_type": None}, 400, "invalid_request"),
        ({"response_type": "token"}, 400, "unsupported_response_type"),
        ({"scope": None}, 400, "invalid_request"),
        ({"scope": "https://example.test/everything"}, 400, "invalid_scope"),
        ({"state": None}, 400, "invalid_request"),
        ({"code_challenge": None}, 400, "invalid_request"),
        ({"code_challenge": "short"}, 400, "invalid_request"),
        ({"code_challenge_method": None}, 400, "invalid_request"),
        ({"code_challenge_method": "plain"}, 400, "invalid_request"),
        ({"access_type": "forever"}, 400, "invalid_request"),
        ({"prompt": "none consent"}, 400, "invalid_request"),
        ({"login_hint": "nobody@rapport.test"}, 400, "invalid_request"),
    ],
)
def test_malformed_consent_requests_are_refused(
    gmail: RecordingServer, overrides: dict[str, str | None], status: int, error: str
) -> None:
    assert_oauth_error(authorize(gmail, auth_params(Pkce(), **overrides)), status, error)


def test_without_a_matching_login_hint_the_only_mailbox_consents() -> None:
    server = start_recording_server()
    try:
        params = auth_params(Pkce(), login_hint=None)
        server.load_mailbox(OWNER, eml_dir=str(EML_DIR))
        assert "code" in consent(server, params)
        # A hint naming no mailbox is a user choosing another account: the only mailbox consents.
        assert "code" in consent(server, {**params, "login_hint": "nobody@rapport.test"})
        server.load_mailbox(OTHER, eml_dir=str(EML_DIR))
        assert_oauth_error(authorize(server, params), 400, "invalid_request")
    finally:
        server.server.stop()
    assert_exchanges_valid(server.exchanges)


# Scopes on Gmail calls ----------------------------------------------------------------------------------


def test_a_token_without_a_gmail_scope_gets_insufficient_permissions(gmail: RecordingServer) -> None:
    token = connect(gmail, scope="openid email")
    request = service_for(gmail, token).users().messages().list(userId="me")
    with pytest.raises(HttpError) as raised:
        request.execute(num_retries=0)
    assert raised.value.resp.status == 403
    error = json.loads(raised.value.content)["error"]
    assert error["status"] == "PERMISSION_DENIED"
    assert error["errors"][0]["reason"] == "insufficientPermissions"
    assert 'error="insufficient_scope"' in raised.value.resp["www-authenticate"]


def test_a_narrower_gmail_scope_still_reads_what_it_may(gmail: RecordingServer) -> None:
    token = connect(gmail, scope="https://www.googleapis.com/auth/gmail.metadata")
    service = service_for(gmail, token)
    assert service.users().messages().list(userId="me").execute()["resultSizeEstimate"] > 0
