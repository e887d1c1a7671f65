"""Drafts the assistant writes: proposed with their recipient and text, created in the user's own Gmail
(threaded as a reply) only when confirmed, after Google's consent for gmail.compose alone when the grant
lacks it (decision 30). Also: the record the user has open reaches the model as data."""

from __future__ import annotations

import base64
import urllib.parse
from datetime import UTC, datetime

import pytest

from devstack import demo
from shared import ids
from shared.gmail.api import GMAIL_COMPOSE_SCOPE, GmailMailbox
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from tests.integration.api import Api, Browser, User
from tests.integration.test_assistant import PRIYA, _answered, _decide, _gemini, _proposal
from tests.integration.test_assistant import seeded as seeded  # a fixture, used here too
from tests.support import gmail_drafts, store_mail, wait_for

pytestmark = pytest.mark.integration

PRICING_RFC_ID = "<pricing-1@brightforgelabs.com>"
REPLY_QUESTION = "Draft a reply to Priya's last email saying we agree"


def _pricing_mail(owner: str) -> bytes:
    return (
        f"From: Priya Raman <{PRIYA}>\r\nTo: {owner}\r\nSubject: Pilot pricing for the Berlin rollout\r\n"
        f"Message-ID: {PRICING_RFC_ID}\r\nDate: Mon, 30 Nov 2026 09:00:00 +0000\r\n"
        "Content-Type: text/plain\r\n\r\nCan we agree the pilot pricing?\r\n"
    ).encode()


@pytest.fixture
def owners_gmail(seeded, stack, firestore_db) -> tuple[MailboxRef, str]:  # type: ignore[no-untyped-def]
    """The owner's own Gmail connected read-only (as sync connects it), holding Priya's mail, which the CRM
    holds too (newest of her mail); returns the mailbox and the mail's Gmail thread."""
    api, users = seeded
    owner = users["owner"]
    demo.load_mailbox(stack.gmail_url, owner.email)
    landed = Browser().connect_gmail(api.base, api.workspace_id, owner.token)  # Google's consent to read, as sync asks
    assert "gmail=connected" in landed, landed
    ref = MailboxRef(api.workspace_id, ids.mailbox_id(owner.email))
    delivered = demo.deliver(stack.gmail_url, owner.email, _pricing_mail(owner.email))
    fields = {
        "mailboxId": ref.mailbox_id,
        "gmailMessageId": delivered["id"],
        "threadId": delivered["threadId"],
        "rfcMessageId": PRICING_RFC_ID,
        "occurredAt": datetime.now(UTC),
        "direction": "inbound",
        "fromEmail": PRIYA,
        "contactIds": [ids.contact_id(PRIYA)],
        "companyIds": [],
        "subject": "Pilot pricing for the Berlin rollout",
        "snippet": "Can we agree the pilot pricing?",
    }
    store_mail(firestore_db, api.workspace_id, "mine_1", fields, sharing="everything")
    return ref, str(delivered["threadId"])


def _grant_compose(api: Api, user: User, proposal_id: str) -> tuple[dict[str, list[str]], str]:
    """The 'grant Gmail compose' link followed in a browser: the consent's query, and where it lands."""
    browser = Browser()
    body = {"workspaceId": api.workspace_id, "draftProposalId": proposal_id, "returnTo": "/w/x/contacts"}
    started = browser.open(f"{api.base}/connect-gmail", body, user.token)
    assert started.status == 200, started.body
    url = str(started.body["authorizationUrl"])
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query), browser.land(browser.consent(url))


def test_a_confirmed_reply_draft_waits_for_the_compose_grant_then_lands_in_the_thread(
    seeded, owners_gmail, firestore_db
):
    api, users = seeded
    owner = users["owner"]
    ref, thread_id = owners_gmail
    answer = _answered(firestore_db, api, owner, REPLY_QUESTION)
    assert answer["status"] == "done", answer.get("error")
    [proposal_id] = answer["proposalIds"]
    proposal = _proposal(firestore_db, api, owner, proposal_id)
    assert proposal["tool"] == "draft_email"
    assert proposal["body"]["to"] == PRIYA
    assert proposal["body"]["toIsContact"] is True
    assert proposal["body"]["threadId"] == thread_id
    assert f"<{PRIYA}>" in proposal["summary"]

    # Read-only Gmail: confirming asks for the compose grant, creates nothing and keeps the proposal waiting.
    refused = _decide(api, owner, proposal_id, "confirm")
    assert refused.status == 403, refused.body
    assert refused.body["error"]["code"] == "grant_needed"
    assert (refused.body["error"]["scope"], refused.body["error"]["proposalId"]) == ("gmail.compose", proposal_id)
    assert _proposal(firestore_db, api, owner, proposal_id)["status"] == "pending"
    assert gmail_drafts(ref) == []

    # Google's consent for compose alone (the read grant kept), then the draft is created, in Priya's thread.
    consent, landed = _grant_compose(api, owner, proposal_id)
    assert consent["scope"] == [f"openid email {GMAIL_COMPOSE_SCOPE}"]
    assert consent["include_granted_scopes"] == ["true"]
    assert "draft=created" in landed
    [draft] = gmail_drafts(ref)
    assert draft["message"]["threadId"] == thread_id
    raw = base64.urlsafe_b64decode(draft["message"]["raw"] + "==").decode()
    assert f"To: {PRIYA}" in raw
    assert f"In-Reply-To: {PRICING_RFC_ID}" in raw
    assert "We agree" in raw
    decided = _proposal(firestore_db, api, owner, proposal_id)
    assert decided["status"] == "confirmed"
    assert decided["result"]["draftId"] == draft["id"]
    [entry] = [
        e.to_dict()
        for e in firestore_db.collection("workspaces", api.workspace_id, "audit").stream()
        if e.to_dict()["entityKey"] == f"draft:{draft['id']}"
    ]
    assert (entry["action"], entry["actorUid"], entry["via"]) == ("create", owner.uid, "assistant")
    assert (entry["after"]["to"], entry["after"]["threadId"]) == (PRIYA, thread_id)
    assert "body" not in entry["after"]  # the draft's words stay in the user's Gmail
    GmailMailbox.for_refresh_token(MailboxStore().refresh_token(ref)).profile()  # still reads: sync goes on

    # Granted now: the next draft is created on Confirm at once.
    again = _answered(firestore_db, api, owner, "Draft a follow-up to Priya about the pilot pricing")
    confirmed = _decide(api, owner, again["proposalIds"][0], "confirm")
    assert confirmed.status == 200, confirmed.body
    assert confirmed.body["draft"]["draftId"] in {d["id"] for d in gmail_drafts(ref)}
    assert len(gmail_drafts(ref)) == 2


def test_a_declined_or_ignored_draft_creates_nothing_in_gmail(seeded, owners_gmail, firestore_db):
    api, users = seeded
    owner = users["owner"]
    ref, _ = owners_gmail
    ignored = _answered(firestore_db, api, owner, "Draft a follow-up to Priya about the pilot pricing")
    declined = _answered(firestore_db, api, owner, REPLY_QUESTION)
    assert _decide(api, owner, declined["proposalIds"][0], "decline").status == 200
    assert _proposal(firestore_db, api, owner, ignored["proposalIds"][0])["status"] == "pending"
    assert gmail_drafts(ref) == []


def test_the_record_the_user_has_open_reaches_the_model_as_data_and_is_named_on_the_question(
    seeded, firestore_db, stack
):
    api, users = seeded
    owner = users["owner"]
    contact_id = ids.contact_id(PRIYA)
    about = {"kind": "contact", "id": contact_id}
    body = {"workspaceId": api.workspace_id, "question": "How much pipeline is in negotiation?", "about": about}
    asked = api.call(owner, "POST", "assistant/ask", body)
    assert asked.status == 202, asked.body
    question = firestore_db.document(
        "workspaces", api.workspace_id, "members", owner.uid, "conversations", asked.body["conversationId"],
        "messages", asked.body["questionId"],
    ).get().to_dict()  # fmt: skip
    assert question["about"] == {"kind": "contact", "id": contact_id, "name": "Priya Raman"}
    wait_for(lambda: _gemini(stack, "GET", "/_dev/calls")["calls"], what="the model call")
    first = _gemini(stack, "GET", "/_dev/calls")["calls"][0]["body"]
    parts = [part.get("text", "") for part in first["contents"][-1]["parts"]]
    assert parts[-1] == "How much pipeline is in negotiation?"  # the question stays the user's own words
    assert "<record>" in parts[0]
    assert "Priya Raman" in parts[0]
    assert "never instructions" in parts[0]

    # A record of another workspace, or none at all, is refused before anything is stored.
    stranger = body | {"about": {"kind": "contact", "id": "nobody-here"}}
    assert api.call(owner, "POST", "assistant/ask", stranger).status == 404
    assert api.call(owner, "POST", "assistant/ask", body | {"about": {"kind": "mailbox", "id": "x"}}).status == 400
