"""firestore.rules against the emulator, as each role and as an outsider, through the REST API with real
Auth-emulator ID tokens (the admin client would bypass the rules)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from devstack.stack import PROJECT_ID
from tests.integration.api import User, team

pytestmark = pytest.mark.integration

ROLES = ("owner", "admin", "member", "viewer")
READABLE = ("contacts/c1", "companies/acme.com", "deals/d1", "notes/n1", "tasks/t1", "audit/a1", "members/{owner}")
SECRET = (
    "mailboxCredentials/mb1",
    "mailboxIndex/ann@acme.com",
    "oauthStates/s1",
    "deadLetters/x1",
    "aiUsage/2030-01",
    "workspaces/{ws}/aiUsage/2030-01",
    "workspaces/{ws}/aiUsage/2030-01/settled/r1",
    "workspaces/{ws}/syncRuns/r1/chunks/0",
    "workspaces/{ws}/somethingNew/x",
    "mailboxCredentials/{ws}_mb1",
    "mailboxIndex/ann@acme.com/workspaces/{ws}",
)


class Rest:
    """Firestore's REST API as a signed-in client: every request is judged by firestore.rules."""

    def __init__(self, firestore_url: str) -> None:
        self.root = f"{firestore_url}/v1/projects/{PROJECT_ID}/databases/(default)/documents"

    def _send(self, user: User | None, method: str, url: str, body: dict | None = None) -> int:
        headers = {"Content-Type": "application/json"}
        if user is not None:
            headers["Authorization"] = f"Bearer {user.token}"
        data = None if body is None else json.dumps(body).encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data, headers, method=method), timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as error:
            return error.code

    def read(self, user: User | None, path: str) -> int:
        return self._send(user, "GET", f"{self.root}/{path}")

    def write(self, user: User | None, path: str, fields: dict[str, str], *, server_time: str | None = None) -> int:
        write: dict = {
            "update": {
                "name": f"{self.root.split('/v1/', 1)[1]}/{path}",
                "fields": {key: {"stringValue": value} for key, value in fields.items()},
            }
        }
        if server_time:
            write["updateTransforms"] = [{"fieldPath": server_time, "setToServerValue": "REQUEST_TIME"}]
        return self._send(user, "POST", f"{self.root}:commit", {"writes": [write]})

    def delete(self, user: User | None, path: str) -> int:
        return self._send(user, "DELETE", f"{self.root}/{path}")


@pytest.fixture
def world(stack, firestore_db, workspace_id):
    stack.enable_auth()
    users = team(f"http://127.0.0.1:{stack.ports.auth}", workspace_id)
    in_workspace = [path.removeprefix("workspaces/{ws}/") for path in SECRET if path.startswith("workspaces/")]
    for path in (*READABLE[:-1], "syncRuns/r1", *in_workspace):
        firestore_db.document(f"workspaces/{workspace_id}/{path}").set({"name": "x"})
    for path in SECRET[:5]:
        firestore_db.document(path).set({"secret": "x"})
    return Rest(stack.firestore_url), users, workspace_id


def _paths(paths: tuple[str, ...], workspace_id: str, users: dict[str, User]) -> list[str]:
    return [p.format(ws=workspace_id, owner=users["owner"].uid) for p in paths]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_its_workspace_and_nothing_secret(world, role):
    rest, users, workspace_id = world
    user = users[role]
    assert rest.read(user, f"workspaces/{workspace_id}") == 200
    for path in _paths(READABLE, workspace_id, users):
        assert rest.read(user, f"workspaces/{workspace_id}/{path}") == 200, path
    assert rest.read(user, f"workspaces/{workspace_id}/contacts") == 200  # listing too
    for path in _paths(SECRET, workspace_id, users):
        assert rest.read(user, path) == 403, path
    assert rest.read(user, f"users/{user.uid}") in (200, 404)  # their own profile
    assert rest.read(user, f"users/{users['outsider'].uid}") == 403


@pytest.mark.parametrize("role", ROLES)
def test_no_role_writes_records_directly(world, role):
    rest, users, workspace_id = world
    user = users[role]
    for path in ("contacts/c1", "deals/d2", "audit/a2", f"members/{user.uid}"):
        assert rest.write(user, f"workspaces/{workspace_id}/{path}", {"name": "mine"}) == 403, path
    assert rest.delete(user, f"workspaces/{workspace_id}/contacts/c1") == 403
    assert rest.write(user, f"workspaces/{workspace_id}", {"name": "renamed"}) == 403


@pytest.mark.parametrize("who", ["outsider", None])
def test_outsiders_and_strangers_see_nothing(world, who):
    rest, users, workspace_id = world
    user = users[who] if who else None
    assert rest.read(user, f"workspaces/{workspace_id}") == 403
    for path in _paths(READABLE, workspace_id, users):
        assert rest.read(user, f"workspaces/{workspace_id}/{path}") == 403, path
    assert rest.read(user, f"workspaces/{workspace_id}/contacts") == 403
    presence = {"uid": user.uid if user else "x", "name": "Eve", "recordKey": "contact:c1"}
    assert rest.write(user, f"workspaces/{workspace_id}/presence/{presence['uid']}", presence, server_time="at") == 403


@pytest.mark.parametrize("role", ROLES)
def test_presence_is_written_only_by_its_own_user_in_its_shape(world, role):
    rest, users, workspace_id = world
    user = users[role]
    mine = f"workspaces/{workspace_id}/presence/{user.uid}"
    presence = {"uid": user.uid, "name": "Me", "recordKey": "contact:c1"}
    assert rest.write(user, mine, presence, server_time="at") == 200
    assert rest.read(users["viewer"], mine) == 200
    other = users["owner"] if role != "owner" else users["admin"]
    assert (
        rest.write(
            user, f"workspaces/{workspace_id}/presence/{other.uid}", presence | {"uid": other.uid}, server_time="at"
        )
        == 403
    )
    assert rest.write(user, mine, presence | {"role": "owner"}, server_time="at") == 403  # nothing extra
    assert rest.write(user, mine, presence) == 403  # `at` is the server's time, not the client's
    assert rest.write(user, mine, presence | {"recordKey": "x" * 201}, server_time="at") == 403
    assert rest.delete(other, mine) == 403
    assert rest.delete(user, mine) == 200
