"""firestore.rules against the emulator, as each role and as an outsider, through the REST API with real
Auth-emulator ID tokens (the admin client would bypass the rules).

One table says, for every collection the app keeps, who may read a document of it; every role then
tries every row, and every write. Mail content is judged by the mailbox owner's sharing level.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest

from devstack.stack import PROJECT_ID
from shared.crm.repair import CrmRepair
from tests.integration.api import User, team
from tests.support import store_mail

pytestmark = pytest.mark.integration

ROLES = ("owner", "admin", "member", "viewer")
EVERYONE = (*ROLES, "outsider", None)
MEMBERS = frozenset(ROLES)
ADMINS = frozenset({"owner", "admin"})
NOBODY: frozenset[str] = frozenset()

# (path, who may read it). `{ws}` is the workspace, `{uid}` the reader's own uid, `{owner}` the
# workspace owner's. Mail lives in mailbox `mb_m`, owned by the member, which shares nothing yet.
READS: list[tuple[str, frozenset[str]]] = [
    ("workspaces/{ws}", MEMBERS),
    ("workspaces/{ws}/members/{owner}", MEMBERS),
    ("workspaces/{ws}/contacts/c1", MEMBERS),
    ("workspaces/{ws}/companies/acme.com", MEMBERS),
    ("workspaces/{ws}/deals/d1", MEMBERS),
    ("workspaces/{ws}/notes/n1", MEMBERS),
    ("workspaces/{ws}/tasks/t1", MEMBERS),
    ("workspaces/{ws}/audit/a1", MEMBERS),
    ("workspaces/{ws}/pipelines/deals", MEMBERS),
    ("workspaces/{ws}/mailboxes/mb_m", MEMBERS),
    ("workspaces/{ws}/mailboxes/mb_m/progress/0", MEMBERS),
    ("workspaces/{ws}/syncRuns/r1", MEMBERS),
    ("workspaces/{ws}/syncRuns/r1/progress/0", MEMBERS),
    ("workspaces/{ws}/syncRuns/r1/chunks/0", NOBODY),
    ("workspaces/{ws}/syncPreviews/mb_m", MEMBERS),
    ("workspaces/{ws}/syncPreviews/mb_m/people/c1", NOBODY),
    ("workspaces/{ws}/imports/i1", MEMBERS),
    ("workspaces/{ws}/imports/i1/changes/c1", NOBODY),
    ("workspaces/{ws}/merges/m1", MEMBERS),
    ("workspaces/{ws}/mergeSuggestions/s1", MEMBERS),
    ("workspaces/{ws}/relationshipHealth/2030-01-01", MEMBERS),
    ("workspaces/{ws}/presence/{owner}", MEMBERS),
    ("workspaces/{ws}/invitations/inv1", ADMINS),
    ("workspaces/{ws}/interactions/mb_m_1", MEMBERS),
    ("workspaces/{ws}/interactions/mb_m_1/content/subject", frozenset({"member"})),
    ("workspaces/{ws}/interactions/mb_m_1/content/body", frozenset({"member"})),
    ("workspaces/{ws}/interactions/mb_m_staged", NOBODY),
    ("workspaces/{ws}/interactions/mb_m_staged/content/subject", NOBODY),
    ("workspaces/{ws}/interactions/mb_m_staged/content/body", NOBODY),
    ("workspaces/{ws}/aiUsage/2030-01", NOBODY),
    ("workspaces/{ws}/aiUsage/2030-01/settled/r1", NOBODY),
    ("workspaces/{ws}/somethingNew/x", NOBODY),
    ("workspaces/{ws}/members/{owner}/notifications/n1", frozenset({"owner"})),  # only their recipient
    ("workspaces/{ws}/members/{owner}/settings/notifications", frozenset({"owner"})),
    ("workspaces/{ws}/members/{owner}/elsewhere/x", NOBODY),
    # The assistant's conversations and proposals: only the user who asked (shared/assistant).
    ("workspaces/{ws}/members/{owner}/conversations/c1", frozenset({"owner"})),
    ("workspaces/{ws}/members/{owner}/conversations/c1/messages/m1", frozenset({"owner"})),
    ("workspaces/{ws}/members/{owner}/proposals/p1", frozenset({"owner"})),
    ("users/{uid}", MEMBERS | {"outsider"}),  # everyone signed in reads their own profile
    ("users/{owner}", frozenset({"owner"})),
    ("mailboxCredentials/mb_m", NOBODY),
    ("mailboxIndex/ann@acme.com", NOBODY),
    ("oauthStates/s1", NOBODY),
    ("deadLetters/x1", NOBODY),
    ("aiUsage/2030-01", NOBODY),  # the project's AI budget
    ("mailboxCredentials/{ws}_mb1", NOBODY),  # per workspace
    ("mailboxIndex/ann@acme.com/workspaces/{ws}", NOBODY),
]
# Queries a client makes: (collection path, filters as (field, op, value)).
LISTS: list[tuple[str, tuple[tuple[str, str, object], ...], frozenset[str]]] = [
    ("workspaces/{ws}/contacts", (), MEMBERS),
    ("workspaces/{ws}/interactions", (("staged", "EQUAL", False), ("contactIds", "ARRAY_CONTAINS", "c1")), MEMBERS),
    ("workspaces/{ws}/interactions", (("contactIds", "ARRAY_CONTAINS", "c1"),), NOBODY),  # could meet staged mail
    ("workspaces/{ws}/invitations", (), ADMINS),
    ("workspaces/{ws}/members/{uid}/notifications", (("read", "EQUAL", False),), MEMBERS),  # one's own
    ("workspaces/{ws}/members/{owner}/notifications", (), frozenset({"owner"})),
    ("workspaces/{ws}/members/{owner}/conversations/c1/messages", (), frozenset({"owner"})),
    ("workspaces/{ws}/members/{uid}/proposals", (), MEMBERS),  # one's own
    # The record pages: a contact's and a company's deals, the latest merges, contacts by address prefix.
    ("workspaces/{ws}/deals", (("contactIds", "ARRAY_CONTAINS", "c1"),), MEMBERS),
    ("workspaces/{ws}/deals", (("companyId", "EQUAL", "acme.com"),), MEMBERS),
    ("workspaces/{ws}/merges", (), MEMBERS),
    ("workspaces/{ws}/contacts", (("email", "GREATER_THAN_OR_EQUAL", "ann"),), MEMBERS),
]


class Rest:
    """Firestore's REST API as a signed-in client: every request is judged by firestore.rules."""

    def __init__(self, firestore_url: str) -> None:
        self.root = f"{firestore_url}/v1/projects/{PROJECT_ID}/databases/(default)/documents"

    def _send(self, user: User | None, method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if user is not None:
            headers["Authorization"] = f"Bearer {user.token}"
        data = None if body is None else json.dumps(body).encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data, headers, method=method), timeout=10) as r:
                answer = json.loads(r.read() or b"{}")
                return r.status, answer if isinstance(answer, dict) else {"items": answer}
        except urllib.error.HTTPError as error:
            return error.code, {}

    def read(self, user: User | None, path: str) -> int:
        return self._send(user, "GET", f"{self.root}/{path}")[0]

    def fields(self, user: User | None, path: str) -> tuple[int, set[str]]:
        status, document = self._send(user, "GET", f"{self.root}/{path}")
        return status, set(document.get("fields", {}))

    def query(self, user: User | None, collection_path: str, filters: tuple[tuple[str, str, object], ...]) -> int:
        parent, _, collection = collection_path.rpartition("/")
        structured: dict = {"from": [{"collectionId": collection}]}
        if filters:
            structured["where"] = {
                "compositeFilter": {
                    "op": "AND",
                    "filters": [
                        {"fieldFilter": {"field": {"fieldPath": f}, "op": op, "value": _value(v)}}
                        for f, op, v in filters
                    ],
                }
            }
        return self._send(user, "POST", f"{self.root}/{parent}:runQuery", {"structuredQuery": structured})[0]

    def write(self, user: User | None, path: str, fields: dict[str, str], *, server_time: str | None = None) -> int:
        write: dict = {
            "update": {
                "name": f"{self.root.split('/v1/', 1)[1]}/{path}",
                "fields": {key: {"stringValue": value} for key, value in fields.items()},
            }
        }
        if server_time:
            write["updateTransforms"] = [{"fieldPath": server_time, "setToServerValue": "REQUEST_TIME"}]
        return self._send(user, "POST", f"{self.root}:commit", {"writes": [write]})[0]

    def delete(self, user: User | None, path: str) -> int:
        return self._send(user, "DELETE", f"{self.root}/{path}")[0]


def _value(value: object) -> dict:
    return {"booleanValue": value} if isinstance(value, bool) else {"stringValue": str(value)}


@pytest.fixture
def world(stack, firestore_db, workspace_id):
    stack.enable_auth()
    users = team(f"http://127.0.0.1:{stack.ports.auth}", workspace_id)
    for path, _ in READS:
        if "interactions" not in path and "{uid}" not in path and not path.startswith("users/"):
            firestore_db.document(_path(path, workspace_id, users, users["owner"])).set({"name": "x"}, merge=True)
    firestore_db.document("workspaces", workspace_id, "mailboxes", "mb_m").set({"ownerUid": users["member"].uid})
    mail = {"mailboxId": "mb_m", "occurredAt": datetime.now(UTC), "contactIds": ["c1"], "undone": False}
    mail["fromEmail"] = "ann@acme.com"
    store_mail(
        firestore_db, workspace_id, "mb_m_1", mail | {"subject": "Pricing", "snippet": "Our offer", "syncRunId": "r1"}
    )
    store_mail(firestore_db, workspace_id, "mb_m_staged", mail | {"contactIds": [], "subject": "Held", "snippet": "x"})
    firestore_db.document("workspaces", workspace_id, "interactions", "mb_m_staged").update({"staged": True})
    return Rest(stack.firestore_url), users, workspace_id


def _path(path: str, workspace_id: str, users: dict[str, User], reader: User | None) -> str:
    uid = reader.uid if reader else "nobody"
    return path.format(ws=workspace_id, owner=users["owner"].uid, uid=uid)


def _expected(allowed: frozenset[str], who: str | None) -> int:
    return 200 if who in allowed else 403


@pytest.mark.parametrize("who", EVERYONE)
def test_each_collection_is_read_by_exactly_the_roles_it_names(world, who):
    rest, users, workspace_id = world
    reader = users[who] if who else None
    answers = {path: rest.read(reader, _path(path, workspace_id, users, reader)) for path, _ in READS}
    # A reader allowed in gets the document; anyone else a refusal, whether or not it exists.
    assert answers == {path: _expected(allowed, who) for path, allowed in READS}
    for collection, filters, allowed in LISTS:
        status = rest.query(reader, _path(collection, workspace_id, users, reader), filters)
        assert status == _expected(allowed, who), (collection, filters)


@pytest.mark.parametrize("who", EVERYONE)
def test_no_one_writes_records_directly(world, who):
    rest, users, workspace_id = world
    writer = users[who] if who else None
    for path, _ in READS:
        if "/presence/" in path:
            continue  # each person writes their own presence: the test below
        target = _path(path, workspace_id, users, writer)
        assert rest.write(writer, target, {"name": "mine"}) == 403, path
        assert rest.delete(writer, target) == 403, path


@pytest.mark.parametrize(
    ("level", "subject", "body"),
    [
        (None, NOBODY, NOBODY),
        ("metadata", NOBODY, NOBODY),
        ("subject", MEMBERS, NOBODY),
        ("everything", MEMBERS, MEMBERS),
        ("nonsense", NOBODY, NOBODY),
    ],
)
def test_mail_content_is_read_as_far_as_its_mailboxs_owner_shares_it(world, firestore_db, level, subject, body):
    rest, users, workspace_id = world
    mailbox = firestore_db.document("workspaces", workspace_id, "mailboxes", "mb_m")
    mailbox.set({"sharing": level} if level else {"name": "x"}, merge=True)
    mail = f"workspaces/{workspace_id}/interactions/mb_m_1"
    for who in EVERYONE:
        reader = users[who] if who else None
        status, fields = rest.fields(reader, mail)
        assert status == _expected(MEMBERS, who), who
        assert not fields & {"subject", "snippet"}  # the metadata never carries content
        for part, allowed in (("subject", subject), ("body", body)):
            mine = allowed | {"member"} if who in MEMBERS else allowed  # the owner reads their own mail
            assert rest.read(reader, f"{mail}/content/{part}") == _expected(mine, who), (who, part)


def test_undone_and_blocked_mail_keeps_a_stub_without_content(world, firestore_db):
    rest, users, workspace_id = world
    owner = users["member"]  # the mailbox's owner, who could read its content before
    firestore_db.document("workspaces", workspace_id, "mailboxes", "mb_m").update({"sharing": "everything"})
    mail = {"mailboxId": "mb_m", "occurredAt": datetime.now(UTC), "contactIds": ["c1"], "undone": False}
    store_mail(
        firestore_db,
        workspace_id,
        "mb_m_2",
        mail | {"syncRunId": "r2", "subject": "Blocked", "snippet": "x", "participantEmails": ["eve@evil.com"]},
    )
    firestore_db.document("workspaces", workspace_id, "syncRuns", "r1").set({"state": "done"})
    base = f"workspaces/{workspace_id}/interactions"
    assert rest.read(owner, f"{base}/mb_m_1/content/subject") == 200

    CrmRepair(db=firestore_db).undo_sync_run(workspace_id, run_id="r1")
    CrmRepair(db=firestore_db).remove_involving(workspace_id, ["eve@evil.com"])

    content_free = {"subject", "snippet", "fromEmail", "participantEmails", "participantDomains", "threadId"}
    for interaction in ("mb_m_1", "mb_m_2"):
        status, fields = rest.fields(owner, f"{base}/{interaction}")
        assert status == 200, interaction
        assert not fields & content_free, (interaction, fields)
        stored = firestore_db.document(base, interaction).get().to_dict()
        assert (stored["people"], stored["contactIds"]) == ([], []), interaction
        for part in ("subject", "body"):
            assert not firestore_db.document(base, interaction, "content", part).get().exists
            assert rest.read(owner, f"{base}/{interaction}/content/{part}") == 404


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
    outsider = users["outsider"]
    elsewhere = {"uid": outsider.uid, "name": "Eve", "recordKey": "contact:c1"}
    assert (
        rest.write(outsider, f"workspaces/{workspace_id}/presence/{outsider.uid}", elsewhere, server_time="at") == 403
    )
