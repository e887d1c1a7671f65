"""The contact page's relationship summary: made by Gemini (the local stand-in) from the mail its reader may
read, citing those messages, cached per reader; stale once the pipeline stores new mail with the contact,
made again on the next view (at most every 10 minutes), and kept with a note when over the AI budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack import demo
from shared import ids
from shared.assistant.relationship_summary import PROMPT_NAME, RelationshipSummaries
from shared.enrichment.budget import WORKSPACE_BUDGET_FIELD, month_key
from shared.principals import Role
from shared.workspaces import add_member
from tests.integration.api import Api, User
from tests.support import id_token_for, mail, wait_for, watched_mailbox

pytestmark = pytest.mark.integration

PRIYA = "priya.raman@brightforgelabs.com"
OWNER_UID = "u-owner"  # watched_mailbox's owner


def _summary_calls(db, workspace_id: str) -> int:  # type: ignore[no-untyped-def]
    """Model calls the AI budget charged to summaries this month (enrichment of new mail calls it too)."""
    usage = db.document("workspaces", workspace_id, "aiUsage", month_key(datetime.now(UTC))).get().to_dict() or {}
    return int(((usage.get("byFeature") or {}).get(PROMPT_NAME) or {}).get("calls") or 0)


def _contact(db, workspace_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return db.document("workspaces", workspace_id, "contacts", ids.contact_id(PRIYA)).get().to_dict() or {}


def _mail_ids(db, workspace_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    interactions = db.collection("workspaces", workspace_id, "interactions").stream()
    return {snapshot.id for snapshot in interactions if ids.contact_id(PRIYA) in snapshot.get("contactIds")}


def _receive(stack, db, workspace_id: str, owner: str, subject: str, count: int) -> None:  # type: ignore[no-untyped-def]
    demo.deliver(stack.gmail_url, owner, mail(f"Priya Raman <{PRIYA}>", owner, subject))
    wait_for(lambda: _contact(db, workspace_id).get("interactionCount") == count, what=f"{subject!r} stored")


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_summary_is_cached_stale_on_new_mail_refreshed_debounced_and_kept_over_budget(
    stack, firestore_db, workspace_id
):
    owner = watched_mailbox(stack, workspace_id)
    _receive(stack, firestore_db, workspace_id, owner, "Pilot pricing for the Berlin rollout", 1)
    clock = Clock()
    summaries = RelationshipSummaries(clock=clock)

    first = summaries.of(workspace_id, OWNER_UID, ids.contact_id(PRIYA))
    assert first.summary
    assert "Priya" in first.summary
    assert first.citations
    assert set(first.citations) <= _mail_ids(firestore_db, workspace_id)
    assert first.next_steps
    assert first.next_steps[0].interaction_id in first.citations
    assert (first.stale, first.note) == (False, None)
    assert _summary_calls(firestore_db, workspace_id) == 1

    clock.now += timedelta(hours=1)
    assert summaries.of(workspace_id, OWNER_UID, ids.contact_id(PRIYA)) == first  # cached, not asked again
    assert _summary_calls(firestore_db, workspace_id) == 1

    # New mail through the pipeline: the summary is stale, but made again only after the debounce.
    _receive(stack, firestore_db, workspace_id, owner, "Revised pilot quote", 2)
    made_at = clock.now
    clock.now = first.generated_at + timedelta(minutes=5)  # type: ignore[operator]
    debounced = summaries.of(workspace_id, OWNER_UID, ids.contact_id(PRIYA))
    assert (debounced.summary, debounced.stale) == (first.summary, True)
    assert "at most every 10 minutes" in (debounced.note or "")
    assert _summary_calls(firestore_db, workspace_id) == 1

    clock.now = made_at + timedelta(minutes=11)
    fresh = summaries.of(workspace_id, OWNER_UID, ids.contact_id(PRIYA))
    assert (fresh.stale, fresh.generated_at) == (False, clock.now)
    assert "Revised pilot quote" in (fresh.summary or "")  # the newest thread, from the new mail
    assert _summary_calls(firestore_db, workspace_id) == 2

    # Over budget: the summary stays as it was, saying why, and nothing is called or charged.
    firestore_db.document("workspaces", workspace_id).update({WORKSPACE_BUDGET_FIELD: 0.000001})
    _receive(stack, firestore_db, workspace_id, owner, "Contract questions", 3)
    clock.now += timedelta(hours=1)
    over = summaries.of(workspace_id, OWNER_UID, ids.contact_id(PRIYA))
    assert (over.summary, over.generated_at, over.stale) == (fresh.summary, fresh.generated_at, True)
    assert "AI budget is used up" in (over.note or "")
    assert _summary_calls(firestore_db, workspace_id) == 2


def test_each_reader_gets_a_summary_of_what_they_may_read(stack, firestore_db, workspace_id):
    stack.enable_auth()
    owner = watched_mailbox(stack, workspace_id)
    _receive(stack, firestore_db, workspace_id, owner, "Pilot pricing for the Berlin rollout", 1)
    firestore_db.collection("workspaces", workspace_id, "mailboxes").document(
        next(iter(firestore_db.collection("workspaces", workspace_id, "mailboxes").list_documents())).id
    ).update({"sharing": "metadata"})
    add_member(workspace_id, uid="u-viewer", email="viewer@lumenway.io", role=Role.VIEWER)
    auth_url = f"http://127.0.0.1:{stack.ports.auth}"
    viewer = User("u-viewer", "viewer@lumenway.io", id_token_for(auth_url, "u-viewer", "viewer@lumenway.io"))
    owner_user = User(OWNER_UID, owner, id_token_for(auth_url, OWNER_UID, owner))
    api = Api(stack.functions_url, workspace_id)
    path = f"contact/{ids.contact_id(PRIYA)}/summary"

    mine = api.call(owner_user, "GET", path)
    assert mine.status == 200, mine.body
    assert "Pilot pricing for the Berlin rollout" in mine.body["summary"]
    theirs = api.call(viewer, "GET", path)
    assert theirs.status == 200, theirs.body
    assert "Pilot pricing" not in theirs.body["summary"]  # the subject is not shared with the viewer
    assert api.call(viewer, "GET", "contact/c_nobody/summary").status == 404
    outsider = User("u-out", "out@else.example", id_token_for(auth_url, "u-out", "out@else.example"))
    assert api.call(outsider, "GET", path).status in (403, 404)
