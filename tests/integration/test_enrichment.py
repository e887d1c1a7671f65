"""Enrichment on the emulators: GeminiProvider through the real SDK against the local Gemini server,
the AI budget in Firestore transactions, and EnrichmentService writing results to the contact."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from google import genai
from google.genai import types

from devstack.gemini_server import GeminiServer
from shared import clients, ids
from shared.enrichment import (
    AiBudget,
    AiCallRejected,
    DomainProvider,
    EnrichmentInput,
    EnrichmentProvider,
    EnrichmentService,
    GeminiProvider,
    InteractionBrief,
    SignatureProvider,
)
from shared.enrichment.gemini import PROMPT_NAME, prompt_values
from shared.enrichment.model import AiUsage
from shared.enrichment.prompts import load_prompt
from shared.enrichment.touched import CONTACTS_PER_MESSAGE
from shared.errors import BudgetExceeded, NotFound, RetryLater
from shared.settings import get_settings
from tests.firestore_calls import firestore_reads
from tests.support import local_genai_client, store_mail

pytestmark = pytest.mark.integration

MODEL = "gemini-2.5-flash"
NO_WAIT_RETRY = types.HttpRetryOptions(attempts=3, initial_delay=0, max_delay=0, jitter=0)
ANN_EMAIL = "ann.lee@acme.co.uk"


@pytest.fixture(scope="module")
def gemini() -> Iterator[GeminiServer]:
    with GeminiServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_gemini(gemini: GeminiServer) -> None:
    gemini.app.faults.clear()
    gemini.app.clear_calls()


@pytest.fixture
def genai_client(gemini: GeminiServer) -> genai.Client:
    return cast(genai.Client, local_genai_client(gemini.url))


def _budget(db, usd: float = 1.0, now=None) -> AiBudget:
    return AiBudget(db=db, default_monthly_usd=usd, **({"now": now} if now else {}))


def _provider(client: genai.Client, budget: AiBudget) -> GeminiProvider:
    return GeminiProvider(client_factory=lambda: client, budget=budget, model=MODEL, retry=NO_WAIT_RETRY)


def _ann(workspace_id: str) -> EnrichmentInput:
    return EnrichmentInput(
        workspace_id=workspace_id,
        contact_id=ids.contact_id(ANN_EMAIL),
        email=ANN_EMAIL,
        name="Ann Lee",
        company_domain="acme.co.uk",
        company_name="Acme",
        signature={"title": "VP of Sales"},
        sent_count=2,
        received_count=3,
    )


def _usage_doc(db, workspace_id: str) -> dict:
    month = datetime.now(UTC).strftime("%Y-%m")
    return db.document("workspaces", workspace_id, "aiUsage", month).get().to_dict() or {}


def test_gemini_enrichment_is_paid_for_from_the_budget(firestore_db, workspace_id, genai_client, gemini):
    result = _provider(genai_client, _budget(firestore_db)).enrich(_ann(workspace_id))

    assert result.fields["role"] == "VP of Sales"
    assert result.fields["seniority"] == "vp"
    assert "Ann Lee" in result.fields["relationshipSummary"]
    usage = result.usage
    assert usage is not None
    assert usage.model == MODEL
    assert usage.prompt_tokens > 0
    assert usage.candidate_tokens > 0
    assert usage.cost_micros > 0
    spent = _usage_doc(firestore_db, workspace_id)
    assert spent["spentMicros"] == usage.cost_micros
    assert (spent["calls"], spent["reservedMicros"], spent["reservations"]) == (1, 0, {})
    assert spent["byModel"][MODEL]["promptTokens"] == usage.prompt_tokens
    request = gemini.app.calls[0].body
    assert request["generationConfig"]["responseMimeType"] == "application/json"
    assert "systemInstruction" in request


def test_over_budget_raises_and_calls_nothing(firestore_db, workspace_id, genai_client, gemini):
    firestore_db.document("workspaces", workspace_id).set({"name": "Tiny", "aiMonthlyBudgetUsd": 0.0001})
    with pytest.raises(BudgetExceeded) as raised:
        _provider(genai_client, _budget(firestore_db, usd=100)).enrich(_ann(workspace_id))

    assert raised.value.details["limitUsd"] == pytest.approx(0.0001)
    assert gemini.app.calls == []
    assert _usage_doc(firestore_db, workspace_id) == {}


def test_transient_faults_are_retried_and_billed_once(firestore_db, workspace_id, genai_client, gemini):
    gemini.app.faults.inject(429, times=1)
    gemini.app.faults.inject(503, times=1)
    result = _provider(genai_client, _budget(firestore_db)).enrich(_ann(workspace_id))

    assert [call.status for call in gemini.app.calls] == [429, 503, 200]
    assert result.usage is not None
    assert _usage_doc(firestore_db, workspace_id)["spentMicros"] == result.usage.cost_micros


def test_lasting_outages_ask_for_a_later_retry_and_cost_nothing(firestore_db, workspace_id, genai_client, gemini):
    gemini.app.faults.inject(503, times=None)
    with pytest.raises(RetryLater):
        _provider(genai_client, _budget(firestore_db)).enrich(_ann(workspace_id))

    assert len(gemini.app.calls) == NO_WAIT_RETRY.attempts
    usage = _usage_doc(firestore_db, workspace_id)
    assert (usage["spentMicros"], usage["reservedMicros"]) == (0, 0)


def test_a_call_that_may_have_run_costs_its_reservation(firestore_db, workspace_id, genai_client, gemini):
    gemini.app.faults.inject(500, times=None)
    provider = _provider(genai_client, _budget(firestore_db))
    with pytest.raises(RetryLater):
        provider.enrich(_ann(workspace_id))

    assert len(gemini.app.calls) == 1  # never retried inside one reservation: each attempt may be billed
    usage = _usage_doc(firestore_db, workspace_id)
    bound = _reserved_for(provider, _ann(workspace_id))
    assert (usage["spentMicros"], usage["reservedMicros"], usage["unknownOutcomes"]) == (bound, 0, 1)
    project = firestore_db.document("aiUsage", usage["month"]).get().to_dict()
    assert (project["spentMicros"], project["reservedMicros"]) == (bound, 0)


def _reserved_for(provider: GeminiProvider, subject: EnrichmentInput) -> int:
    prompt = load_prompt(PROMPT_NAME)
    return provider.reservation_micros(prompt.system, prompt.render(**prompt_values(subject)))


def test_the_project_cap_holds_across_workspaces(firestore_db, genai_client, gemini):
    provider = _provider(genai_client, AiBudget(db=firestore_db, default_monthly_usd=1.0, project_monthly_usd=0.01))
    refusals: list[BudgetExceeded] = []
    for number in range(30):  # each workspace far below its own $1
        try:
            provider.enrich(_ann(f"ws-{number % 5}"))
        except BudgetExceeded as refused:
            refusals.append(refused)

    assert refusals
    assert {refused.details["scope"] for refused in refusals} == {"project"}
    project = firestore_db.document("aiUsage", datetime.now(UTC).strftime("%Y-%m")).get().to_dict()
    assert 0 < project["spentMicros"] <= 10_000
    assert project["calls"] == 30 - len(refusals)


def test_bad_requests_are_not_retried(firestore_db, workspace_id, genai_client, gemini):
    gemini.app.faults.inject(400, times=None)
    with pytest.raises(AiCallRejected):
        _provider(genai_client, _budget(firestore_db)).enrich(_ann(workspace_id))

    assert len(gemini.app.calls) == 1
    assert _usage_doc(firestore_db, workspace_id)["reservedMicros"] == 0


def test_reservations_hold_money_until_settled(firestore_db, workspace_id):
    budget = _budget(firestore_db, usd=0.001)  # 1,000 micro-USD
    first = budget.reserve(workspace_id, 600)
    with pytest.raises(BudgetExceeded):
        budget.reserve(workspace_id, 600)

    usage = AiUsage(model=MODEL, prompt_tokens=10, candidate_tokens=5, cost_micros=100)
    budget.settle(first, usage)
    budget.settle(first, usage)  # a second settle changes nothing
    budget.reserve(workspace_id, 600)

    doc = _usage_doc(firestore_db, workspace_id)
    assert (doc["spentMicros"], doc["reservedMicros"], doc["calls"]) == (100, 600, 1)


def test_a_reservation_reads_its_workspace_and_ledgers_in_one_batch_and_checks_them_in_another(
    firestore_db, workspace_id
):
    budget = _budget(firestore_db)
    with firestore_reads() as asked:
        budget.reserve(workspace_id, 600)
    gets = [request for method, request in asked if method == "BatchGetDocuments"]
    assert [len(request.documents) for request in gets] == [3, 2]  # the workspace and both months, then the months


def test_stale_reservations_are_charged_in_full(firestore_db, workspace_id):
    clock = [datetime.now(UTC)]
    budget = _budget(firestore_db, usd=0.002, now=lambda: clock[0])
    budget.reserve(workspace_id, 900)  # its caller died before settling: the model may have run
    clock[0] += timedelta(hours=1)
    budget.reserve(workspace_id, 900)
    doc = _usage_doc(firestore_db, workspace_id)
    assert (doc["reservedMicros"], doc["spentMicros"], doc["unknownOutcomes"]) == (900, 900, 1)
    with pytest.raises(BudgetExceeded):
        budget.reserve(workspace_id, 900)


def test_a_late_settle_of_a_swept_reservation_counts_nothing_more(firestore_db, workspace_id):
    clock = [datetime.now(UTC)]
    budget = _budget(firestore_db, usd=0.002, now=lambda: clock[0])
    late = budget.reserve(workspace_id, 900)
    clock[0] += timedelta(hours=1)
    budget.reserve(workspace_id, 900)  # sweeps `late` as stale, charging its reservation
    budget.settle(late, AiUsage(model=MODEL, prompt_tokens=10, candidate_tokens=5, cost_micros=400))

    doc = _usage_doc(firestore_db, workspace_id)
    assert (doc["spentMicros"], doc["reservedMicros"], doc["calls"]) == (900, 900, 1)


def test_concurrent_calls_are_each_counted_once(firestore_db, workspace_id):
    from concurrent.futures import ThreadPoolExecutor

    budget = _budget(firestore_db, usd=1.0)
    usage = AiUsage(model=MODEL, prompt_tokens=10, candidate_tokens=5, thought_tokens=2, cost_micros=250)

    def call(_: int) -> None:
        reservation = budget.reserve(workspace_id, 1_000)
        budget.settle(reservation, usage)
        budget.settle(reservation, usage)  # a redelivered settle

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(call, range(8)))

    doc = _usage_doc(firestore_db, workspace_id)
    assert (doc["spentMicros"], doc["calls"], doc["reservedMicros"], doc["reservations"]) == (2_000, 8, 0, {})
    assert doc["byModel"][MODEL] == {
        "calls": 8,
        "promptTokens": 80,
        "candidateTokens": 40,
        "thoughtTokens": 16,
        "costMicros": 2_000,
    }
    settled = firestore_db.collection("workspaces", workspace_id, "aiUsage", doc["month"], "settled").get()
    assert len(settled) == 8


def _noisy(workspace_id: str) -> EnrichmentInput:
    """Older mail full of punctuation: far more tokens per character than prose."""
    noise = InteractionBrief(subject="?!" * 12_000, snippet=";:" * 100, direction="inbound")
    briefs = (InteractionBrief(subject="Pilot pricing", snippet="Numbers attached"), *[noise] * 4)
    return _ann(workspace_id).model_copy(update={"recent_interactions": briefs})


def test_twenty_calls_at_the_limit_overspend_by_at_most_one_call(firestore_db, workspace_id, genai_client, gemini):
    one_call = _provider(genai_client, _budget(firestore_db, usd=100)).enrich(_noisy("ws-probe")).usage
    assert one_call is not None
    limit_micros = 50_000
    firestore_db.document("workspaces", workspace_id).set({"aiMonthlyBudgetUsd": limit_micros / 1_000_000})
    provider = _provider(genai_client, _budget(firestore_db, usd=100))

    def call(_: int) -> str:
        try:
            provider.enrich(_noisy(workspace_id))
        except BudgetExceeded:
            return "refused"
        return "called"

    with ThreadPoolExecutor(max_workers=20) as pool:  # 20 at a time, until the budget refuses
        outcomes = list(pool.map(call, range(80)))

    doc = _usage_doc(firestore_db, workspace_id)
    assert outcomes.count("called") >= 1
    assert outcomes.count("refused") >= 1
    assert doc["calls"] == outcomes.count("called")
    assert doc["reservedMicros"] == 0
    assert doc["spentMicros"] <= limit_micros + one_call.cost_micros


def test_genai_client_follows_the_settings(firestore_db, gemini):
    saved = os.environ.get("RAPPORT_GEMINI_BASE_URL")
    os.environ["RAPPORT_GEMINI_BASE_URL"] = gemini.url
    get_settings.cache_clear()
    clients.genai_client.cache_clear()
    try:
        client = clients.genai_client()
        assert client.models.generate_content(model=MODEL, contents="Name: Ann Lee").text
        assert gemini.app.calls[-1].location == get_settings().region
    finally:
        if saved is None:
            os.environ.pop("RAPPORT_GEMINI_BASE_URL", None)
        else:
            os.environ["RAPPORT_GEMINI_BASE_URL"] = saved
        get_settings.cache_clear()
        clients.genai_client.cache_clear()


# -- the service --------------------------------------------------------------------------------------


def _seed_contact(db, workspace_id: str) -> str:
    contact_id = ids.contact_id(ANN_EMAIL)
    db.document("workspaces", workspace_id).set({"name": "Team"})
    db.document("workspaces", workspace_id, "contacts", contact_id).set(
        {
            "email": ANN_EMAIL,
            "name": "Ann Lee",
            "title": "Typed by a user",
            "companyId": "acme.co.uk",
            "companyName": "Acme",
            "sentCount": 2,
            "receivedCount": 3,
            "signature": {"title": "VP of Sales", "company": "Acme Robotics Ltd", "phones": ["+442071234567"]},
        }
    )
    base = datetime(2026, 11, 1, tzinfo=UTC)
    for day, subject in enumerate(["Intro", "Pilot pricing", "Berlin rollout"]):
        store_mail(
            db,
            workspace_id,
            f"mb_x_{day}",
            {
                "mailboxId": "mb_x",
                "subject": subject,
                "snippet": f"About the {subject.lower()}",
                "direction": "inbound",
                "occurredAt": base + timedelta(days=day),
                "contactIds": [contact_id],
            },
            sharing="everything",
        )
    return contact_id


def _service(db, client: genai.Client, usd: float = 1.0) -> EnrichmentService:
    html = "<title>Acme</title><meta name='description' content='Warehouse robots.'>"
    providers: list[EnrichmentProvider] = [
        SignatureProvider(),
        DomainProvider(fetch_website=lambda url: html),
        _provider(client, _budget(db, usd=usd)),
    ]
    return EnrichmentService(db=db, providers=providers)


def test_enrich_contact_stores_each_field_with_its_source(firestore_db, workspace_id, genai_client, gemini):
    contact_id = _seed_contact(firestore_db, workspace_id)
    outcome = _service(firestore_db, genai_client).enrich_contact(workspace_id, contact_id=contact_id)

    assert outcome.statuses == {"signature": "ok", "domain": "ok", "gemini": "ok"}
    contact = firestore_db.document("workspaces", workspace_id, "contacts", contact_id).get().to_dict()
    assert contact["title"] == "Typed by a user"  # enrichment never overwrites what people see and edit
    fields = contact["enrichment"]["fields"]
    assert fields["title"] == {"value": "VP of Sales", "source": "signature", "at": fields["title"]["at"]}
    assert fields["companyName"]["value"] == "Acme Robotics Ltd"  # the signature outranks the domain
    assert fields["companyDescription"]["source"] == "domain"
    assert fields["seniority"] == {"value": "vp", "source": "gemini", "at": fields["seniority"]["at"]}
    gemini_run = contact["enrichment"]["providers"]["gemini"]
    assert gemini_run["model"] == MODEL
    assert gemini_run["costMicros"] == outcome.usage[0].cost_micros
    assert gemini_run["promptTokens"] > 0
    assert gemini_run["candidateTokens"] > 0
    # The newest interactions reached the prompt.
    prompt = gemini.app.calls[0].body["contents"][0]["parts"][0]["text"]
    assert prompt.index("Berlin rollout") < prompt.index("Pilot pricing") < prompt.index("Intro")


def test_enriching_again_without_news_calls_no_model(firestore_db, workspace_id, genai_client, gemini):
    contact_id = _seed_contact(firestore_db, workspace_id)
    service = _service(firestore_db, genai_client)
    service.enrich_contact(workspace_id, contact_id=contact_id)
    again = service.enrich_contact(workspace_id, contact_id=contact_id)

    assert again.statuses == {"signature": "unchanged", "domain": "unchanged", "gemini": "unchanged"}
    assert len(gemini.app.calls) == 1
    assert _usage_doc(firestore_db, workspace_id)["calls"] == 1


def test_over_budget_skips_only_the_model(firestore_db, workspace_id, genai_client, gemini):
    contact_id = _seed_contact(firestore_db, workspace_id)
    outcome = _service(firestore_db, genai_client, usd=0).enrich_contact(workspace_id, contact_id=contact_id)

    assert outcome.statuses == {"signature": "ok", "domain": "ok", "gemini": "skipped_budget"}
    contact = firestore_db.document("workspaces", workspace_id, "contacts", contact_id).get().to_dict()
    assert contact["enrichment"]["providers"]["gemini"]["status"] == "skipped_budget"
    assert "seniority" not in contact["enrichment"]["fields"]
    assert gemini.app.calls == []


def test_an_outage_keeps_other_results_and_asks_for_a_retry(firestore_db, workspace_id, genai_client, gemini):
    contact_id = _seed_contact(firestore_db, workspace_id)
    gemini.app.faults.inject(503, times=None)
    with pytest.raises(RetryLater):
        _service(firestore_db, genai_client).enrich_contact(workspace_id, contact_id=contact_id)

    gemini.app.faults.clear()
    contact = firestore_db.document("workspaces", workspace_id, "contacts", contact_id).get().to_dict()
    assert contact["enrichment"]["fields"]["title"]["value"] == "VP of Sales"
    assert contact["enrichment"]["providers"]["gemini"]["status"] == "failed"
    retried = _service(firestore_db, genai_client).enrich_contact(workspace_id, contact_id=contact_id)
    assert retried.statuses["gemini"] == "ok"


def test_a_missing_contact_is_not_found(firestore_db, workspace_id, genai_client):
    with pytest.raises(NotFound):
        _service(firestore_db, genai_client).enrich_contact(workspace_id, contact_id="c_missing")


def test_a_contact_deleted_while_its_providers_run_is_not_found(firestore_db, workspace_id, genai_client):
    contact_id = _seed_contact(firestore_db, workspace_id)
    contact = firestore_db.document("workspaces", workspace_id, "contacts", contact_id)

    class DeletesTheContact(SignatureProvider):
        def enrich(self, subject: EnrichmentInput):  # type: ignore[no-untyped-def]
            contact.delete()  # a merge or an undo lands while the providers work
            return super().enrich(subject)

    service = EnrichmentService(db=firestore_db, providers=[DeletesTheContact()])
    with pytest.raises(NotFound):
        service.enrich_contact(workspace_id, contact_id=contact_id)
    assert not contact.get().exists  # nothing was written back to the deleted contact


# -- deliveries: at most CONTACTS_PER_MESSAGE model calls each, one model call per contact and input -----


class _SlowGemini(GeminiProvider):
    """The real provider, slowed down so that a second delivery arrives while the first is calling."""

    def enrich(self, subject: EnrichmentInput):  # type: ignore[no-untyped-def]
        time.sleep(1.0)
        return super().enrich(subject)


def _model_calls(gemini: GeminiServer) -> int:
    return sum(1 for call in gemini.app.calls if call.method == "generateContent")


def test_two_deliveries_at_once_ask_the_model_once(firestore_db, workspace_id, genai_client, gemini):
    contact_id = _seed_contact(firestore_db, workspace_id)
    arrived = threading.Barrier(2)

    def deliver(_: int) -> str:
        provider = _SlowGemini(client_factory=lambda: genai_client, budget=_budget(firestore_db), model=MODEL)
        service = EnrichmentService(db=firestore_db, providers=[SignatureProvider(), provider])
        arrived.wait()
        try:
            service.enrich_request(workspace_id, [contact_id])
        except RetryLater:
            return "retry later"
        return "enriched"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(deliver, range(2)))

    assert outcomes == ["enriched", "retry later"]
    assert _model_calls(gemini) == 1
    assert _usage_doc(firestore_db, workspace_id)["calls"] == 1
    # The postponed delivery, redelivered, finds the work done.
    _service(firestore_db, genai_client).enrich_request(workspace_id, [contact_id])
    assert _model_calls(gemini) == 1
    contact = firestore_db.document("workspaces", workspace_id, "contacts", contact_id).get().to_dict()
    assert "claim" not in contact["enrichment"]


def test_one_delivery_calls_the_model_at_most_ten_times_and_passes_the_rest_on(
    firestore_db, workspace_id, genai_client, gemini
):
    firestore_db.document("workspaces", workspace_id).set({"name": "Team"})
    contact_ids = [f"c_{number:02d}" for number in range(13)]
    for contact_id in contact_ids:
        firestore_db.document("workspaces", workspace_id, "contacts", contact_id).set(
            {"email": f"{contact_id}@acme.io", "name": contact_id, "sentCount": 1}
        )
    passed_on: list[tuple[str, list[str]]] = []

    _service(firestore_db, genai_client, usd=10).enrich_request(
        workspace_id, contact_ids, republish=lambda ws, ids_: passed_on.append((ws, list(ids_)))
    )

    assert _model_calls(gemini) == CONTACTS_PER_MESSAGE == 10
    assert passed_on == [(workspace_id, contact_ids[10:])]
