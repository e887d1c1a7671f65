"""A Takeout mbox through the whole production path: a resumable upload to Cloud Storage (the emulator), its
finalisation notified on Pub/Sub, the import-takeout function streaming it through the pipeline; every wanted
message lands once, also when the import is delivered and run again."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from devstack.demo_mailbox import generate
from devstack.takeout import read_mbox
from shared.principals import Principal
from shared.settings import DEFAULT_EXCLUDED_LABELS, get_settings
from shared.takeout.imports import TAKEOUT_IMPORTS, TakeoutImports, UploadedObject
from shared.takeout.mbox import to_fetched
from shared.workspaces import create_workspace
from tests.support import wait_for

pytestmark = pytest.mark.integration
OWNER = "sam.lee@lumenway.io"
SAM = Principal(uid="u-sam", email=OWNER, email_verified=True)


def upload_in_chunks(url: str, data: bytes, chunk: int = 256 * 1024) -> None:
    """What the web app does: PUT each chunk with its Content-Range; 308 asks for the next one."""
    for start in range(0, len(data), chunk):
        end = min(start + chunk, len(data))
        request = urllib.request.Request(
            url, data=data[start:end], method="PUT", headers={"Content-Range": f"bytes {start}-{end - 1}/{len(data)}"}
        )
        try:
            urllib.request.urlopen(request, timeout=30).close()
            status = 200
        except urllib.error.HTTPError as answer:
            status = answer.code
        assert status == (200 if end == len(data) else 308)


@pytest.fixture
def takeout(tmp_path):
    path = tmp_path / "takeout.mbox"
    generate(owner=OWNER, messages=180, seed=5).write_mbox(path)
    return path


def _wanted(path) -> int:
    excluded = set(DEFAULT_EXCLUDED_LABELS)
    return sum(1 for m in map(to_fetched, read_mbox(path)) if not excluded.intersection(m.label_ids))


def _interactions(firestore_db, workspace_id: str) -> int:
    return firestore_db.collection("workspaces", workspace_id, "interactions").count().get()[0][0].value


def test_an_uploaded_takeout_lands_every_message_once_also_when_run_again(stack, firestore_db, workspace_id, takeout):
    create_workspace(workspace_id, name="Takeout", owner_uid=SAM.uid, owner_email=OWNER)
    data = takeout.read_bytes()
    wanted = _wanted(takeout)
    assert 0 < wanted < 180

    started = TakeoutImports().start_upload(workspace_id, SAM, file_name="All mail.mbox", size=len(data), origin=None)
    assert started["uploadUrl"].startswith(stack.storage_url)
    upload_in_chunks(started["uploadUrl"], data)

    doc = firestore_db.collection("workspaces", workspace_id, TAKEOUT_IMPORTS).document(started["importId"])
    wait_for(lambda: (doc.get().to_dict() or {}).get("state") == "done", what="the import to finish", timeout=120)
    summary = doc.get().to_dict() or {}
    assert (summary["read"], summary["published"], summary["skipped"]) == (180, wanted, 180 - wanted)
    assert summary["offset"] == len(data)
    wait_for(lambda: _interactions(firestore_db, workspace_id) == wanted, what="every message stored", timeout=120)

    # A redelivered notification finds the import done; a full re-run from the start stores nothing twice.
    uploaded = UploadedObject(bucket=stack.env["RAPPORT_TAKEOUT_BUCKET"], name=started["object"])
    assert TakeoutImports().run(uploaded) == "done"
    doc.update({"state": "importing", "offset": 0, "read": 0, "published": 0, "skipped": 0, "leaseUntil": None})
    assert TakeoutImports().run(uploaded) == "done"
    assert (doc.get().to_dict() or {})["read"] == 180
    runs = firestore_db.collection("workspaces", workspace_id, "syncRuns").document(summary["runId"])
    wait_for(
        lambda: (lambda t: t.get("stored", 0) + t.get("duplicates", 0))(_totals(runs)) == 2 * wanted,
        what="the re-run to settle",
        timeout=120,
    )
    assert _totals(runs)["stored"] == wanted
    assert _interactions(firestore_db, workspace_id) == wanted


def test_an_import_cut_into_slices_resumes_where_the_last_batch_ended(stack, firestore_db, workspace_id, takeout):
    """A call that runs out of its time hands the rest over; the next goes on from the checkpoint."""
    create_workspace(workspace_id, name="Takeout", owner_uid=SAM.uid, owner_email=OWNER)
    data = takeout.read_bytes()
    started = TakeoutImports().start_upload(workspace_id, SAM, file_name="t.mbox", size=len(data), origin=None)
    upload_in_chunks(started["uploadUrl"], data)
    doc = firestore_db.collection("workspaces", workspace_id, TAKEOUT_IMPORTS).document(started["importId"])
    wait_for(lambda: (doc.get().to_dict() or {}).get("state") == "done", what="the notified import", timeout=120)
    doc.update({"state": "importing", "offset": 0, "read": 0, "published": 0, "skipped": 0, "leaseUntil": None})

    # Each clock reading is a second later and a slice lasts half a second: every call reads one batch of 50,
    # through reads of 4 KiB, so messages straddle reads.
    ticks = iter(range(10_000))
    handed: list[UploadedObject] = []
    settings = get_settings().model_copy(update={"takeout_slice_seconds": 0.5})
    sliced = TakeoutImports(
        settings=settings, clock=lambda: float(next(ticks)), hand_over=handed.append, chunk_size=4096
    )
    uploaded = UploadedObject(bucket=stack.env["RAPPORT_TAKEOUT_BUCKET"], name=started["object"])
    states, reads = [], []
    while not states or states[-1] != "done":
        states.append(sliced.run(uploaded))
        reads.append((doc.get().to_dict() or {})["read"])
    assert reads == [50, 100, 150, 180, 180]
    assert states == ["importing"] * 4 + ["done"]
    assert handed == [uploaded] * 4
    assert (doc.get().to_dict() or {})["offset"] == len(data)
    wait_for(lambda: _interactions(firestore_db, workspace_id) == _wanted(takeout), what="every message stored")


def _totals(run_ref) -> dict[str, int]:
    from shared.pipeline import progress

    return progress.totals(run_ref.collection("progress"))


def test_the_upload_api_opens_a_session_for_members_only_and_not_over_a_connected_gmail(
    stack, firestore_db, workspace_id
):
    from devstack import demo
    from tests.integration.api import Api, team

    stack.enable_auth()
    users = team(f"http://127.0.0.1:{stack.ports.auth}", workspace_id)
    api = Api(stack.functions_url, workspace_id)
    body = {"fileName": "All mail.mbox", "size": 1234}
    assert api.call(users["viewer"], "POST", "takeout-uploads", body).status == 403
    assert api.call(users["outsider"], "POST", "takeout-uploads", body).status == 403
    assert api.call(users["member"], "POST", "takeout-uploads", {**body, "size": 0}).status == 400
    started = api.call(users["member"], "POST", "takeout-uploads", body)
    assert started.status == 201, started.body
    assert started.body["uploadUrl"].startswith(f"{stack.storage_url}/upload/storage/v1/b/")
    assert started.body["object"] == f"takeout/{workspace_id}/{started.body['importId']}.mbox"
    record = firestore_db.document("workspaces", workspace_id, TAKEOUT_IMPORTS, started.body["importId"]).get()
    assert (record.get("state"), record.get("ownerEmail"), record.get("size")) == (
        "uploading",
        users["member"].email,
        1234,
    )

    demo.connect_demo(stack.gmail_url, users["admin"].email, None, workspace_id=workspace_id)
    refused = api.call(users["admin"], "POST", "takeout-uploads", body)
    assert (refused.status, refused.body["error"]["code"]) == (409, "conflict")
