"""The audit page's feed through the HTTP API: changes, sync runs and imports in one list, newest first,
filtered by person, record and action, paged with a cursor that skips and repeats nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.integration


def test_the_feed_merges_changes_sync_runs_and_imports_and_filters_them(crm, firestore_db):
    api, users = crm
    member, admin = users["member"], users["admin"]
    workspace = firestore_db.document("workspaces", api.workspace_id)
    workspace.collection("mailboxes").document("mb_admin").set({"ownerUid": admin.uid, "email": admin.email})
    long_ago = datetime.now(UTC) - timedelta(days=1)
    workspace.collection("syncRuns").document("run-1").set(
        {"mailboxId": "mb_admin", "kind": "incremental", "state": "done", "startedAt": long_ago, "fetched": 3}
    )
    contact = api.call(member, "POST", "contacts", {"email": "fay@acme.com", "name": "Fay"}).body
    api.call(admin, "PATCH", f"contact/{contact['id']}", {"title": "CFO", "version": 1})
    imported = api.call(
        member, "POST", "csv-import/apply", {"kind": "contacts", "csv": "email,name\ngil@acme.com,Gil\n"}
    )
    assert imported.status == 201, imported.body

    def feed(user=users["viewer"], **params) -> list[dict]:  # type: ignore[no-untyped-def]
        answer = api.call(user, "GET", "audit/feed", params=params)
        assert answer.status == 200, answer.body
        return list(answer.body["items"])

    everything = feed()
    # The import and its record's entry share one time; ties go by id.
    assert {(i["type"], i["action"]) for i in everything[:2]} == {("import", "import"), ("change", "import")}
    assert [(i["type"], i["action"]) for i in everything[2:]] == [
        ("change", "update"),
        ("change", "create"),
        ("syncRun", "sync"),
    ]
    assert everything[2]["before"]["title"] is None
    assert everything[2]["after"]["title"] == "CFO"
    assert [i["type"] for i in feed(actorUid=admin.uid)] == ["change", "syncRun"]  # the run of admin's mailbox
    assert sorted(i["type"] for i in feed(actorUid=member.uid)) == ["change", "change", "import"]
    assert [i["action"] for i in feed(entityKey=f"contact:{contact['id']}")] == ["update", "create"]
    assert sorted(i["type"] for i in feed(action="import")) == ["change", "import"]
    assert [i["type"] for i in feed(action="sync")] == ["syncRun"]
    assert [i["action"] for i in feed(actorUid=member.uid, action="create")] == ["create"]
    assert feed(entity="deal") == []

    pages, cursor = [], None
    while True:
        answer = api.call(
            users["viewer"], "GET", "audit/feed", params={"limit": 2, **({"cursor": cursor} if cursor else {})}
        )
        assert answer.status == 200, answer.body
        pages.append([i["id"] for i in answer.body["items"]])
        cursor = answer.body["nextCursor"]
        if cursor is None:
            break
    assert [item for page in pages for item in page] == [i["id"] for i in everything]
    assert [len(page) for page in pages] == [2, 2, 1]

    assert api.call(users["viewer"], "GET", "audit/feed", params={"cursor": "nonsense"}).status == 400
    assert api.call(users["outsider"], "GET", "audit/feed").status == 403
