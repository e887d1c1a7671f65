"""Importing a Takeout mbox through the pipeline: every wanted message once, owner guessed from Sent mail."""

from __future__ import annotations

import pytest

from devstack import demo
from devstack.demo_mailbox import generate
from devstack.mbox_import import MboxImporter, guess_owner, to_fetched
from devstack.takeout import read_mbox
from shared.errors import Conflict
from shared.pipeline import progress
from shared.settings import DEFAULT_EXCLUDED_LABELS
from shared.workspaces import create_workspace
from tests.support import wait_for

pytestmark = pytest.mark.integration
OWNER = "sam.lee@lumenway.io"


@pytest.fixture
def takeout(tmp_path):
    mailbox = generate(owner=OWNER, messages=240, seed=11)
    path = tmp_path / "takeout.mbox"
    mailbox.write_mbox(path)
    return path


def test_an_mbox_is_imported_once_even_when_imported_twice(stack, firestore_db, workspace_id, takeout):
    create_workspace(workspace_id, name="Import", owner_uid="u-sam", owner_email=OWNER)
    assert guess_owner(read_mbox(takeout)) == OWNER

    first = MboxImporter().run(takeout, workspace_id=workspace_id, owner_uid="u-sam")
    excluded = set(DEFAULT_EXCLUDED_LABELS)  # spam, trash, drafts, chats and the bulk categories stay out
    wanted = [m for m in map(to_fetched, read_mbox(takeout)) if not excluded.intersection(m.label_ids)]
    assert 0 < len(wanted) < 240
    assert first.progress.read == 240
    assert first.progress.published == len(wanted)
    wait_for(lambda: demo.mailbox_progress(first.ref).stored == len(wanted), what="the import to be stored")

    second = MboxImporter().run(takeout, workspace_id=workspace_id, owner_uid="u-sam")
    wait_for(lambda: demo.mailbox_progress(second.ref).duplicates == len(wanted), what="the second import to settle")
    interactions = firestore_db.collection("workspaces", workspace_id, "interactions")
    assert interactions.count().get()[0][0].value == len(wanted)
    runs = {r.id: r.to_dict() for r in firestore_db.collection("workspaces", workspace_id, "syncRuns").stream()}
    assert {run["kind"] for run in runs.values()} == {"import"}
    run_progress = firestore_db.collection("workspaces", workspace_id, "syncRuns", first.run_id, "progress")
    assert progress.totals(run_progress)["stored"] == len(wanted)


def test_a_connected_address_is_not_imported_over(stack, firestore_db, workspace_id, takeout):
    create_workspace(workspace_id, name="Import", owner_uid="u-sam", owner_email=OWNER)
    demo.connect_demo(stack.gmail_url, OWNER, None, workspace_id=workspace_id)
    with pytest.raises(Conflict, match="connected to Gmail"):
        MboxImporter().run(takeout, workspace_id=workspace_id, owner_uid="u-sam", owner_email=OWNER)
