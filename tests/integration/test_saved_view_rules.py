"""firestore.rules for saved views (web/src/data/savedViews.ts): a member writes only their own, in
their shape, and reads their own and the shared ones; outsiders nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api import User, team
from tests.integration.test_rules import Rest

pytestmark = pytest.mark.integration


def _typed(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"booleanValue": value}
    if value is None:
        return {"nullValue": None}
    if isinstance(value, dict):
        return {"mapValue": {"fields": {key: _typed(item) for key, item in value.items()}}}
    return {"stringValue": str(value)}


def save(rest: Rest, user: User | None, path: str, fields: dict[str, Any], *, server_time: bool = True) -> int:
    write: dict[str, Any] = {
        "update": {
            "name": f"{rest.root.split('/v1/', 1)[1]}/{path}",
            "fields": {key: _typed(value) for key, value in fields.items()},
        }
    }
    if server_time:
        write["updateTransforms"] = [{"fieldPath": "createdAt", "setToServerValue": "REQUEST_TIME"}]
    return rest._send(user, "POST", f"{rest.root}:commit", {"writes": [write]})[0]


def view(uid: str, **changes: Any) -> dict[str, Any]:
    fields = {
        "name": "Cold but strong",
        "list": "contacts",
        "sort": "strength",
        "filters": {"goingCold": True, "ownerUid": None},
        "shared": False,
        "createdBy": uid,
    }
    return fields | changes


@pytest.fixture
def world(stack, firestore_db, workspace_id):
    stack.enable_auth()
    return Rest(stack.firestore_url), team(f"http://127.0.0.1:{stack.ports.auth}", workspace_id), workspace_id


def test_members_write_their_own_views_in_their_shape_and_read_own_and_shared(world):
    rest, users, workspace_id = world
    views = f"workspaces/{workspace_id}/savedViews"
    member, viewer, admin, outsider = users["member"], users["viewer"], users["admin"], users["outsider"]

    assert save(rest, member, f"{views}/mine", view(member.uid)) == 200
    assert save(rest, viewer, f"{views}/viewers", view(viewer.uid, shared=True)) == 200  # views change no record
    # Never as someone else, never another shape, never the client's own clock, never from outside.
    assert save(rest, member, f"{views}/forged", view(admin.uid)) == 403
    assert save(rest, member, f"{views}/extra", view(member.uid) | {"role": "owner"}) == 403
    assert save(rest, member, f"{views}/badlist", view(member.uid, list="audit")) == 403
    assert save(rest, member, f"{views}/noname", view(member.uid, name="")) == 403
    assert save(rest, member, f"{views}/clock", view(member.uid) | {"createdAt": "2030"}, server_time=False) == 403
    assert save(rest, outsider, f"{views}/outside", view(outsider.uid, shared=True)) == 403
    assert save(rest, None, f"{views}/anon", view("nobody")) == 403

    assert rest.read(member, f"{views}/mine") == 200
    assert rest.read(admin, f"{views}/mine") == 403  # a private view is its author's alone
    assert rest.read(admin, f"{views}/viewers") == 200  # a shared one the whole team reads
    assert rest.read(outsider, f"{views}/viewers") == 403
    # The queries the web app makes: one's own, and the shared.
    own = (("list", "EQUAL", "contacts"), ("createdBy", "EQUAL", admin.uid))
    shared = (("list", "EQUAL", "contacts"), ("shared", "EQUAL", True))
    assert rest.query(admin, views, own) == 200
    assert rest.query(admin, views, shared) == 200
    assert rest.query(admin, views, (("list", "EQUAL", "contacts"),)) == 403  # could meet others' private views

    # Only its author changes or deletes a view.
    assert save(rest, admin, f"{views}/mine", view(admin.uid)) == 403
    assert rest.delete(admin, f"{views}/mine") == 403
    assert save(rest, member, f"{views}/mine", view(member.uid, shared=True)) == 200
    assert rest.delete(member, f"{views}/mine") == 200
