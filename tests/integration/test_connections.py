"""Connecting Gmail through OAuth (state and PKCE), disconnecting, sync now, watch renewal, undoing a sync run."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from devstack import demo
from shared import ids
from shared.clients import firestore_client
from shared.gmail.mailboxes import MailboxRef, MailboxStore, credentials_id
from shared.principals import Role
from shared.workspaces import add_member, create_workspace
from tests.integration.api import Browser
from tests.support import id_token_for, mail, wait_for, with_content

pytestmark = pytest.mark.integration


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def _call(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raw = error.read()
        payload = json.loads(raw) if raw.startswith(b"{") else {}
        return error.code, dict(error.headers), payload


@pytest.fixture
def auth_stack(stack):
    stack.enable_auth()
    return stack


@pytest.fixture
def team(auth_stack, firestore_db, workspace_id):
    """A workspace with an owner whose Gmail mailbox exists at the local Gmail server (not yet connected)."""
    owner_uid, owner_email = f"u-{uuid.uuid4().hex[:6]}", f"owner.{uuid.uuid4().hex[:6]}@lumenway.io"
    create_workspace(workspace_id, name="Team", owner_uid=owner_uid, owner_email=owner_email)
    # Every correspondent counts and no first-sync preview waits: these tests follow connections, not the policy.
    policy = {"contactCreation": "sent_and_received", "requirePreview": False}
    firestore_client().document("workspaces", workspace_id).set({"settings": policy}, merge=True)
    demo.load_mailbox(auth_stack.gmail_url, owner_email)
    token = id_token_for(f"http://127.0.0.1:{auth_stack.ports.auth}", owner_uid, owner_email)
    return {"uid": owner_uid, "email": owner_email, "token": token, "workspace": workspace_id, "browser": Browser()}


def _connect_through_google(stack, team) -> tuple[str, str]:
    """Runs the browser's part of the flow: consent URL → Google → callback → back to the app."""
    browser = team["browser"]
    authorization_url = browser.start_gmail_connection(stack.functions_url, team["workspace"], team["token"])
    query = urllib.parse.parse_qs(urllib.parse.urlparse(authorization_url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["access_type"] == ["offline"]
    assert query["scope"][0].split() == ["https://www.googleapis.com/auth/gmail.readonly", "openid", "email"]
    callback = browser.consent(authorization_url)
    assert callback.startswith(f"{stack.functions_url}/oauth-callback?")
    return callback, browser.land(callback)


def test_connecting_gmail_runs_oauth_with_state_and_pkce(stack, team):
    callback, landing = _connect_through_google(stack, team)
    assert landing.startswith(f"{stack.web_url}/settings?gmail=connected")

    ref = MailboxRef(team["workspace"], ids.mailbox_id(team["email"]))
    mailbox = MailboxStore().get(ref)
    assert mailbox["status"] == "connected"
    assert mailbox["ownerUid"] == team["uid"]
    assert mailbox["watch"]["expiration"]
    credentials = firestore_client().document("mailboxCredentials", credentials_id(ref)).get().to_dict()
    stored = json.dumps(credentials["refreshToken"])
    assert MailboxStore().refresh_token(ref) not in stored  # only ciphertext at rest
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync")

    # The same callback again (a replay, or a double click) is refused and changes nothing.
    landing = team["browser"].land(callback)
    assert landing == f"{stack.web_url}/settings?gmail=error&reason=link_unknown"


def test_a_forged_state_connects_nothing(stack, team):
    browser = team["browser"]
    callback = browser.consent(browser.start_gmail_connection(stack.functions_url, team["workspace"], team["token"]))
    landing = browser.land(callback.replace("state=", "state=forged"))
    assert landing == f"{stack.web_url}/settings?gmail=error&reason=link_unknown"
    assert MailboxStore().mailboxes_for_address(team["email"]) == []


def test_declining_consent_returns_to_the_app_with_nothing_stored(stack, team):
    _, _, body = _call(f"{stack.functions_url}/connect-gmail", {"workspaceId": team["workspace"]}, team["token"])
    state = urllib.parse.parse_qs(urllib.parse.urlparse(body["authorizationUrl"]).query)["state"][0]
    _, headers, _ = _call(f"{stack.functions_url}/oauth-callback?error=access_denied&state={state}")
    assert headers["Location"] == f"{stack.web_url}/settings?gmail=declined"
    assert MailboxStore().mailboxes_for_address(team["email"]) == []


@pytest.mark.parametrize(
    ("token", "body", "status", "code"),
    [
        (None, {"workspaceId": "w"}, 401, "unauthenticated"),
        ("not-a-jwt", {"workspaceId": "w"}, 401, "unauthenticated"),
        ("TEAM", {"workspaceId": "someone-elses"}, 403, "permission_denied"),
        ("TEAM", {"workspace": "typo"}, 400, "invalid_input"),
    ],
    ids=["no-token", "forged-token", "not-a-member", "wrong-field"],
)
def test_connect_gmail_refuses_bad_callers(stack, team, token, body, status, code):
    answer_status, headers, answer = _call(
        f"{stack.functions_url}/connect-gmail", body, team["token"] if token == "TEAM" else token
    )
    assert answer_status == status
    assert answer["error"]["code"] == code
    if status == 400:
        assert answer["error"]["field"] == "workspaceId"
    if status == 401:
        assert headers["WWW-Authenticate"].startswith("Bearer")


def test_disconnecting_with_data_deletion_revokes_and_purges(stack, team):
    _connect_through_google(stack, team)
    ref = MailboxRef(team["workspace"], ids.mailbox_id(team["email"]))
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync")
    demo.deliver(stack.gmail_url, team["email"], mail("Ola <ola@initrode.com>", team["email"]))
    contact = firestore_client().document(
        "workspaces", team["workspace"], "contacts", ids.contact_id("ola@initrode.com")
    )
    wait_for(lambda: contact.get().exists, what="Ola as a contact")
    refresh_token = MailboxStore().refresh_token(ref)

    # A plain member may not disconnect someone else's mailbox.
    add_member(team["workspace"], uid="u-member", email="member@lumenway.io", role=Role.MEMBER)
    member = id_token_for(f"http://127.0.0.1:{stack.ports.auth}", "u-member", "member@lumenway.io")
    body = {"workspaceId": team["workspace"], "mailboxId": ref.mailbox_id, "deleteData": True}
    assert _call(f"{stack.functions_url}/disconnect-gmail", body, member)[0] == 403

    status, _, answer = _call(f"{stack.functions_url}/disconnect-gmail", body, team["token"])
    assert (status, answer["status"]) == (200, "disconnected")
    assert MailboxStore().get(ref)["status"] == "disconnected"
    assert MailboxStore().mailboxes_for_address(team["email"]) == []
    assert not firestore_client().document("mailboxCredentials", credentials_id(ref)).get().exists
    wait_for(lambda: not contact.get().exists, what="the purge")
    interactions = firestore_client().collection("workspaces", team["workspace"], "interactions")
    assert interactions.count().get()[0][0].value == 0
    # Google no longer honours the grant.
    refreshed = urllib.request.Request(
        f"{stack.gmail_url}/token",
        data=urllib.parse.urlencode(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": stack.env["RAPPORT_OAUTH_CLIENT_ID"],
                "client_secret": stack.env["RAPPORT_OAUTH_CLIENT_SECRET"],
            }
        ).encode(),
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(refreshed, timeout=10)
    assert refused.value.code == 400


def test_sync_now_and_watch_renewal(stack, team):
    _connect_through_google(stack, team)
    ref = MailboxRef(team["workspace"], ids.mailbox_id(team["email"]))
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync")
    before = MailboxStore().get(ref)["watch"]["expiration"]

    body = {"workspaceId": team["workspace"], "mailboxId": ref.mailbox_id}
    assert _call(f"{stack.functions_url}/sync-now", body, team["token"])[0] == 202
    status, _, report = _call(f"{stack.internal_url}/renew-watches", {})
    assert status == 200
    assert report["renewed"] >= 1
    assert MailboxStore().get(ref)["watch"]["expiration"] >= before


def test_undoing_a_sync_run_takes_its_mail_out_and_keeps_it_out(stack, team):
    _connect_through_google(stack, team)
    ref = MailboxRef(team["workspace"], ids.mailbox_id(team["email"]))
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync")
    db = firestore_client()
    contacts = db.collection("workspaces", team["workspace"], "contacts")
    demo.deliver(stack.gmail_url, team["email"], mail("Pam <pam@dundermifflin.com>", team["email"], "One"))
    wait_for(lambda: contacts.document(ids.contact_id("pam@dundermifflin.com")).get().exists, what="Pam")
    demo.deliver(stack.gmail_url, team["email"], mail("Pam <pam@dundermifflin.com>", team["email"], "Two"))
    pam = contacts.document(ids.contact_id("pam@dundermifflin.com"))
    wait_for(lambda: (pam.get().to_dict() or {}).get("receivedCount") == 2, what="Pam's second mail")
    wait_for(lambda: demo.mailbox_progress(ref).done, what="sync to settle")

    interactions = db.collection("workspaces", team["workspace"], "interactions")
    second = next(i for i in map(with_content, interactions.stream()) if i["subject"] == "Two")
    run = db.document("workspaces", team["workspace"], "syncRuns", second["syncRunId"])
    wait_for(lambda: run.get().to_dict()["state"] == "done", what="the sync run to finish")  # running runs refuse undo
    body = {"workspaceId": team["workspace"], "syncRunId": second["syncRunId"]}
    assert _call(f"{stack.functions_url}/undo-sync-run", body, team["token"])[0] == 202
    wait_for(lambda: (pam.get().to_dict() or {}).get("receivedCount") == 1, what="the undo")
    assert pam.get().to_dict()["interactionCount"] == 1
    # The run is marked undone after its mail is taken out (shared/crm/repair.py), so it may lag the counts.
    wait_for(lambda: run.get().to_dict()["state"] == "undone", what="the run marked undone")
