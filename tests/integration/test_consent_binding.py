"""A consent link never connects someone else's Gmail: the OAuth state is bound to the browser and the user
that started it, the Gmail granted must be that user's own, and one address connected in several
workspaces is several connections that never take each other over (decision 18)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field

import pytest

from devstack import demo
from shared import ids
from shared.clients import firestore_client
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.workspaces import Role, add_member
from tests.integration.api import Api, Browser, User
from tests.support import id_token_for, mail, open_workspace, wait_for

pytestmark = pytest.mark.integration


@dataclass
class Person:
    """Someone with a Rapport sign-in, a Gmail mailbox at the local Gmail server and a browser of their own."""

    uid: str
    email: str
    token: str
    browser: Browser = field(default_factory=Browser)


@pytest.fixture
def auth_stack(stack):
    stack.enable_auth()
    return stack


def _person(stack, name: str) -> Person:
    uid = f"{name}-{uuid.uuid4().hex[:6]}"
    email = f"{uid}@lumenway.io"
    demo.load_mailbox(stack.gmail_url, email)
    return Person(uid, email, id_token_for(f"http://127.0.0.1:{stack.ports.auth}", uid, email))


@pytest.fixture
def ann(auth_stack, firestore_db, workspace_id) -> Person:
    """Ann owns the workspace under test; her Gmail is not connected."""
    person = _person(auth_stack, "ann")
    open_workspace(workspace_id, owner_uid=person.uid, owner_email=person.email)
    return person


@pytest.fixture
def bob(auth_stack, firestore_db, workspace_id) -> tuple[Person, MailboxRef]:
    """Bob owns another workspace where his Gmail is connected (through the real flow) and synced."""
    person = _person(auth_stack, "bob")
    bobs_workspace = f"{workspace_id}-bob"
    open_workspace(bobs_workspace, owner_uid=person.uid, owner_email=person.email)
    landing = person.browser.connect_gmail(auth_stack.functions_url, bobs_workspace, person.token)
    assert "gmail=connected" in landing, landing
    ref = MailboxRef(bobs_workspace, ids.mailbox_id(person.email))
    wait_for(lambda: demo.mailbox_progress(ref).done, what="Bob's first sync")
    return person, ref


@pytest.fixture
def chooser(auth_stack):
    """Makes Google's consent screen, hinted at one account, be answered by another (a user picking it)."""
    chosen: list[str] = []

    def choose(login_hint: str, account: str) -> None:
        demo.dev_call(auth_stack.gmail_url, "account-chooser", {"loginHint": login_hint, "account": account})
        chosen.append(login_hint)

    yield choose
    for hint in chosen:
        demo.dev_call(auth_stack.gmail_url, "account-chooser", {"loginHint": hint, "account": None})


def _refreshes(stack, refresh_token: str) -> bool:
    """Whether Google still honours the grant."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": stack.env["RAPPORT_OAUTH_CLIENT_ID"],
        "client_secret": stack.env["RAPPORT_OAUTH_CLIENT_SECRET"],
    }
    request = urllib.request.Request(f"{stack.gmail_url}/token", data=urllib.parse.urlencode(form).encode())
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return bool(json.loads(answer.read()).get("access_token"))
    except urllib.error.HTTPError:
        return False


def _contact(workspace_id: str, email: str):  # type: ignore[no-untyped-def]
    return firestore_client().document("workspaces", workspace_id, "contacts", ids.contact_id(email))


def _mailboxes_in(workspace_id: str) -> list[str]:
    return [doc.id for doc in firestore_client().collection("workspaces", workspace_id, "mailboxes").stream()]


def _assert_still_connected(stack, bob: Person, ref: MailboxRef) -> None:
    """Bob's connection elsewhere keeps its grant, its routing and its notifications."""
    assert MailboxStore().get(ref)["status"] == "connected"
    assert _refreshes(stack, MailboxStore().refresh_token(ref))
    sender = f"pat.{uuid.uuid4().hex[:6]}@initech.com"
    demo.deliver(stack.gmail_url, bob.email, mail(f"Pat <{sender}>", bob.email, "Still here"))
    wait_for(lambda: _contact(ref.workspace_id, sender).get().exists, what="Bob's new mail in his workspace")


def test_consent_given_as_another_account_connects_nothing(auth_stack, workspace_id, ann, bob, chooser):
    bob_person, bobs_ref = bob
    # Ann starts connecting her Gmail, and on Google's screen Bob's account answers (Ann picked it, or Bob
    # signed in on her machine).
    chooser(ann.email, bob_person.email)
    landing = ann.browser.connect_gmail(auth_stack.functions_url, workspace_id, ann.token)

    assert landing == f"{auth_stack.web_url}/settings?gmail=error&reason=wrong_account"
    assert _mailboxes_in(workspace_id) == []
    assert MailboxStore().mailboxes_for_address(bob_person.email) == [bobs_ref]
    _assert_still_connected(auth_stack, bob_person, bobs_ref)


def test_consent_as_another_account_revokes_the_unused_grant(auth_stack, workspace_id, ann, chooser):
    carl = _person(auth_stack, "carl")  # connected nowhere: the grant he just gave is dropped at Google
    chooser(ann.email, carl.email)
    authorization_url = ann.browser.start_gmail_connection(auth_stack.functions_url, workspace_id, ann.token)
    assert ann.browser.land(ann.browser.consent(authorization_url)).endswith("reason=wrong_account")
    assert MailboxStore().mailboxes_for_address(carl.email) == []
    # Google forgets a revoked grant's consent: asking again without a screen is refused.
    silent = ann.browser.open(authorization_url.replace("prompt=consent", "prompt=none"))
    assert "error=consent_required" in silent.headers["Location"]


def test_an_alias_an_admin_approved_connects(auth_stack, workspace_id, ann, chooser):
    alias = _person(auth_stack, "ann-alias")  # another Google account of Ann's
    chooser(ann.email, alias.email)
    landing = ann.browser.connect_gmail(auth_stack.functions_url, workspace_id, ann.token)
    assert landing.endswith("reason=wrong_account")  # not approved yet

    # Only an admin approves it, on Ann's membership (the owner here; a plain member may not).
    api, path = Api(auth_stack.functions_url, workspace_id), f"member/{ann.uid}/gmail-aliases"
    body = {"gmailAliases": [alias.email.upper()]}
    add_member(workspace_id, uid=alias.uid, email=alias.email, role=Role.MEMBER)
    assert api.call(User(alias.uid, alias.email, alias.token), "PUT", path, body).status == 403
    answer = api.call(User(ann.uid, ann.email, ann.token), "PUT", path, body)
    assert (answer.status, answer.body["gmailAliases"]) == (200, [alias.email]), answer.body
    landing = ann.browser.connect_gmail(auth_stack.functions_url, workspace_id, ann.token)
    assert "gmail=connected" in landing, landing
    assert MailboxStore().mailboxes_for_address(alias.email) == [MailboxRef(workspace_id, ids.mailbox_id(alias.email))]


@pytest.mark.parametrize("their_own_flow", [False, True], ids=["no-cookie", "another-browsers-cookie"])
def test_a_consent_link_opened_in_another_browser_connects_nothing(
    auth_stack, workspace_id, ann, bob, chooser, their_own_flow
):
    bob_person, bobs_ref = bob
    # Ann starts connecting, then sends the consent link to Bob, who opens it in his browser and consents.
    authorization_url = ann.browser.start_gmail_connection(auth_stack.functions_url, workspace_id, ann.token)
    if their_own_flow:  # Bob's browser holds a binding cookie of its own, from a flow Bob started
        bob_person.browser.start_gmail_connection(auth_stack.functions_url, bobs_ref.workspace_id, bob_person.token)
    chooser(ann.email, bob_person.email)
    landing = bob_person.browser.land(bob_person.browser.consent(authorization_url))

    assert landing == f"{auth_stack.web_url}/settings?gmail=error&reason=other_browser"
    assert _mailboxes_in(workspace_id) == []
    assert MailboxStore().mailboxes_for_address(bob_person.email) == [bobs_ref]
    _assert_still_connected(auth_stack, bob_person, bobs_ref)


def test_one_address_in_two_workspaces_syncs_in_both_and_one_disconnect_leaves_the_other(auth_stack, workspace_id, ann):
    second = f"{workspace_id}-second"
    open_workspace(second, owner_uid=f"{ann.uid}-x", owner_email=f"x.{ann.email}")
    add_member(second, uid=ann.uid, email=ann.email, role=Role.MEMBER)
    for workspace in (workspace_id, second):
        landing = ann.browser.connect_gmail(auth_stack.functions_url, workspace, ann.token)
        assert "gmail=connected" in landing, landing
    first_ref, second_ref = (MailboxRef(ws, ids.mailbox_id(ann.email)) for ws in (workspace_id, second))
    assert sorted(MailboxStore().mailboxes_for_address(ann.email), key=str) == sorted([first_ref, second_ref], key=str)
    for ref in (first_ref, second_ref):
        wait_for(lambda ref=ref: demo.mailbox_progress(ref).done, what="each first sync")

    demo.deliver(auth_stack.gmail_url, ann.email, mail("Ola <ola@initrode.com>", ann.email, "Both"))
    for workspace in (workspace_id, second):
        wait_for(lambda ws=workspace: _contact(ws, "ola@initrode.com").get().exists, what=f"Ola in {workspace}")

    body = {"workspaceId": workspace_id, "mailboxId": first_ref.mailbox_id}
    answer = ann.browser.open(f"{auth_stack.functions_url}/disconnect-gmail", body, ann.token)
    assert answer.status == 200, answer.body
    assert MailboxStore().get(first_ref)["status"] == "disconnected"
    assert MailboxStore().mailboxes_for_address(ann.email) == [second_ref]
    # The other workspace keeps its grant, Gmail's watch and its mail; the disconnected one gets no more.
    assert _refreshes(auth_stack, MailboxStore().refresh_token(second_ref))
    demo.deliver(auth_stack.gmail_url, ann.email, mail("Uma <uma@vandelay.com>", ann.email, "Second only"))
    wait_for(lambda: _contact(second, "uma@vandelay.com").get().exists, what="Uma in the second workspace")
    assert not _contact(workspace_id, "uma@vandelay.com").get().exists


def test_connect_gmail_needs_a_verified_email(auth_stack, workspace_id, ann):
    from firebase_admin import auth

    from shared.clients import firebase_app

    auth.update_user(ann.uid, email_verified=False, app=firebase_app())
    token = id_token_for(f"http://127.0.0.1:{auth_stack.ports.auth}", ann.uid, ann.email)
    answer = ann.browser.open(f"{auth_stack.functions_url}/connect-gmail", {"workspaceId": workspace_id}, token)
    assert answer.status == 403
    assert answer.body["error"]["code"] == "permission_denied"


def test_a_connection_stored_by_address_alone_keeps_working_until_it_reconnects(firestore_db, workspace_id):
    """Connections made before routing was per workspace are still routed and still open their grant."""
    from shared.crypto import secret_box
    from shared.errors import MailboxDisconnected

    address = f"old.{uuid.uuid4().hex[:6]}@lumenway.io"
    ref = MailboxRef(workspace_id, ids.mailbox_id(address))
    sealed = secret_box().seal("1//old-grant", context=ref.mailbox_id).model_dump()
    legacy_credentials = firestore_db.document("mailboxCredentials", ref.mailbox_id)
    legacy_route = firestore_db.document("mailboxIndex", address)
    legacy_credentials.set({"workspaceId": workspace_id, "email": address, "refreshToken": sealed})
    legacy_route.set({"workspaceId": workspace_id, "mailboxId": ref.mailbox_id})
    store = MailboxStore()

    assert store.mailboxes_for_address(address) == [ref]
    assert store.refresh_token(ref) == "1//old-grant"
    with pytest.raises(MailboxDisconnected):
        store.refresh_token(MailboxRef(f"{workspace_id}-other", ref.mailbox_id))  # never another workspace's

    store.save_connection(workspace_id=workspace_id, owner_uid="u-ann", email=address, refresh_token="1//new-grant")
    assert not legacy_credentials.get().exists
    assert not legacy_route.get().exists
    assert store.mailboxes_for_address(address) == [ref]
    assert store.refresh_token(ref) == "1//new-grant"
