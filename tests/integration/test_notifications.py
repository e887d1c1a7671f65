"""In-app notifications as real users: each kind fires once where its event happens, only for members
who keep that kind on, and each member marks their own read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.crm.relationships import DAY_MS, RelationshipStats, epoch_ms
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from tests.integration.api import Api, team

pytestmark = pytest.mark.integration


@pytest.fixture
def crm(stack, firestore_db, workspace_id):
    stack.enable_auth()
    users = team(f"http://127.0.0.1:{stack.ports.auth}", workspace_id)
    return Api(stack.functions_url, workspace_id), users


def _notices(db, workspace_id: str, uid: str) -> list[dict]:
    collection = db.collection("workspaces", workspace_id, "members", uid, "notifications")
    return [{"id": s.id, **(s.to_dict() or {})} for s in collection.stream()]


def _kinds(db, workspace_id: str, uid: str) -> list[str]:
    return sorted(notice["kind"] for notice in _notices(db, workspace_id, uid))


def test_a_deal_assigned_to_someone_else_notifies_them_once(crm, firestore_db, workspace_id):
    api, users = crm
    member, admin = users["member"], users["admin"]
    created = api.call(admin, "POST", "deals", {"name": "Acme renewal", "ownerUid": member.uid})
    assert created.status == 201, created.body
    deal = created.body
    changed = api.call(admin, "PATCH", f"deal/{deal['id']}", {"name": "Acme renewal 2027", "version": 1})
    assert changed.status == 200, changed.body
    assert api.call(admin, "PATCH", f"deal/{deal['id']}", {"name": "again", "version": 1}).status == 409

    notices = _notices(firestore_db, workspace_id, member.uid)
    assert len(notices) == 1  # renaming, or a retried stale write, tells nobody again
    assert notices[0]["kind"] == "deal_assigned"
    assert notices[0]["link"] == {"kind": "deal", "id": deal["id"]}
    assert notices[0]["read"] is False
    assert admin.email in notices[0]["title"]

    # Taking a deal yourself notifies nobody.
    api.call(admin, "PATCH", f"deal/{deal['id']}", {"ownerUid": admin.uid, "version": 2})
    assert _notices(firestore_db, workspace_id, admin.uid) == []


def test_a_member_who_turned_a_kind_off_is_not_notified_of_it(crm, firestore_db, workspace_id):
    api, users = crm
    viewer, admin = users["viewer"], users["admin"]
    answer = api.call(viewer, "PUT", "notification-settings", {"enabled": {"deal_assigned": False}})
    assert answer.status == 200, answer.body
    assert answer.body["enabled"] == {
        "deal_assigned": False,
        "mention": True,
        "going_cold": True,
        "sync_failed": True,
        "import_failed": True,
    }
    assert api.call(viewer, "PUT", "notification-settings", {"enabled": {"birthday": False}}).status == 400

    api.call(admin, "POST", "deals", {"name": "Quiet deal", "ownerUid": viewer.uid})
    assert _notices(firestore_db, workspace_id, viewer.uid) == []
    api.call(admin, "POST", "deals", {"name": "Loud deal", "ownerUid": users["member"].uid})
    assert _kinds(firestore_db, workspace_id, users["member"].uid) == ["deal_assigned"]


def test_a_mention_in_a_note_notifies_each_named_member_once(crm, firestore_db, workspace_id):
    api, users = crm
    member, admin, owner = users["member"], users["admin"], users["owner"]
    deal = api.call(member, "POST", "deals", {"name": "Pilot"}).body
    body = f"@{admin.email} can you price this? cc @{owner.email.split('@')[0]}, and me @{member.email}"
    note = api.call(member, "POST", "notes", {"parentType": "deal", "parentId": deal["id"], "body": body})
    assert note.status == 201, note.body
    edited = api.call(member, "PATCH", f"note/{note.body['id']}", {"body": body + " (updated)", "version": 1})
    assert edited.status == 200, edited.body

    for named in (admin, owner):
        notices = _notices(firestore_db, workspace_id, named.uid)
        assert [n["kind"] for n in notices] == ["mention"], named.uid
        assert notices[0]["link"] == {"kind": "deal", "id": deal["id"]}
        assert "can you price this" in notices[0]["body"]
    assert _notices(firestore_db, workspace_id, member.uid) == []  # naming yourself
    assert _notices(firestore_db, workspace_id, users["viewer"].uid) == []
    # A member who turned mentions off is named without being told.
    assert api.call(users["viewer"], "PUT", "notification-settings", {"enabled": {"mention": False}}).status == 200
    muted = {"parentType": "deal", "parentId": deal["id"], "body": f"@{users['viewer'].email} fyi"}
    assert api.call(member, "POST", "notes", muted).status == 201
    assert _notices(firestore_db, workspace_id, users["viewer"].uid) == []
    api.call(users["viewer"], "PUT", "notification-settings", {"enabled": {"mention": True}})
    # An address in running text is no mention.
    plain = f"write to {users['viewer'].email} later"
    api.call(member, "POST", "notes", {"parentType": "deal", "parentId": deal["id"], "body": plain})
    assert _notices(firestore_db, workspace_id, users["viewer"].uid) == []


def _cold_contact(db, workspace_id: str, owner_uid: str, *, raw: float) -> None:
    """A contact whose rhythm says it went cold an hour ago; `raw` strength 20 scores 86, 0.5 scores 5."""
    now = epoch_ms(datetime.now(UTC))
    db.document("workspaces", workspace_id, "contacts", "c_ann").set(
        {
            "email": "ann@acme.com",
            "name": "Ann Lee",
            "ownerUid": owner_uid,
            "lastInteractionMs": now - 200 * DAY_MS,  # silent past the frequency window: the decay path
            "strength": {"score": 0.0, "raw": raw, "asOfMs": now - DAY_MS, "halfLifeDays": 45.0, "scale": 10.0},
            "relationship": {"coldAfterMs": now - 3_600_000},
            "goingCold": False,
        }
    )


def test_a_top_contact_going_cold_notifies_its_owner_once(crm, firestore_db, workspace_id):
    _, users = crm
    member = users["member"]
    _cold_contact(firestore_db, workspace_id, member.uid, raw=20.0)
    stats = RelationshipStats(db=firestore_db)
    stats.refresh_workspace(workspace_id)
    stats.refresh_workspace(workspace_id)  # the next daily run
    # A run that died after notifying, before saving the flag, runs again: the same notice, not a second.
    firestore_db.document("workspaces", workspace_id, "contacts", "c_ann").update({"goingCold": False})
    stats.refresh_workspace(workspace_id)

    notices = _notices(firestore_db, workspace_id, member.uid)
    assert [n["kind"] for n in notices] == ["going_cold"]
    assert notices[0]["title"] == "Ann Lee is going cold"
    assert notices[0]["link"] == {"kind": "contact", "id": "c_ann"}
    contact = firestore_db.document("workspaces", workspace_id, "contacts", "c_ann").get().to_dict()
    assert contact["goingCold"] is True


def test_a_weak_contact_going_cold_or_a_kind_turned_off_notifies_nobody(crm, firestore_db, workspace_id):
    api, users = crm
    _cold_contact(firestore_db, workspace_id, users["member"].uid, raw=0.5)
    RelationshipStats(db=firestore_db).refresh_workspace(workspace_id)
    assert _notices(firestore_db, workspace_id, users["member"].uid) == []

    api.call(users["admin"], "PUT", "notification-settings", {"enabled": {"going_cold": False}})
    _cold_contact(firestore_db, workspace_id, users["admin"].uid, raw=20.0)
    RelationshipStats(db=firestore_db).refresh_workspace(workspace_id)
    assert _notices(firestore_db, workspace_id, users["admin"].uid) == []


def test_a_mailbox_that_stops_syncing_notifies_its_owner_once(crm, firestore_db, workspace_id):
    _, users = crm
    member = users["member"]
    ref = MailboxRef(workspace_id, "mb_member")
    firestore_db.document("workspaces", workspace_id, "mailboxes", ref.mailbox_id).set(
        {"email": member.email, "ownerUid": member.uid, "status": "connected", "connectedAt": datetime.now(UTC)}
    )
    store = MailboxStore(db=firestore_db)
    store.mark_disconnected(ref, "Google refused the grant.")
    store.mark_disconnected(ref, "Google refused the grant.")  # a retried sync task

    notices = _notices(firestore_db, workspace_id, member.uid)
    assert [n["kind"] for n in notices] == ["sync_failed"]
    assert member.email in notices[0]["title"]
    assert "Google refused the grant." in notices[0]["body"]
    assert _notices(firestore_db, workspace_id, users["owner"].uid) == []


def test_each_member_marks_their_own_notifications_read(crm, firestore_db, workspace_id):
    api, users = crm
    member, admin = users["member"], users["admin"]
    for name in ("One", "Two", "Three"):
        api.call(admin, "POST", "deals", {"name": name, "ownerUid": member.uid})
    first, *rest = sorted(n["id"] for n in _notices(firestore_db, workspace_id, member.uid))
    assert len(rest) == 2

    # Someone else naming them marks nothing: ids are looked up under the caller's own notices.
    assert api.call(admin, "POST", "mark-notifications-read", {"workspaceId": workspace_id, "ids": [first]}).body == {
        "marked": 0
    }
    answer = api.call(member, "POST", "mark-notifications-read", {"workspaceId": workspace_id, "ids": [first]})
    assert answer.body == {"marked": 1}, answer.body
    unread = {n["id"] for n in _notices(firestore_db, workspace_id, member.uid) if not n["read"]}
    assert unread == set(rest)
    answer = api.call(member, "POST", "mark-notifications-read", {"workspaceId": workspace_id})
    assert answer.body == {"marked": 2}
    assert all(n["read"] and n["readAt"] for n in _notices(firestore_db, workspace_id, member.uid))
    assert api.call(users["outsider"], "POST", "mark-notifications-read", {"workspaceId": workspace_id}).status == 403
