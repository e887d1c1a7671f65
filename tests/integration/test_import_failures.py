"""Imports that fail as a whole: a Takeout import that keeps failing stops, says why, tells whoever started it
and can be retried (from where it stopped) or dismissed; a CSV import cut short says so and tells its starter."""

from __future__ import annotations

import pytest

from shared.crm import csv_io
from shared.crm.csv_io import CsvImports
from shared.crm.models import CsvImport
from shared.principals import Principal
from shared.takeout.imports import MAX_FAILURES, TAKEOUT_IMPORTS, TakeoutImports, UploadedObject
from tests.integration.test_api_csv import crm
from tests.integration.test_takeout_import import _interactions, _wanted, takeout, upload_in_chunks
from tests.support import wait_for

pytestmark = pytest.mark.integration
__all__ = ["crm", "takeout"]  # fixtures shared with the CSV and Takeout tests


def _notices(firestore_db, workspace_id: str, uid: str) -> list[dict]:
    notices = firestore_db.collection("workspaces", workspace_id, "members", uid, "notifications").stream()
    return [{"id": n.id, **(n.to_dict() or {})} for n in notices]


def _fail_until_stopped(doc, uploaded: UploadedObject) -> None:
    """Runs the import as Pub/Sub would deliver it again and again, while its file is not in storage."""
    for attempt in range(1, MAX_FAILURES):
        with pytest.raises(Exception, match=r"No such object|404"):
            TakeoutImports().run(uploaded)
        state = doc.get().to_dict() or {}
        assert (state["state"], state["failures"], state["leaseUntil"]) == ("importing", attempt, None)
    assert TakeoutImports().run(uploaded) == "failed"


def test_a_takeout_that_keeps_failing_stops_tells_its_starter_and_resumes_on_retry(
    stack, crm, firestore_db, workspace_id, takeout
):
    api, users = crm
    member = users["member"]
    starter = Principal(uid=member.uid, email=member.email, email_verified=True)
    data = takeout.read_bytes()
    started = TakeoutImports().start_upload(
        workspace_id, starter, file_name="All mail.mbox", size=len(data), origin=None
    )
    doc = firestore_db.collection("workspaces", workspace_id, TAKEOUT_IMPORTS).document(started["importId"])
    uploaded = UploadedObject(bucket=stack.env["RAPPORT_TAKEOUT_BUCKET"], name=started["object"])

    _fail_until_stopped(doc, uploaded)
    failed = doc.get().to_dict() or {}
    assert failed["state"] == "failed"
    assert failed["lastError"] == "The uploaded file is not in storage any more; upload it again."
    notices = _notices(firestore_db, workspace_id, member.uid)
    assert [(n["kind"], n["link"]) for n in notices] == [("import_failed", {"kind": "imports", "id": doc.id})]
    assert "All mail.mbox" in notices[0]["title"]
    assert "upload it again" in notices[0]["body"]
    assert _notices(firestore_db, workspace_id, users["owner"].uid) == []
    # Delivered again now, it is left alone: a failed import waits for a person.
    assert TakeoutImports().run(uploaded) == "done"
    assert (doc.get().to_dict() or {})["state"] == "failed"

    # The file arrives (its own notification finds the import failed and leaves it); a viewer, or a member
    # who did not start it, cannot retry; its starter does, and it is read through from where it stopped.
    upload_in_chunks(started["uploadUrl"], data)
    path = f"takeout-uploads/{doc.id}/retry"
    assert api.call(users["viewer"], "POST", path).status == 403
    assert api.call(users["outsider"], "POST", path).status == 403
    retried = api.call(member, "POST", path)
    assert retried.status == 200, retried.body
    assert retried.body == {"importId": doc.id, "state": "queued"}
    wait_for(lambda: (doc.get().to_dict() or {}).get("state") == "done", what="the retried import", timeout=120)
    summary = doc.get().to_dict() or {}
    assert (summary["read"], summary["failures"], summary["retries"], summary["lastError"]) == (180, 0, 1, None)
    wait_for(lambda: _interactions(firestore_db, workspace_id) == _wanted(takeout), what="every message stored")
    assert api.call(member, "POST", path).status == 409  # done: nothing to retry


def test_a_failed_takeout_is_dismissed_by_an_admin(stack, crm, firestore_db, workspace_id):
    api, users = crm
    member = users["member"]
    starter = Principal(uid=member.uid, email=member.email, email_verified=True)
    started = TakeoutImports().start_upload(workspace_id, starter, file_name="old.mbox", size=1000, origin=None)
    doc = firestore_db.collection("workspaces", workspace_id, TAKEOUT_IMPORTS).document(started["importId"])
    _fail_until_stopped(doc, UploadedObject(bucket=stack.env["RAPPORT_TAKEOUT_BUCKET"], name=started["object"]))

    dismissed = api.call(users["admin"], "POST", f"takeout-uploads/{doc.id}/dismiss")
    assert dismissed.status == 200, dismissed.body
    state = doc.get().to_dict() or {}
    assert (state["state"], state["dismissedBy"]) == ("dismissed", users["admin"].uid)
    assert api.call(member, "POST", f"takeout-uploads/{doc.id}/retry").status == 409
    assert api.call(member, "POST", "takeout-uploads/0123456789abcdef0123/dismiss").status == 404


def test_a_csv_import_cut_short_says_so_and_tells_its_starter(crm, firestore_db, workspace_id, monkeypatch):
    _, users = crm
    member = users["member"]
    actor = Principal(uid=member.uid, email=member.email, email_verified=True)
    rows = "\n".join(f"person{n}@acme.com,Person {n}" for n in range(6))
    # Commits of two rows; the second commit fails as Firestore would refuse it.
    monkeypatch.setattr(csv_io, "ROWS_PER_COMMIT", 2)
    commit = CsvImports._commit_guarded
    calls = []

    def second_fails(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("Firestore refused the commit")
        return commit(self, *args, **kwargs)

    monkeypatch.setattr(CsvImports, "_commit_guarded", second_fails)
    body = CsvImport(kind="contacts", csv=f"Email,Name\n{rows}\n", import_id="ab" * 10)
    with pytest.raises(RuntimeError):
        CsvImports().apply(workspace_id, actor, body)

    summary = firestore_db.document("workspaces", workspace_id, "imports", "ab" * 10).get().to_dict() or {}
    assert (summary["state"], summary["written"], summary["error"]) == ("failed", 2, "Firestore refused the commit")
    notices = _notices(firestore_db, workspace_id, member.uid)
    assert [(n["kind"], n["title"]) for n in notices] == [("import_failed", "A CSV import stopped after 2 of 6 rows")]
    # The two rows written are taken back by undoing it.
    monkeypatch.setattr(CsvImports, "_commit_guarded", commit)
    assert CsvImports().undo(workspace_id, actor=actor, import_id="ab" * 10)["restored"] == 2
    assert firestore_db.collection("workspaces", workspace_id, "contacts").count().get()[0][0].value == 0
