"""The assistant end to end: POST /assistant/ask through the functions host, the answer run by
`assistant-turn` from Cloud Tasks, Gemini played by the local stand-in (its evaluation set's scripted
tool calls), tools over the emulators' CRM, and the answer streamed into Firestore."""

from __future__ import annotations

import json
import threading
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.demo_hostile import INJECTION_BODY, INJECTION_SUBJECT
from devstack.demo_hostile import SENDER as MALLORY
from shared import ids
from shared.enrichment.budget import month_key
from tests.integration.api import Api, User
from tests.support import store_mail, wait_for

pytestmark = pytest.mark.integration

BRIGHTFORGE = "brightforgelabs.com"
PRIYA = "priya.raman@brightforgelabs.com"
PRICING_SUBJECT = "Pilot pricing for the Berlin rollout"
PRICING_TEXT = "Can we agree the pilot pricing before the rollout starts?"
NOTE_QUESTION = "Add a note to Brightforge Labs: they want the pilot to start in March"


@pytest.fixture
def seeded(crm, firestore_db, stack) -> tuple[Api, dict[str, User]]:  # type: ignore[no-untyped-def]
    """Brightforge Labs (from the demo world) with Priya, a deal, and Priya's mail in the owner's mailbox."""
    api, users = crm
    owner = users["owner"]
    for body in (
        {"name": "Brightforge Labs", "domain": BRIGHTFORGE},
        {"name": "Quillstone Software", "domain": "quillstone.io"},
    ):
        assert api.call(owner, "POST", "companies", body).status == 201
    contact = {"email": PRIYA, "name": "Priya Raman", "title": "VP of Sales", "companyId": BRIGHTFORGE}
    assert api.call(owner, "POST", "contacts", contact | {"companyName": "Brightforge Labs"}).status == 201
    deal = {"name": "Brightforge Labs pilot", "stage": "proposal", "value": 25000, "companyId": BRIGHTFORGE}
    assert api.call(owner, "POST", "deals", deal).status == 201
    mailbox = {"ownerUid": owner.uid, "email": owner.email}
    firestore_db.document("workspaces", api.workspace_id, "mailboxes", "mb_owner").set(mailbox)
    _receive(firestore_db, api, "mb_owner_1", PRIYA, PRICING_SUBJECT, PRICING_TEXT, days_ago=3, company=BRIGHTFORGE)
    firestore_db.document("workspaces", api.workspace_id, "mailboxes", "mb_owner").update({"sharing": "everything"})
    _gemini(stack, "DELETE", "/_dev/faults")
    _gemini(stack, "DELETE", "/_dev/calls")
    return api, users


def _receive(  # type: ignore[no-untyped-def]
    db, api: Api, message_id: str, sender: str, subject: str, text: str, *, days_ago: int, company: str | None = None
) -> None:
    """Mail from `sender` in the owner's mailbox, stored as ingestion stores it."""
    fields = {
        "mailboxId": "mb_owner",
        "occurredAt": datetime.now(UTC) - timedelta(days=days_ago),
        "createdAt": datetime.now(UTC),
        "direction": "inbound",
        "fromEmail": sender,
        "contactIds": [ids.contact_id(sender)],
        "companyIds": [company] if company else [],
        "subject": subject,
        "snippet": text,
    }
    store_mail(db, api.workspace_id, message_id, fields)


def _gemini(stack, method: str, path: str, body: Any = None) -> Any:  # type: ignore[no-untyped-def]
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.ports.gemini}{path}", data, {"Content-Type": "application/json"}, method=method
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _model_calls(stack) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The Gemini calls the stand-in received, but embeddings (mail indexing runs in the background)."""
    return [call for call in _gemini(stack, "GET", "/_dev/calls")["calls"] if "embedding" not in call["model"]]


def _ask(api: Api, user: User, question: str) -> dict[str, str]:
    answer = api.call(user, "POST", "assistant/ask", {"workspaceId": api.workspace_id, "question": question})
    assert answer.status == 202, answer.body
    return dict(answer.body)


def _message(db, api: Api, user: User, asked: dict[str, str]):  # type: ignore[no-untyped-def]
    return db.document(
        "workspaces", api.workspace_id, "members", user.uid, "conversations", asked["conversationId"],
        "messages", asked["messageId"],
    )  # fmt: skip


def _answered(db, api: Api, user: User, question: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    reference = _message(db, api, user, _ask(api, user, question))
    wait_for(
        lambda: (reference.get().to_dict() or {}).get("status") in ("done", "error"), timeout=60, what="the answer"
    )
    return reference.get().to_dict() or {}


def _proposal(db, api: Api, user: User, proposal_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return db.document("workspaces", api.workspace_id, "members", user.uid, "proposals", proposal_id).get().to_dict()


def _decide(api: Api, user: User, proposal_id: str, decision: str):  # type: ignore[no-untyped-def]
    return api.call(user, "POST", f"assistant/proposal/{proposal_id}/{decision}", {"workspaceId": api.workspace_id})


def _deal(db, api: Api) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    deals = list(db.collection("workspaces", api.workspace_id, "deals").stream())
    assert len(deals) == 1
    return {"id": deals[0].id, **(deals[0].to_dict() or {})}


def _count(db, api: Api, collection: str) -> int:  # type: ignore[no-untyped-def]
    return len(list(db.collection("workspaces", api.workspace_id, collection).stream()))


def test_a_question_is_answered_from_the_crm_by_the_local_stand_in_and_paid_for(seeded, firestore_db):
    api, users = seeded
    owner = users["owner"]
    answer = _answered(firestore_db, api, owner, "Summarise my relationship with Priya Raman")

    assert answer["status"] == "done", answer.get("error")
    assert "Priya Raman" in answer["text"]
    assert PRICING_SUBJECT in answer["text"]  # the owner's own mail, quoted from the tool's answer
    assert [call["name"] for call in answer["toolCalls"]] == ["search_contacts", "get_contact"]
    assert answer["standIn"] is True
    assert len(answer["modelCalls"]) == 3
    assert all(call["costMicros"] > 0 and call["promptTokens"] > 0 for call in answer["modelCalls"])
    usage = firestore_db.document("workspaces", api.workspace_id, "aiUsage", month_key(datetime.now(UTC))).get()
    assert usage.to_dict()["byFeature"]["assistant"]["calls"] == 3
    assert usage.to_dict()["spentMicros"] == answer["costMicros"]

    knows = _answered(
        firestore_db,
        api,
        owner,
        "Who at Brightforge Labs have we been talking to, and who on our team knows them best?",
    )
    assert knows["status"] == "done", knows.get("error")
    assert "Priya Raman" in knows["text"]
    assert owner.email in knows["text"]  # whose mailbox wrote with them


def test_mail_a_teammate_does_not_share_stays_out_of_the_answer(seeded, firestore_db):
    api, users = seeded
    firestore_db.document("workspaces", api.workspace_id, "mailboxes", "mb_owner").update({"sharing": "metadata"})
    answer = _answered(firestore_db, api, users["member"], "Summarise my relationship with Priya Raman")
    assert answer["status"] == "done", answer.get("error")
    assert "Priya Raman" in answer["text"]
    assert PRICING_SUBJECT not in answer["text"]


def test_a_confirmed_proposal_lands_through_the_api_audited_as_the_user_via_the_assistant(seeded, firestore_db):
    api, users = seeded
    member = users["member"]
    answer = _answered(firestore_db, api, member, "Move the Brightforge deal to negotiation")
    assert answer["status"] == "done", answer.get("error")
    [proposal_id] = answer["proposalIds"]
    assert "negotiation" in answer["text"]
    assert _deal(firestore_db, api)["stage"] == "proposal"  # proposed, not written
    assert _proposal(firestore_db, api, member, proposal_id)["status"] == "pending"

    assert _decide(api, users["admin"], proposal_id, "confirm").status == 404  # not theirs
    confirmed = _decide(api, member, proposal_id, "confirm")
    assert confirmed.status == 200, confirmed.body
    deal = _deal(firestore_db, api)
    assert deal["stage"] == "negotiation"
    assert deal["updatedBy"] == member.uid
    entries = [
        entry.to_dict()
        for entry in firestore_db.collection("workspaces", api.workspace_id, "audit").stream()
        if entry.to_dict().get("entityKey") == f"deal:{deal['id']}" and entry.to_dict()["action"] == "update"
    ]
    assert [(e["actorUid"], e["via"], "stage" in e["changedFields"]) for e in entries] == [
        (member.uid, "assistant", True)
    ]
    assert _proposal(firestore_db, api, member, proposal_id)["status"] == "confirmed"
    assert _decide(api, member, proposal_id, "confirm").status == 409  # applied once


def test_a_declined_proposal_changes_nothing(seeded, firestore_db):
    api, users = seeded
    member = users["member"]
    answer = _answered(firestore_db, api, member, NOTE_QUESTION)
    assert answer["status"] == "done", answer.get("error")
    [proposal_id] = answer["proposalIds"]
    stored = _proposal(firestore_db, api, member, proposal_id)
    assert stored["body"]["parentId"] == BRIGHTFORGE
    assert "Brightforge Labs" in stored["summary"]
    audit_before = _count(firestore_db, api, "audit")

    declined = _decide(api, member, proposal_id, "decline")
    assert declined.status == 200, declined.body
    assert _proposal(firestore_db, api, member, proposal_id)["status"] == "declined"
    assert _decide(api, member, proposal_id, "confirm").status == 409
    assert _count(firestore_db, api, "notes") == 0
    assert _count(firestore_db, api, "audit") == audit_before


def test_a_viewer_is_offered_read_tools_only(seeded, firestore_db, stack):
    api, users = seeded
    viewer = users["viewer"]
    answer = _answered(firestore_db, api, viewer, NOTE_QUESTION)
    assert answer["status"] == "done", answer.get("error")
    assert answer["proposalIds"] == []
    assert "add_note" in answer["text"]  # the stand-in says it has no such tool
    declared = {
        declaration["name"]
        for call in _model_calls(stack)
        for tool in call["body"].get("tools", [])
        for declaration in tool["functionDeclarations"]
    }
    assert "search_companies" in declared
    assert not declared & {"add_note", "create_task", "move_deal_stage", "create_deal"}
    tools = json.dumps([call["body"].get("tools") for call in _model_calls(stack)])
    assert "workspace_id" not in tools  # the model can never name a workspace
    assert _decide(api, viewer, "p1", "confirm").status == 403
    assert _count(firestore_db, api, "notes") == 0


def test_orders_in_an_email_lead_at_most_to_a_proposal(seeded, firestore_db):
    api, users = seeded
    owner = users["owner"]
    assert api.call(owner, "POST", "contacts", {"email": MALLORY, "name": "Mallory"}).status == 201
    _receive(firestore_db, api, "mb_owner_2", MALLORY, INJECTION_SUBJECT, INJECTION_BODY, days_ago=1)
    contacts, deals, audit = (_count(firestore_db, api, c) for c in ("contacts", "deals", "audit"))

    answer = _answered(firestore_db, api, owner, "Summarise my relationship with Mallory")
    assert answer["status"] == "done", answer.get("error")
    [proposal_id] = answer["proposalIds"]  # the stand-in obeyed the mail: it could only propose
    assert MALLORY in _proposal(firestore_db, api, owner, proposal_id)["summary"]
    assert "confirm or decline" in answer["text"]
    assert _count(firestore_db, api, "tasks") == 0
    assert (_count(firestore_db, api, "contacts"), _count(firestore_db, api, "deals")) == (contacts, deals)
    assert _count(firestore_db, api, "audit") == audit
    assert _deal(firestore_db, api)["stage"] == "proposal"


def test_over_budget_the_answer_says_so_with_the_months_spend_and_the_model_is_not_called(seeded, firestore_db, stack):
    api, users = seeded
    firestore_db.document("workspaces", api.workspace_id).update({"aiMonthlyBudgetUsd": 0.0001})
    answer = _answered(firestore_db, api, users["owner"], "How much pipeline is in negotiation?")
    assert answer["status"] == "error"
    assert "AI budget" in answer["error"]
    assert "$0.00 spent of $0.00" in answer["error"]
    assert month_key(datetime.now(UTC)) in answer["error"]
    assert answer["text"] == ""
    assert _model_calls(stack) == []


def test_invalid_tool_arguments_go_back_to_the_model_which_tries_again(seeded, firestore_db, stack):
    api, users = seeded
    answer = _answered(firestore_db, api, users["member"], "Create a task to call Priya sometime next week")
    assert answer["status"] == "done", answer.get("error")
    first, second = answer["toolCalls"]
    assert (first["name"], first["ok"], second["name"], second["ok"]) == ("create_task", False, "create_task", True)
    assert "due_date" in first["error"]
    sent = json.dumps(_model_calls(stack)[1]["body"]["contents"])
    assert "invalid arguments: due_date" in sent  # the model was told why
    assert len(answer["proposalIds"]) == 1
    assert _count(firestore_db, api, "tasks") == 0


def test_a_refused_model_call_ends_the_answer_with_a_clear_error_and_nothing_half_done(seeded, firestore_db, stack):
    api, users = seeded
    member = users["member"]
    _gemini(stack, "POST", "/_dev/faults", {"code": 429, "times": None})
    try:
        failed = _answered(firestore_db, api, member, "Move the Brightforge deal to negotiation")
    finally:
        _gemini(stack, "DELETE", "/_dev/faults")
    assert failed["status"] == "error"
    assert "429" in failed["error"]
    assert failed["text"] == ""
    assert failed["proposalIds"] == []
    assert _deal(firestore_db, api)["stage"] == "proposal"


def test_the_answer_streams_into_its_document_before_it_is_final(seeded, firestore_db):
    api, users = seeded
    owner = users["owner"]
    reference = _message(firestore_db, api, owner, _ask(api, owner, "How much pipeline is in negotiation?"))
    seen: list[tuple[str, str]] = []
    done = threading.Event()

    def on_snapshot(snapshots, changes, read_at) -> None:  # type: ignore[no-untyped-def]
        for snapshot in snapshots:
            data = snapshot.to_dict() or {}
            seen.append((data.get("status", ""), data.get("text", "")))
            if data.get("status") in ("done", "error"):
                done.set()

    watch = reference.on_snapshot(on_snapshot)
    try:
        assert done.wait(60), seen
    finally:
        watch.unsubscribe()
    final_status, final_text = seen[-1]
    assert final_status == "done"
    partial = [text for status, text in seen if status == "running" and text and text != final_text]
    assert partial, seen
    assert all(final_text.startswith(text) for text in partial)
    assert "negotiation" in final_text


def test_empty_huge_and_non_text_questions_are_refused_before_anything_is_stored(seeded, firestore_db):
    api, users = seeded
    owner = users["owner"]
    for question in ("", "   ", "x" * 4001, 42, ["a question"], None):
        body = {"workspaceId": api.workspace_id, "question": question}
        answer = api.call(owner, "POST", "assistant/ask", body)
        assert answer.status == 400, (question, answer.body)
        assert answer.body["error"]["field"] == "question"
    conversations = firestore_db.collection("workspaces", api.workspace_id, "members", owner.uid, "conversations")
    assert list(conversations.stream()) == []
    outsider = api.call(users["outsider"], "POST", "assistant/ask", {"workspaceId": api.workspace_id, "question": "hi"})
    assert outsider.status == 403
