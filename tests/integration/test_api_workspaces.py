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
