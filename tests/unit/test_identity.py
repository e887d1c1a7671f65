"""The check internal functions make of their caller's OIDC token (shared/identity.py), against tokens
signed as Google signs them by the local stack's identity (devstack/identity.py), its certificates
fetched over loopback as the functions fetch Google's."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from devstack.identity import CERTS_PATH, LocalIdentity, certs_app
from devstack.local_server import LocalServer
from shared.errors import PermissionDenied, RetryLater, Unauthenticated
from shared.identity import ExpectedCaller, GoogleCerts, expected_caller, verify_caller
from shared.messaging import tasks
from shared.resources import resources
from shared.settings import Settings

PROJECT = "rapport-test"
BASE_URL = "https://us-central1-rapport-test.cloudfunctions.net"


@pytest.fixture(scope="module")
def issuer() -> LocalIdentity:
    return LocalIdentity.generate()


@pytest.fixture(scope="module")
def certs_url(issuer: LocalIdentity) -> Iterator[str]:
    with LocalServer(certs_app(issuer)) as server:
        yield f"{server.url}{CERTS_PATH}"


@pytest.fixture
def certs(certs_url: str) -> GoogleCerts:
    return GoogleCerts(certs_url)


@pytest.fixture(scope="module")
def settings(certs_url: str) -> Settings:
    return Settings(
        project_id=PROJECT,
        region="us-central1",
        functions_base_url=BASE_URL,
        oauth_redirect_uri="https://rapport.example/api/oauth-callback",
        web_app_url="https://rapport.example",
        oauth_client_id="client.apps.googleusercontent.com",
        local_token_key=base64.b64encode(b"k" * 32).decode(),
        google_certs_url=certs_url,
        tasks_base_url=None,  # a local stack started earlier in the session leaves its own in the environment
    )


@pytest.fixture
def sync_caller(settings: Settings) -> ExpectedCaller:
    expected = expected_caller("sync-mailbox", settings=settings)
    assert expected is not None
    return expected


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_the_expected_caller_is_the_account_resources_json_names_for_the_trigger(settings):
    declared = resources()
    for name, function in declared.functions.items():
        expected = expected_caller(name, settings=settings)
        if function.trigger == "pubsub":
            kind: str | None = "pubsub"
        elif function.invoker in ("tasks", "scheduler"):
            kind = function.invoker
        else:
            kind = None
        if kind is None:
            assert expected is None, name
            continue
        assert expected is not None
        assert expected.audience == f"{BASE_URL}/{name}"
        assert expected.email == f"{declared.callers[kind].account_id}@{PROJECT}.iam.gserviceaccount.com"
    assert expected_caller("gmail-push", settings=settings).email.startswith("rapport-events-invoker@")  # type: ignore[union-attr]
    assert expected_caller("renew-watches", settings=settings).email.startswith("rapport-scheduler@")  # type: ignore[union-attr]


def test_a_token_google_would_sign_for_the_caller_is_accepted(issuer, certs, sync_caller):
    token = issuer.mint(audience=sync_caller.audience, email=sync_caller.email)
    caller = verify_caller(bearer(token), sync_caller, certs=certs)
    assert caller.email == sync_caller.email


def test_no_token_or_another_scheme_is_refused(certs, sync_caller):
    for header in (None, "", "Bearer ", "Basic dXNlcjpwYXNz", "token-without-scheme"):
        with pytest.raises(Unauthenticated):
            verify_caller(header, sync_caller, certs=certs)


def test_a_token_signed_by_another_key_is_refused(certs, sync_caller):
    stranger = LocalIdentity.generate()
    with pytest.raises(Unauthenticated, match="unknown key"):
        verify_caller(
            bearer(stranger.mint(audience=sync_caller.audience, email=sync_caller.email)), sync_caller, certs=certs
        )


def test_a_forged_signature_under_googles_key_id_is_refused(issuer, certs, sync_caller):
    forged = LocalIdentity.generate().mint(audience=sync_caller.audience, email=sync_caller.email)
    header, payload, signature = forged.split(".")
    claimed = json.loads(base64.urlsafe_b64decode(header + "=="))
    claimed["kid"] = issuer.key_id
    header = base64.urlsafe_b64encode(json.dumps(claimed).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthenticated, match="bad signature"):
        verify_caller(bearer(f"{header}.{payload}.{signature}"), sync_caller, certs=certs)


def test_an_unsigned_token_is_refused(certs, sync_caller):
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    claims = {"iss": "https://accounts.google.com", "aud": sync_caller.audience, "email": sync_caller.email}
    unsigned = f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({**claims, 'email_verified': True})}."
    with pytest.raises(Unauthenticated):
        verify_caller(bearer(unsigned), sync_caller, certs=certs)


def test_a_token_for_another_function_is_refused(issuer, certs, sync_caller):
    token = issuer.mint(audience=f"{BASE_URL}/fetch-messages", email=sync_caller.email)
    with pytest.raises(Unauthenticated, match="wrong audience"):
        verify_caller(bearer(token), sync_caller, certs=certs)


def test_an_expired_token_is_refused(issuer, certs, sync_caller):
    token = issuer.mint(audience=sync_caller.audience, email=sync_caller.email, iat=1_000_000, exp=1_003_600)
    with pytest.raises(Unauthenticated, match="expired"):
        verify_caller(bearer(token), sync_caller, certs=certs)


def test_a_token_not_issued_by_google_is_refused(issuer, certs, sync_caller):
    token = issuer.mint(audience=sync_caller.audience, email=sync_caller.email, iss="https://evil.example")
    with pytest.raises(Unauthenticated, match="not issued by Google"):
        verify_caller(bearer(token), sync_caller, certs=certs)


def test_a_valid_token_of_another_account_is_forbidden(issuer, certs, sync_caller, settings):
    scheduler = expected_caller("renew-watches", settings=settings)
    assert scheduler is not None
    for email in (scheduler.email, "someone@gmail.com", f"rapport-api@{PROJECT}.iam.gserviceaccount.com"):
        token = issuer.mint(audience=sync_caller.audience, email=email)
        with pytest.raises(PermissionDenied):
            verify_caller(bearer(token), sync_caller, certs=certs)


def test_an_unverified_email_is_forbidden(issuer, certs, sync_caller):
    token = issuer.mint(audience=sync_caller.audience, email=sync_caller.email, email_verified=False)
    with pytest.raises(PermissionDenied):
        verify_caller(bearer(token), sync_caller, certs=certs)


def test_certificates_are_fetched_once_while_fresh(issuer, certs_url, sync_caller, monkeypatch):
    fetched: list[str] = []
    session = requests.Session()
    original = session.get

    def counting_get(url: str, **kwargs: Any) -> requests.Response:
        fetched.append(url)
        return original(url, **kwargs)

    monkeypatch.setattr(session, "get", counting_get)
    certs = GoogleCerts(certs_url, session=session)
    for _ in range(5):
        verify_caller(
            bearer(issuer.mint(audience=sync_caller.audience, email=sync_caller.email)), sync_caller, certs=certs
        )
    # Forged key ids do not send every request to Google: one refetch, then the known certificates.
    for _ in range(5):
        stranger = LocalIdentity.generate().mint(audience=sync_caller.audience, email=sync_caller.email)
        with pytest.raises(Unauthenticated):
            verify_caller(bearer(stranger), sync_caller, certs=certs)
    assert fetched == [certs_url]


def test_tasks_carry_an_oidc_token_of_the_tasks_invoker_for_the_functions_url(settings, monkeypatch):
    created: list[Any] = []

    class RecordingTasks:
        def queue_path(self, project: str, region: str, queue: str) -> str:
            return f"projects/{project}/locations/{region}/queues/{queue}"

        def create_task(self, *, parent: str, task: Any) -> Any:
            created.append(task)
            return task

    monkeypatch.setattr(tasks, "get_settings", lambda: settings)
    monkeypatch.setattr(tasks, "tasks_client", RecordingTasks)
    for key, queue in resources().queues.items():
        tasks.enqueue(key, {"workspaceId": "w"})
        request = created[-1].http_request
        assert request.url == f"{BASE_URL}/{queue.function}"
        assert request.oidc_token.audience == f"{BASE_URL}/{queue.function}"
        assert request.oidc_token.service_account_email == f"rapport-tasks-invoker@{PROJECT}.iam.gserviceaccount.com"


def test_certificates_out_of_reach_mean_deliver_again_not_refused(sync_caller, issuer):
    certs = GoogleCerts("http://127.0.0.1:9/oauth2/v1/certs")  # nothing listens on the discard port
    token = issuer.mint(audience=sync_caller.audience, email=sync_caller.email)
    with pytest.raises(RetryLater):
        verify_caller(bearer(token), sync_caller, certs=certs)
