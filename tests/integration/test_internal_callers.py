"""Internal functions act only for the caller Google would send: Pub/Sub push, Cloud Tasks or Cloud Scheduler
with an OIDC token for the function's URL (docs/decisions/0014).

Requests here go to the functions' ordinary port, which passes them through untouched; the stack's own
identity (the key the emulators' deliveries are signed with) mints the near-misses."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import pytest

from devstack.identity import LocalIdentity
from devstack.stack import PROJECT_ID
from shared.identity import expected_caller
from shared.resources import resources
from tests.support import wait_for

pytestmark = pytest.mark.integration

INTERNAL = sorted(name for name, function in resources().functions.items() if function.caller is not None)
UNREADABLE_BATCH = base64.b64encode(b'{"messages": "nope"}').decode()


def _envelope(data: str) -> bytes:
    message = {"data": data, "messageId": uuid.uuid4().hex, "publishTime": "2026-01-01T00:00:00Z"}
    return json.dumps({"message": message, "subscription": f"projects/{PROJECT_ID}/subscriptions/test"}).encode()


def _post(url: str, body: bytes, authorization: str | None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read())


def _json(body: bytes) -> dict:
    try:
        return dict(json.loads(body))
    except ValueError:
        return {}  # a CloudEvent function answers a handled push with a plain "OK"


def _near_misses(stack, function: str) -> dict[str, tuple[str | None, int]]:
    """Each way a call can fail to be the expected caller's, with the status it must get."""
    expected = expected_caller(function)
    assert expected is not None
    issuer: LocalIdentity = stack.identity
    other = "fetch-messages" if function != "fetch-messages" else "sync-mailbox"
    api_account = resources().service_accounts["api"].email(PROJECT_ID)
    return {
        "no token": (None, 401),
        "not a bearer token": ("Basic cnVubmVyOnNlY3JldA==", 401),
        "forged signature": (
            f"Bearer {LocalIdentity.generate().mint(audience=expected.audience, email=expected.email)}",
            401,
        ),
        "another function's audience": (
            f"Bearer {issuer.mint(audience=f'{stack.functions_url}/{other}', email=expected.email)}",
            401,
        ),
        "expired": (
            f"Bearer {issuer.mint(audience=expected.audience, email=expected.email, lifetime=timedelta(hours=-2))}",
            401,
        ),
        "another account": (f"Bearer {issuer.mint(audience=expected.audience, email=api_account)}", 403),
        "unverified email": (
            f"Bearer {issuer.mint(audience=expected.audience, email=expected.email, email_verified=False)}",
            403,
        ),
    }


@pytest.mark.parametrize("function", INTERNAL)
def test_an_internal_function_refuses_every_caller_but_its_own(stack, firestore_db, function):
    body = _envelope(UNREADABLE_BATCH) if resources().functions[function].trigger == "pubsub" else b"{}"
    for case, (authorization, status) in _near_misses(stack, function).items():
        answer_status, answer = _post(f"{stack.functions_url}/{function}", body, authorization)
        assert answer_status == status, f"{function}, {case}: {answer}"
        assert answer["error"]["code"] == ("unauthenticated" if status == 401 else "permission_denied")
    assert list(firestore_db.collections()) == [], "a refused call wrote something"


def test_a_refused_push_is_not_handled_and_the_signed_one_is(stack, firestore_db):
    expected = expected_caller("extract-messages")
    assert expected is not None
    forged = LocalIdentity.generate().mint(audience=expected.audience, email=expected.email)
    assert _post(f"{stack.functions_url}/extract-messages", _envelope(UNREADABLE_BATCH), f"Bearer {forged}")[0] == 401
    assert list(firestore_db.collection("deadLetters").stream()) == []

    # The same push signed as Pub/Sub signs it is handled: the unreadable batch becomes a dead letter.
    signed = stack.identity.mint(audience=expected.audience, email=expected.email)
    assert _post(f"{stack.functions_url}/extract-messages", _envelope(UNREADABLE_BATCH), f"Bearer {signed}")[0] == 200
    assert len(list(firestore_db.collection("deadLetters").stream())) == 1


def test_refusals_are_logged_without_a_stack_trace(stack, firestore_db):
    log_file = stack.runtime_dir / "logs" / "functions.log"
    start = log_file.stat().st_size
    assert _post(f"{stack.functions_url}/sync-mailbox", b"{}", "Bearer not.a.token")[0] == 401

    def refusal() -> str | None:
        with log_file.open() as log:
            log.seek(start)
            written = log.read()
        return written if "refused a call" in written else None

    written = wait_for(refusal, timeout=10, what="the refusal in the functions' log")
    entry = json.loads(next(line for line in written.splitlines() if "refused a call" in line))
    assert (entry["severity"], entry["function"], entry["reason"]) == (
        "WARNING",
        "sync-mailbox",
        "the OIDC token was refused: malformed token",
    )
    assert "Traceback" not in written


def test_the_entrance_the_emulators_use_signs_only_for_internal_functions(stack):
    status, answer = _post(f"{stack.internal_url}/contacts", b"{}", None)
    assert status == 403
    assert answer["error"]["code"] == "not_internal"
