"""Mail search against the emulators and the local stand-in's real embedding model (all-MiniLM-L6-v2):
the index pass, ranking by meaning, the sharing levels and tenancy, the AI budget, and the HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack import demo
from shared import ids
from shared.enrichment.budget import month_key
from shared.errors import BudgetExceeded
from shared.mailsearch.index import MailIndex
from shared.mailsearch.search import MailSearch, MailSearchQuery
from shared.sharing import delete_content
from tests.firestore_calls import firestore_reads
from tests.integration.test_assistant import PRICING_SUBJECT, PRIYA, _answered, seeded  # noqa: F401
from tests.support import mail, store_mail, wait_for, watched_mailbox

pytestmark = pytest.mark.integration

OWNER, TEAMMATE = "u-owner", "u-teammate"
ACME = "acme.example"
# Written like the demo mailbox's conversations (devstack/demo_data/conversations.toml).
PRICING = (
    "Pricing for the analytics rollout",
    "As promised, here's the proposal for the analytics rollout. The total comes to €48,000 for the first year, "
    "including onboarding and support.",
)
MEETING = (
    "Call on Thursday?",
    "Would Thursday at 10:00 work for a quick call about the analytics rollout? Happy to send an invite.",
)
REDLINES = (
    "Contract redlines",
    "Please find our redlines on the MSA attached. The main open point is the liability cap in section 9.",
)


def _mail(db, workspace_id: str, message_id: str, mailbox: str, message: tuple[str, str], **extra: Any) -> str:  # type: ignore[no-untyped-def]
    sender = extra.pop("sender", "dana@acme.example")
    fields = {
        "mailboxId": mailbox,
        "occurredAt": extra.pop("occurredAt", datetime.now(UTC) - timedelta(days=2)),
        "createdAt": datetime.now(UTC),
        "direction": "inbound",
        "fromEmail": sender,
        "contactIds": [ids.contact_id(sender)],
        "companyIds": [ACME],
        "subject": message[0],
        "snippet": message[1],
        **extra,
    }
    store_mail(db, workspace_id, message_id, fields)
    return message_id


def _mailbox(db, workspace_id: str, mailbox: str, *, owner: str, sharing: str) -> None:  # type: ignore[no-untyped-def]
    db.document("workspaces", workspace_id, "mailboxes", mailbox).set({"ownerUid": owner, "sharing": sharing})


def _search(workspace_id: str, q: str, *, reader: str = OWNER, **filters: Any) -> list[str]:
    query = MailSearchQuery(workspace_id=workspace_id, q=q, **filters)
    return [hit.interaction_id for hit in MailSearch().search(query, reader_uid=reader)]


@pytest.fixture
def inbox(stack, firestore_db, workspace_id):  # type: ignore[no-untyped-def]
    firestore_db.document("workspaces", workspace_id).set({"name": "Team"})
    _mailbox(firestore_db, workspace_id, "mb_owner", owner=OWNER, sharing="everything")
    for message_id, message in (("m_meeting", MEETING), ("m_pricing", PRICING), ("m_redlines", REDLINES)):
        _mail(firestore_db, workspace_id, message_id, "mb_owner", message)
    return firestore_db


def test_a_question_about_pricing_finds_the_pricing_message_first_by_meaning(inbox, workspace_id):
    report = MailIndex().catch_up(workspace_id)
    assert (report.embedded, report.done) == (3, True)

    assert _search(workspace_id, "how much will it cost?")[0] == "m_pricing"
    assert _search(workspace_id, "what is still open in the legal agreement")[0] == "m_redlines"
    assert _search(workspace_id, "when are we meeting", k=1) == ["m_meeting"]
    stored = inbox.document("workspaces", workspace_id, "mailEmbeddings", "m_pricing").get().to_dict()
    assert len(list(stored["embedding"])) == 384
    assert (stored["mailboxId"], stored["model"]) == ("mb_owner", "gemini-embedding-001")
    assert stored["tokens"] > 10


def test_the_pass_is_idempotent_and_picks_up_only_what_is_new(inbox, workspace_id):
    index = MailIndex()
    assert index.catch_up(workspace_id).embedded == 3
    again = index.catch_up(workspace_id)
    assert (again.embedded, again.unchanged) == (0, 3)  # the overlap re-reads, but calls no model
    _mail(inbox, workspace_id, "m_new", "mb_owner", ("Updated quote", "We've applied the discount: €41,000."))
    newer = index.catch_up(workspace_id)
    assert newer.embedded == 1
    assert "m_new" in _search(workspace_id, "discounted price")[:2]


def test_every_call_is_charged_to_the_workspace_with_model_and_tokens(inbox, workspace_id):
    MailIndex().catch_up(workspace_id)
    _search(workspace_id, "pricing")
    usage = inbox.document("workspaces", workspace_id, "aiUsage", month_key(datetime.now(UTC))).get().to_dict()
    model = usage["byModel"]["gemini-embedding-001"]
    assert model["promptTokens"] > 30
    assert model["costMicros"] > 0
    assert set(usage["byFeature"]) >= {"mail_embedding", "mail_search"}
    assert usage["reservedMicros"] == 0


def test_over_budget_nothing_is_embedded_and_search_says_so(inbox, workspace_id):
    inbox.document("workspaces", workspace_id).update({"aiMonthlyBudgetUsd": 0.0})
    report = MailIndex().catch_up(workspace_id)
    assert report.over_budget
    assert report.embedded == 0
    assert list(inbox.collection("workspaces", workspace_id, "mailEmbeddings").stream()) == []
    with pytest.raises(BudgetExceeded):
        _search(workspace_id, "pricing")
    # Once the budget allows it, the next pass resumes where this one stopped.
    inbox.document("workspaces", workspace_id).update({"aiMonthlyBudgetUsd": 5.0})
    assert MailIndex().catch_up(workspace_id).embedded == 3


def test_only_mail_the_reader_may_read_is_searched_and_never_another_workspaces(inbox, workspace_id):
    # The teammate's mailbox shares only metadata: its pricing mail is theirs alone.
    _mailbox(inbox, workspace_id, "mb_teammate", owner=TEAMMATE, sharing="metadata")
    _mail(inbox, workspace_id, "t_pricing", "mb_teammate", ("Our price list", "Per-seat pricing is €30 a month."))
    other = f"{workspace_id}-other"
    inbox.document("workspaces", other).set({"name": "Other"})
    _mailbox(inbox, other, "mb_owner", owner=OWNER, sharing="everything")
    _mail(inbox, other, "o_pricing", "mb_owner", ("Pricing", "The price is €10 per seat per month."))
    MailIndex().catch_up(workspace_id)
    MailIndex().catch_up(other)

    owner_sees = _search(workspace_id, "pricing per seat", k=10)
    assert "t_pricing" not in owner_sees
    assert "o_pricing" not in owner_sees
    assert set(owner_sees) == {"m_pricing", "m_meeting", "m_redlines"}
    teammate_sees = _search(workspace_id, "pricing per seat", reader=TEAMMATE, k=10)
    assert teammate_sees[0] == "t_pricing"  # their own mail, at any level
    assert "o_pricing" not in teammate_sees
    # Subject-only sharing still hides the body, so the mail stays out of a teammate's search.
    _mailbox(inbox, workspace_id, "mb_owner", owner=OWNER, sharing="subject")
    assert _search(workspace_id, "pricing", reader=TEAMMATE, k=10) == ["t_pricing"]


def test_filters_by_contact_and_date_and_staged_or_undone_mail_drops_out(inbox, workspace_id):
    _mail(
        inbox, workspace_id, "m_old_pricing", "mb_owner", ("Pricing", "Last year's price was €30,000."),
        sender="lee@acme.example", occurredAt=datetime.now(UTC) - timedelta(days=400),
    )  # fmt: skip
    _mail(inbox, workspace_id, "m_staged", "mb_owner", ("Pricing", "A staged price: €1."), staged=True)
    MailIndex().catch_up(workspace_id)
    lee = ids.contact_id("lee@acme.example")

    assert _search(workspace_id, "pricing", contact_id=lee) == ["m_old_pricing"]
    recent = _search(workspace_id, "pricing", after=(datetime.now(UTC) - timedelta(days=30)).date(), k=10)
    assert "m_old_pricing" not in recent
    assert "m_pricing" in recent
    assert "m_staged" not in _search(workspace_id, "pricing", k=10)

    interaction = inbox.document("workspaces", workspace_id, "interactions", "m_pricing")
    batch = inbox.batch()
    interaction_update = {"undone": True}
    batch.update(interaction, interaction_update)
    delete_content(batch, interaction)  # an undo: the content goes, and its vector with it
    batch.commit()
    assert not inbox.document("workspaces", workspace_id, "mailEmbeddings", "m_pricing").get().exists
    assert "m_pricing" not in _search(workspace_id, "pricing", k=10)


def test_the_best_k_are_read_first_with_nothing_but_their_distance_and_the_spares_when_one_drops_out(
    inbox, workspace_id
):
    MailIndex().catch_up(workspace_id)
    best_two = _search(workspace_id, "how much will it cost?", k=2)
    with firestore_reads() as asked:
        assert _search(workspace_id, "how much will it cost?", k=1) == best_two[:1]

    documents = [name for method, request in asked if method == "BatchGetDocuments" for name in request.documents]
    mail = [name.split("/interactions/")[1] for name in documents if "/interactions/" in name]
    assert {name.split("/")[0] for name in mail} == {best_two[0]}  # the best message and its content, no spare
    assert not [name for name in documents if "/mailboxes/" in name]  # read once, by the search
    (vector_query,) = [r.structured_query for m, r in asked if m == "RunQuery" and r.structured_query.find_nearest]
    assert [field.field_path for field in vector_query.select.fields] == ["distance"]

    inbox.document("workspaces", workspace_id, "interactions", best_two[0]).update({"undone": True})
    assert _search(workspace_id, "how much will it cost?", k=1) == best_two[1:]


def test_the_http_api_searches_as_the_signed_in_user(crm, firestore_db):
    api, users = crm
    owner = users["owner"]
    _mailbox(firestore_db, api.workspace_id, "mb_owner", owner=owner.uid, sharing="metadata")
    for message_id, message in (("m_meeting", MEETING), ("m_pricing", PRICING)):
        _mail(firestore_db, api.workspace_id, message_id, "mb_owner", message)
    MailIndex().catch_up(api.workspace_id)

    answer = api.call(owner, "GET", "mail-search", params={"q": "how much does it cost", "k": 1})
    assert answer.status == 200, answer.body
    [hit] = answer.body["items"]
    assert (hit["interactionId"], hit["subject"]) == ("m_pricing", PRICING[0])
    assert "€48,000" in hit["snippet"]
    # The viewer may search, but the owner's mailbox shares only metadata with them.
    viewer = api.call(users["viewer"], "GET", "mail-search", params={"q": "how much does it cost"})
    assert (viewer.status, viewer.body["items"]) == (200, [])
    assert api.call(users["outsider"], "GET", "mail-search", params={"q": "pricing"}).status == 403
    assert api.call(owner, "GET", "mail-search", params={"q": ""}).status == 400


def test_the_assistant_finds_mail_by_meaning_and_cites_it(seeded, firestore_db):  # noqa: F811 (the fixture)
    api, users = seeded
    owner = users["owner"]
    assert MailIndex().catch_up(api.workspace_id).embedded == 1
    answer = _answered(firestore_db, api, owner, "What did Priya Raman say about pricing?")
    assert answer["status"] == "done", answer.get("error")
    assert [call["name"] for call in answer["toolCalls"]] == ["search_contacts", "search_mail"]
    assert PRICING_SUBJECT in answer["text"]
    [citation] = answer["citations"]
    assert (citation["interactionId"], citation["subject"]) == ("mb_owner_1", PRICING_SUBJECT)
    assert citation["contactId"] == ids.contact_id(PRIYA)
    usage = firestore_db.document("workspaces", api.workspace_id, "aiUsage", month_key(datetime.now(UTC))).get()
    assert usage.to_dict()["byFeature"]["mail_search"]["calls"] == 1  # the question's embedding, paid for

    # A teammate whose mailbox the owner shares only as metadata gets no message to quote.
    firestore_db.document("workspaces", api.workspace_id, "mailboxes", "mb_owner").update({"sharing": "metadata"})
    hidden = _answered(firestore_db, api, users["member"], "Find the emails about pricing")
    assert hidden["status"] == "done", hidden.get("error")
    assert PRICING_SUBJECT not in hidden["text"]
    assert hidden["citations"] == []


def test_mail_synced_from_gmail_is_embedded_by_the_pipeline_and_found_by_meaning(stack, firestore_db, workspace_id):
    owner = watched_mailbox(stack, workspace_id)
    for sender, (subject, text) in (("Dana <dana@acme.example>", PRICING), ("Lee <lee@acme.example>", MEETING)):
        demo.deliver(stack.gmail_url, owner, mail(sender, owner, subject, f"Hi,\n\n{text}\n\nBest,\n{sender[:4]}"))
    embeddings = firestore_db.collection("workspaces", workspace_id, "mailEmbeddings")
    # Ingestion's contacts-to-enrich message starts index-mail, which embeds what is new.
    wait_for(lambda: len(list(embeddings.stream())) >= 2, timeout=90, what="the new mail's embeddings")
    [first, *_] = MailSearch().search(
        MailSearchQuery(workspace_id=workspace_id, q="what will it cost"), reader_uid="u-owner"
    )
    assert first.interaction["subject"] == PRICING[0]
    assert "€48,000" in first.interaction["snippet"]


def test_the_backfill_command_embeds_what_is_missing_and_resumes(inbox, workspace_id):
    import argparse
    import io
    import json

    from devstack.commands.index_mail import command

    out = io.StringIO()
    assert command(argparse.Namespace(workspace=workspace_id, seconds=240.0), out=out) == 0
    assert json.loads(out.getvalue())["embedded"] == 3
    again = io.StringIO()
    assert command(argparse.Namespace(workspace=workspace_id, seconds=240.0), out=again) == 0
    assert (json.loads(again.getvalue())["embedded"], json.loads(again.getvalue())["unchanged"]) == (0, 3)
