"""Workspaces, members, roles and invitations through the HTTP API; a workspace never loses its last owner."""

from __future__ import annotations

import pytest

from tests.integration.api import Api, new_user, team

pytestmark = pytest.mark.integration


@pytest.fixture
def crm(stack, firestore_db, workspace_id):
    stack.enable_auth()
    auth_url = f"http://127.0.0.1:{stack.ports.auth}"
    users = team(auth_url, workspace_id)
    users["newcomer"] = new_user(auth_url, "newcomer")
    return Api(stack.functions_url, workspace_id), users


def test_an_invited_person_accepts_and_joins_with_the_invited_role(crm):
    api, users = crm
    newcomer = users["newcomer"]
    assert api.call(users["member"], "POST", "invitations", {"email": newcomer.email}).status == 403
    invited = api.call(users["admin"], "POST", "invitations", {"email": newcomer.email.upper(), "role": "viewer"})
    assert invited.status == 201, invited.body
    invitation = {"workspaceId": api.workspace_id, "invitationId": invited.body["id"]}
    assert api.call(users["outsider"], "POST", "accept-invitation", invitation).status == 403  # not their address
    assert api.call(newcomer, "GET", "contacts").status == 403

    accepted = api.call(newcomer, "POST", "accept-invitation", invitation)
    assert accepted.status == 200, accepted.body
    assert api.call(newcomer, "GET", "contacts").status == 200
    assert api.call(newcomer, "POST", "contacts", {"email": "x@y.com"}).status == 403  # a viewer
    mine = api.call(newcomer, "GET", "workspaces").body["items"]
    assert [(w["id"], w["role"]) for w in mine] == [(api.workspace_id, "viewer")]
    assert api.call(newcomer, "POST", "accept-invitation", invitation).status == 409  # used up


def test_a_revoked_invitation_cannot_be_accepted(crm):
    api, users = crm
    invited = api.call(users["owner"], "POST", "invitations", {"email": users["newcomer"].email}).body
    assert api.call(users["admin"], "GET", "invitations").body["items"][0]["id"] == invited["id"]
    assert api.call(users["admin"], "DELETE", f"invitation/{invited['id']}").status == 204
    answer = api.call(
        users["newcomer"], "POST", "accept-invitation", {"workspaceId": api.workspace_id, "invitationId": invited["id"]}
    )
    assert answer.status == 409
    assert api.call(users["admin"], "GET", "invitations").body["items"] == []


def test_role_changes_never_leave_a_workspace_without_an_owner(crm):
    api, users = crm
    owner, admin = users["owner"], users["admin"]
    assert api.call(admin, "PATCH", f"member/{users['member'].uid}", {"role": "viewer"}).status == 200
    assert api.call(admin, "PATCH", f"member/{admin.uid}", {"role": "owner"}).status == 403  # owners make owners
    assert api.call(admin, "PATCH", f"member/{owner.uid}", {"role": "member"}).status == 403
    assert api.call(owner, "PATCH", f"member/{owner.uid}", {"role": "admin"}).status == 409  # the last owner
    assert api.call(owner, "DELETE", f"member/{owner.uid}").status == 409
    assert api.call(owner, "PATCH", f"member/{admin.uid}", {"role": "owner"}).status == 200
    assert api.call(owner, "PATCH", f"member/{owner.uid}", {"role": "admin"}).status == 200  # another owner remains
    assert api.call(users["viewer"], "DELETE", f"member/{users['member'].uid}").status == 403
    assert api.call(users["viewer"], "DELETE", f"member/{users['viewer'].uid}").status == 204  # leaving
    roles = {m["uid"]: m["role"] for m in api.call(admin, "GET", "members").body["items"]}
    assert roles == {owner.uid: "admin", admin.uid: "owner", users["member"].uid: "viewer"}
    assert api.call(admin, "PATCH", "member/nobody", {"role": "viewer"}).status == 404
    assert api.call(admin, "PATCH", f"member/{owner.uid}", {"role": "emperor"}).status == 400


def test_a_new_workspace_has_its_creator_as_owner(crm):
    api, users = crm
    created = api.call(users["newcomer"], "POST", "workspaces", {"name": "Side project"})
    assert created.status == 201, created.body
    other = Api(api.base, created.body["id"])
    assert [m["role"] for m in other.call(users["newcomer"], "GET", "members").body["items"]] == ["owner"]


def _audit_actions(firestore_db, workspace_id: str) -> list[tuple[str, str, str]]:
    entries = firestore_db.collection("workspaces").document(workspace_id).collection("audit").stream()
    rows = sorted((entry.to_dict() for entry in entries), key=lambda entry: entry["at"])
    return [(row["action"], row["entity"], row["entityId"]) for row in rows]


def test_a_newcomer_sees_the_invitations_waiting_for_their_address(crm):
    api, users = crm
    newcomer, owner = users["newcomer"], users["owner"]
    assert api.call(newcomer, "GET", "accept-invitation").body["items"] == []
    invited = api.call(owner, "POST", "invitations", {"email": newcomer.email, "role": "admin"}).body
    api.call(owner, "POST", "invitations", {"email": users["outsider"].email})

    waiting = api.call(newcomer, "GET", "accept-invitation").body["items"]
    assert [(w["id"], w["workspaceId"], w["workspaceName"], w["role"]) for w in waiting] == [
        (invited["id"], api.workspace_id, "Team", "admin")
    ]
    assert waiting[0]["invitedByEmail"] == owner.email
    accepted = api.call(
        newcomer, "POST", "accept-invitation", {"workspaceId": api.workspace_id, "invitationId": invited["id"]}
    )
    assert accepted.status == 200, accepted.body
    assert api.call(newcomer, "GET", "accept-invitation").body["items"] == []


def test_an_unverified_address_neither_sees_nor_accepts_invitations(crm, stack):
    from firebase_admin import auth

    from shared.clients import firebase_app
    from tests.integration.api import User
    from tests.support import id_token_for

    api, users = crm
    invited = api.call(users["owner"], "POST", "invitations", {"email": "unverified@team.example"}).body
    auth_url = f"http://127.0.0.1:{stack.ports.auth}"
    id_token_for(auth_url, "u-unverified", "unverified@team.example")
    auth.update_user("u-unverified", email_verified=False, app=firebase_app())
    unverified = User(
        "u-unverified", "unverified@team.example", id_token_for(auth_url, "u-unverified", "unverified@team.example")
    )

    assert api.call(unverified, "GET", "accept-invitation").body["items"] == []
    answer = api.call(
        unverified, "POST", "accept-invitation", {"workspaceId": api.workspace_id, "invitationId": invited["id"]}
    )
    assert answer.status == 403, answer.body
    assert "verified" in answer.body["error"]["message"]


def test_resending_renews_a_pending_invitation_and_revoked_ones_stay_revoked(crm):
    api, users = crm
    admin, newcomer = users["admin"], users["newcomer"]
    invited = api.call(admin, "POST", "invitations", {"email": newcomer.email}).body
    again = api.call(admin, "POST", "invitations", {"email": newcomer.email})
    assert again.status == 409, again.body  # one pending invitation per address: resend it instead

    assert api.call(users["member"], "POST", f"invitation/{invited['id']}").status == 403
    resent = api.call(admin, "POST", f"invitation/{invited['id']}")
    assert resent.status == 200, resent.body
    assert resent.body["sentAt"] > invited["sentAt"]
    assert resent.body["status"] == "pending"

    assert api.call(admin, "DELETE", f"invitation/{invited['id']}").status == 204
    assert api.call(admin, "POST", f"invitation/{invited['id']}").status == 409
    assert api.call(admin, "DELETE", f"invitation/{invited['id']}").status == 409
    assert api.call(admin, "POST", "invitation/nothing-here").status == 404


def test_every_team_action_is_in_the_audit_log(crm, firestore_db):
    api, users = crm
    newcomer = users["newcomer"]
    created = api.call(newcomer, "POST", "workspaces", {"name": "Fresh start"}).body
    fresh = Api(api.base, created["id"])
    teammate, other = users["viewer"], users["member"]
    first = fresh.call(newcomer, "POST", "invitations", {"email": teammate.email}).body
    fresh.call(newcomer, "POST", f"invitation/{first['id']}")
    fresh.call(newcomer, "POST", "accept-invitation", {})  # a bad request changes nothing
    accept = {"workspaceId": fresh.workspace_id, "invitationId": first["id"]}
    assert fresh.call(teammate, "POST", "accept-invitation", accept).status == 200
    second = fresh.call(newcomer, "POST", "invitations", {"email": other.email}).body
    assert fresh.call(newcomer, "DELETE", f"invitation/{second['id']}").status == 204
    assert fresh.call(newcomer, "PATCH", f"member/{teammate.uid}", {"role": "owner"}).status == 200
    assert fresh.call(newcomer, "DELETE", f"member/{newcomer.uid}").status == 204  # another owner remains
    assert fresh.call(teammate, "DELETE", f"member/{teammate.uid}").status == 409  # now the last owner

    assert _audit_actions(firestore_db, fresh.workspace_id) == [
        ("create", "workspace", fresh.workspace_id),
        ("invite", "invitation", first["id"]),
        ("resend", "invitation", first["id"]),
        ("accept", "member", teammate.uid),
        ("invite", "invitation", second["id"]),
        ("revoke", "invitation", second["id"]),
        ("role", "member", teammate.uid),
        ("leave", "member", newcomer.uid),
    ]


GMAIL_READ_AND_SEND = "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/gmail.send"


def _gmail_of(stack, email: str, scope: str | None = None) -> str:
    """A mailbox on the local Gmail server; returns the refresh token it granted for `scope`."""
    from devstack import demo

    return str(
        demo.dev_call(stack.gmail_url, "mailboxes", {"email": email, **({"scope": scope} if scope else {})})[
            "refreshToken"
        ]
    )


def _inbox_subjects(refresh_token: str) -> list[str]:
    from shared.gmail.api import GmailMailbox

    gmail = GmailMailbox.for_refresh_token(refresh_token)
    ids = [message_id for page in gmail.message_id_pages("in:inbox") for message_id in page]
    users = gmail._service.users()
    found = []
    for message_id in ids:
        message = users.messages().get(userId="me", id=message_id, format="metadata").execute()
        found += [h["value"] for h in message["payload"]["headers"] if h["name"] == "Subject"]
    return found


def test_an_invitation_goes_out_from_the_inviters_gmail_when_it_may_send(crm, stack, firestore_db):
    from shared.gmail.mailboxes import MailboxStore

    api, users = crm
    admin, newcomer = users["admin"], users["newcomer"]
    newcomer_gmail = _gmail_of(stack, newcomer.email)
    # Read-only Gmail, as sync connects it: the invitation is a link for the admin to send.
    MailboxStore().save_connection(
        workspace_id=api.workspace_id,
        owner_uid=admin.uid,
        email=admin.email,
        refresh_token=_gmail_of(stack, admin.email),
    )
    invited = api.call(admin, "POST", "invitations", {"email": newcomer.email})
    assert invited.status == 201, invited.body
    assert invited.body["sentVia"] == "link"
    assert _inbox_subjects(newcomer_gmail) == []

    # The admin lets Rapport send as them: the resend goes out from their Gmail, and the mail holds the link.
    MailboxStore().save_connection(
        workspace_id=api.workspace_id,
        owner_uid=admin.uid,
        email=admin.email,
        refresh_token=_gmail_of(stack, admin.email, GMAIL_READ_AND_SEND),
    )
    resent = api.call(admin, "POST", f"invitation/{invited.body['id']}")
    assert resent.status == 200, resent.body
    assert resent.body["sentVia"] == "gmail"
    assert _inbox_subjects(newcomer_gmail) == ["Join Team on Rapport"]
    stored = firestore_db.document("workspaces", api.workspace_id, "invitations", invited.body["id"]).get().to_dict()
    assert stored["sentVia"] == "gmail"
